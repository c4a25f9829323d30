// `mai metrics --metric NAME A B`: one fidelity figure between two images
// or tensors, computed exactly as `mai eval` computes it for a track.
//
// A and B are PNG/JPEG images (8- or 16-bit, read as [0, 1] unless
// --data_range says otherwise: 255 reads 8-bit samples as 0..255) or .npy
// float32 arrays (HxW, HxWxC or 1xHxWxC; used as they are).
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/npy.h"
#include "image/image.h"
#include "metrics/by_name.h"
#include "metrics/depth.h"
#include "metrics/image_view.h"

namespace mai::cli {
namespace {

struct MetricsCliOptions {
  std::string metric;
  std::string a, b;
  double data_range = 1.0;
  int crop_border = 0;
  bool y_channel = false;
  bool json = false;
};

struct Loaded {
  int height = 0, width = 0, channels = 0;
  std::vector<float> values;
};

Result<Loaded> Load(const std::string& path, double data_range) {
  Loaded out;
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") {
    MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
    Result<NpyArray> npy = ParseNpy(bytes);
    if (!npy.ok())
      return InvalidArgument("{}: {}", path, npy.status().message());
    if (npy->dtype != DType::kFloat32) {
      return InvalidArgument("{}: .npy holds {}, not float32", path,
                             DTypeName(npy->dtype));
    }
    Shape s = npy->shape;
    if (s.size() == 4 && s[0] == 1) s.erase(s.begin());
    if (s.size() == 2) s.push_back(1);
    if (s.size() != 3) {
      return InvalidArgument("{}: shape {} is not HxW, HxWxC or 1xHxWxC", path,
                             ShapeToString(npy->shape));
    }
    out.height = static_cast<int>(s[0]);
    out.width = static_cast<int>(s[1]);
    out.channels = static_cast<int>(s[2]);
    out.values.resize(npy->data.size() / 4);
    std::memcpy(out.values.data(), npy->data.data(), npy->data.size());
    return out;
  }
  MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage(path));
  out.height = img.height;
  out.width = img.width;
  out.channels = img.channels;
  out.values = image::ToFloat(img, 0.0f, static_cast<float>(data_range));
  return out;
}

int Fail(const std::string& message) {
  fmt::print(stderr, "mai metrics: {}\n", message);
  return 1;
}

int RunMetrics(const MetricsCliOptions& opt) {
  auto a = Load(opt.a, opt.data_range);
  if (!a.ok()) return Fail(a.status().message());
  auto b = Load(opt.b, opt.data_range);
  if (!b.ok()) return Fail(b.status().message());
  metrics::ImageView va{a->height, a->width, a->channels, a->values};
  metrics::ImageView vb{b->height, b->width, b->channels, b->values};
  Result<double> v = 0.0;
  const std::string& m = opt.metric;
  if (m == "psnr" || m == "ssim" || m == "ms_ssim" || m == "mse" ||
      m == "mae" || m == "rmse") {
    metrics::ImageMetricOptions o;
    o.data_range = opt.data_range;
    o.crop_border = opt.crop_border;
    o.y_channel = opt.y_channel;
    v = metrics::ImageMetric(m, va, vb, o);
  } else if (m == "si_rmse" || m == "abs_rel") {
    // A is the prediction, B the ground truth.
    auto e = metrics::DepthMetrics(a->values, b->values);
    if (!e.ok()) return Fail(e.status().message());
    v = m == "si_rmse" ? e->si_rmse : e->abs_rel;
  } else {
    return Fail("unknown --metric '" + m +
                "' (psnr, ssim, ms_ssim, mse, mae, rmse, si_rmse, abs_rel)");
  }
  if (!v.ok()) return Fail(v.status().message());
  if (opt.json) {
    nlohmann::json j = {
        {"metric", m},
        {"a", opt.a},
        {"b", opt.b},
        {"data_range", opt.data_range},
        {"crop_border", opt.crop_border},
        {"y_channel", opt.y_channel},
        {"value", std::isinf(*v) ? nlohmann::json("inf") : nlohmann::json(*v)}};
    fmt::print("{}\n", j.dump(1));
  } else {
    fmt::print("{:.17g}\n", *v);
  }
  return 0;
}

}  // namespace

void SetupMetrics(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<MetricsCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "metrics", "A fidelity metric between two images or .npy tensors");
  cmd->add_option("--metric", opt->metric,
                  "psnr, ssim, ms_ssim, mse, mae, rmse, si_rmse, abs_rel")
      ->required();
  cmd->add_option("a", opt->a,
                  "Reference image or .npy (for depth "
                  "metrics: the prediction)")
      ->required();
  cmd->add_option("b", opt->b,
                  "Compared image or .npy (for depth metrics: "
                  "the ground truth)")
      ->required();
  cmd->add_option("--data_range", opt->data_range,
                  "Images are read as [0, R] and compared with this range "
                  "(default 1)");
  cmd->add_option("--crop_border", opt->crop_border,
                  "Pixels removed from every side (psnr, ssim, ms_ssim)");
  cmd->add_flag("--y_channel", opt->y_channel,
                "Compare the Y channel of YCbCr (psnr, ssim, ms_ssim)");
  cmd->add_flag("--json", opt->json, "Print JSON");
  cmd->callback([opt, exit_code] { *exit_code = RunMetrics(*opt); });
}

}  // namespace mai::cli
