#include <fmt/format.h>

#include "zoo/zoo.h"
#include "zoo/zoo_net.h"

namespace mai::zoo {
namespace {

struct Entry {
  ZooModelInfo info;
  Result<std::vector<uint8_t>> (*build)(const ZooOptions&);
};

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      {{"fsrcnn_x3",
        "2021/2022 quantized image SR x3",
        "FSRCNN-like: conv5x5 56 -> shrink 1x1 12 -> 4x conv3x3 12 -> expand "
        "1x1 56 -> conv3x3 9 -> DEPTH_TO_SPACE 3",
        {1, 360, 640, 1},
        {1, 1080, 1920, 1},
        "the MAI 2021 INT8 baseline shape; pixel shuffle instead of FSRCNN's "
        "deconvolution, ReLU instead of PReLU"},
       BuildFsrcnnX3},
      {{"xlsr_x3",
        "2021/2022 quantized image SR x3",
        "XLSR-like: conv3x3 32 -> 3 blocks of 4 parallel conv3x3 8 + "
        "CONCATENATION + conv1x1 32 -> residual ADD -> conv3x3 27 -> "
        "DEPTH_TO_SPACE 3 -> clip [0, 1]",
        {1, 360, 640, 3},
        {1, 1080, 1920, 3},
        "parallel branches stand for XLSR's grouped convs; clipped ReLU as "
        "MAXIMUM + MINIMUM"},
       BuildXlsrX3},
      {{"abpn_x3",
        "2021/2022 quantized image SR x3",
        "ABPN-like: 5x conv3x3 28 -> conv3x3 27, + anchor (input repeated 9x "
        "by CONCATENATION) -> DEPTH_TO_SPACE 3 -> clip [0, 1]",
        {1, 360, 640, 3},
        {1, 1080, 1920, 3},
        "anchor-based plain net"},
       BuildAbpnX3},
      {{"microisp",
        "2021/2022 learned smartphone ISP",
        "MicroISP-like: conv3x3 16 -> 3 residual blocks (2x conv3x3 16 + ADD) "
        "-> conv3x3 12 -> DEPTH_TO_SPACE 2",
        {1, 540, 960, 4},
        {1, 1080, 1920, 3},
        "input: packed RGGB Bayer at half resolution; height/width give the "
        "packed size; output: Full HD RGB at the default"},
       BuildMicroIsp},
      {{"fastdepth",
        "2021/2022 monocular depth",
        "FastDepth-like: MobileNet-style depthwise-separable encoder (5 "
        "stride-2 stages, RELU6), decoder of RESIZE_NEAREST_NEIGHBOR x2 + "
        "separable 5x5 + skip ADD, RESIZE_BILINEAR, conv1x1 1",
        {1, 480, 640, 3},
        {1, 480, 640, 1},
        "height and width must be multiples of 32"},
       BuildFastDepth},
      {{"unet_denoise",
        "2021 camera image denoising",
        "residual U-Net: 3 levels (2x conv3x3 16/32/64 + MAX_POOL_2D), "
        "bottleneck 128, RESIZE_NEAREST_NEIGHBOR + conv1x1 + CONCATENATION "
        "skips, conv3x3 3, ADD input",
        {1, 480, 640, 3},
        {1, 480, 640, 3},
        "480p as in the track; height and width must be multiples of 8; "
        "--channels sets the base width"},
       BuildUnetDenoise},
      {{"video_sr_x4",
        "2021/2022 (power-efficient) video SR x4",
        "3x conv3x3 16 -> conv3x3 48 -> DEPTH_TO_SPACE 4",
        {1, 180, 320, 3},
        {1, 720, 1280, 3},
        "per-frame model, 180x320 -> 720x1280 (REDS-style HD output)"},
       BuildVideoSrX4},
      {{"bokeh_unet",
        "2022 bokeh rendering",
        "U-Net: conv3x3 8, 4 levels of stride-2 conv3x3 + conv3x3 "
        "(16/32/64/128), RESIZE_BILINEAR + conv3x3 + skip ADD, conv3x3 3, "
        "ADD input",
        {1, 1024, 1536, 3},
        {1, 1024, 1536, 3},
        "default size is an assumption (EBB!-style 1024x1536, the track "
        "report's exact size unconfirmed); multiples of 16"},
       BuildBokehUnet},
      {{"mobilenet_v2",
        "reference classifier",
        "MobileNetV2: conv3x3/2 32, 17 inverted residual blocks (expand 1x1, "
        "depthwise 3x3, linear 1x1, ADD), conv1x1 1280, MEAN, "
        "FULLY_CONNECTED 1000, SOFTMAX",
        {1, 224, 224, 3},
        {1, 1000},
        "--width_multiplier 0.35..1.0 (default 1.0)"},
       BuildMobileNetV2},
  };
  return entries;
}

}  // namespace

std::vector<ZooModelInfo> ListZooModels() {
  std::vector<ZooModelInfo> out;
  for (const Entry& e : Entries()) out.push_back(e.info);
  return out;
}

Result<std::vector<uint8_t>> BuildZooModel(const std::string& name,
                                           const ZooOptions& options) {
  std::string names;
  for (const Entry& e : Entries()) {
    if (e.info.name == name) {
      ZooOptions o = options;
      if (o.height == 0) o.height = e.info.input_shape[1];
      if (o.width == 0) o.width = e.info.input_shape[2];
      if (o.channels < 0 || o.channels > 1024) {
        return InvalidArgument("{}: channels {} out of [0, 1024]", name,
                               o.channels);
      }
      return e.build(o);
    }
    names += (names.empty() ? "" : ", ") + e.info.name;
  }
  return NotFound("unknown zoo model '{}' (models: {})", name, names);
}

}  // namespace mai::zoo
