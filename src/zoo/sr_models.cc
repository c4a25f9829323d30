// Super-resolution zoo models: FSRCNN-like, XLSR-like and ABPN-like x3
// (quantized image SR track) and a small x4 video SR net.
#include "zoo/zoo_net.h"

namespace mai::zoo {

using ir::Activation;

namespace {
// Weight gain of the last conv of the clipped SR nets: keeps the pre-clip
// output mostly inside [0, 1] with random weights, so the clip is exercised
// without saturating the image.
constexpr float kHeadGain = 0.02f;
}  // namespace

Result<std::vector<uint8_t>> BuildFsrcnnX3(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("fsrcnn_x3", o.height, o.width, 1));
  const int d = o.channels > 0 ? o.channels : 56, s = 12;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 1});
  Act y = net.Conv(x, d, 5, 1, Activation::kRelu);  // feature extraction
  y = net.Conv(y, s, 1, 1, Activation::kRelu);      // shrink
  for (int i = 0; i < 4; ++i) y = net.Conv(y, s, 3, 1, Activation::kRelu);
  y = net.Conv(y, d, 1, 1, Activation::kRelu);  // expand
  y = net.Conv(y, 9, 3, 1);                     // 3x3 sub-pixels
  net.Output(net.DepthToSpace(y, 3));
  return net.Build();
}

Result<std::vector<uint8_t>> BuildXlsrX3(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("xlsr_x3", o.height, o.width, 1));
  const int c = o.channels > 0 ? o.channels : 32;
  const int branches = 4, branch_c = (c + branches - 1) / branches;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  Act stem = net.Conv(x, branches * branch_c, 3, 1, Activation::kRelu);
  Act y = stem;
  for (int block = 0; block < 3; ++block) {
    std::vector<Act> parts;
    for (int b = 0; b < branches; ++b)
      parts.push_back(net.Conv(y, branch_c, 3, 1, Activation::kRelu));
    y = net.Conv(net.Concat(parts), branches * branch_c, 1, 1,
                 Activation::kRelu);
  }
  y = net.Add(y, stem);
  y = net.Conv(y, 27, 3, 1, Activation::kNone, kHeadGain);
  net.Output(net.Clip(net.DepthToSpace(y, 3), 0.0f, 1.0f));
  return net.Build();
}

Result<std::vector<uint8_t>> BuildAbpnX3(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("abpn_x3", o.height, o.width, 1));
  const int c = o.channels > 0 ? o.channels : 28;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  Act y = net.Conv(x, c, 3, 1, Activation::kRelu);
  for (int i = 0; i < 4; ++i) y = net.Conv(y, c, 3, 1, Activation::kRelu);
  y = net.Conv(y, 27, 3, 1, Activation::kNone, kHeadGain);
  Act anchor = net.Concat(std::vector<Act>(9, x));  // input repeated 9x
  y = net.Add(y, anchor);
  net.Output(net.Clip(net.DepthToSpace(y, 3), 0.0f, 1.0f));
  return net.Build();
}

Result<std::vector<uint8_t>> BuildVideoSrX4(const ZooOptions& o) {
  MAI_RETURN_IF_ERROR(CheckSize("video_sr_x4", o.height, o.width, 1));
  const int c = o.channels > 0 ? o.channels : 16;
  ZooNet net(o.seed);
  Act x = net.Input({1, o.height, o.width, 3});
  Act y = net.Conv(x, c, 3, 1, Activation::kRelu);
  for (int i = 0; i < 2; ++i) y = net.Conv(y, c, 3, 1, Activation::kRelu);
  y = net.Conv(y, 48, 3, 1);
  net.Output(net.DepthToSpace(y, 4));
  return net.Build();
}

}  // namespace mai::zoo
