#include "challenge/eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "challenge/tiling.h"
#include "core/npy.h"
#include "core/sha256.h"
#include "image/channels.h"
#include "image/image.h"
#include "metrics/basic.h"
#include "metrics/by_name.h"
#include "metrics/depth.h"
#include "metrics/image_view.h"

namespace mai::challenge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A float HWC image.
struct Planar {
  int height = 0, width = 0, channels = 0;
  std::vector<float> values;
};

// The h x w region of `x` at (top, left); the caller checks it fits.
Planar Crop(const Planar& x, int top, int left, int h, int w) {
  Planar out;
  out.height = h;
  out.width = w;
  out.channels = x.channels;
  out.values.resize(static_cast<size_t>(h) * w * x.channels);
  for (int y = 0; y < h; ++y) {
    const float* src =
        x.values.data() +
        (static_cast<size_t>(top + y) * x.width + left) * x.channels;
    std::copy(src, src + static_cast<size_t>(w) * x.channels,
              out.values.data() + static_cast<size_t>(y) * w * x.channels);
  }
  return out;
}

// TFLite's DEPTH_TO_SPACE: channel (by * b + bx) * C + c of pixel (y, x)
// becomes channel c of pixel (y * b + by, x * b + bx).
std::vector<float> DepthToSpace(const std::vector<float>& in, int h, int w,
                                int channels, int b) {
  const int c_out = channels / (b * b);
  std::vector<float> out(in.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float* src =
          in.data() + (static_cast<size_t>(y) * w + x) * channels;
      for (int by = 0; by < b; ++by) {
        for (int bx = 0; bx < b; ++bx) {
          float* dst = out.data() + ((static_cast<size_t>(y) * b + by) * w * b +
                                     (static_cast<size_t>(x) * b + bx)) *
                                        c_out;
          std::copy(src + (by * b + bx) * c_out,
                    src + (by * b + bx + 1) * c_out, dst);
        }
      }
    }
  }
  return out;
}

bool IsNpy(const std::string& path) {
  return std::filesystem::path(path).extension() == ".npy";
}

// A float32 .npy of shape HxW, HxWxC or 1xHxWxC, values as they are.
Result<Planar> ReadNpyPlanar(const std::string& path) {
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  Result<NpyArray> npy = ParseNpy(bytes);
  if (!npy.ok()) return InvalidArgument("{}: {}", path, npy.status().message());
  if (npy->dtype != DType::kFloat32) {
    return InvalidArgument("{}: .npy holds {}, not float32", path,
                           DTypeName(npy->dtype));
  }
  Shape shape = npy->shape;
  if (shape.size() == 4 && shape[0] == 1) shape.erase(shape.begin());
  if (shape.size() == 2) shape.push_back(1);
  if (shape.size() != 3) {
    return InvalidArgument("{}: shape {} is not HxW, HxWxC or 1xHxWxC", path,
                           ShapeToString(npy->shape));
  }
  Planar p;
  p.height = static_cast<int>(shape[0]);
  p.width = static_cast<int>(shape[1]);
  p.channels = static_cast<int>(shape[2]);
  p.values.resize(npy->data.size() / 4);
  std::memcpy(p.values.data(), npy->data.data(), npy->data.size());
  return p;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

bool IsSampleFile(const fs::path& p) {
  const std::string e = Lower(p.extension().string());
  return e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".npy";
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

Status CheckTensor(const Track& track, const std::string& model_path,
                   const std::string& field, const TensorSpec& spec,
                   const TensorInfo& info) {
  const std::vector<int64_t> shape(info.shape.begin(), info.shape.end());
  bool fits = shape.size() == spec.shape.size();
  for (size_t i = 0; fits && i < shape.size(); ++i) {
    fits = spec.shape[i] == -1 || spec.shape[i] == shape[i];
  }
  if (!fits) {
    return InvalidArgument("{}: {} has shape {}; track {} {}.shape wants {}",
                           model_path, info.name, ShapeText(shape), track.id,
                           field, ShapeText(spec.shape));
  }
  const std::string dtype(DTypeName(info.dtype));
  if (std::find(spec.dtypes.begin(), spec.dtypes.end(), dtype) ==
      spec.dtypes.end()) {
    std::string accepted;
    for (const std::string& d : spec.dtypes) {
      accepted += (accepted.empty() ? "" : ", ") + d;
    }
    return InvalidArgument("{}: {} is {}; track {} {}.dtype accepts {}",
                           model_path, info.name, dtype, track.id, field,
                           accepted);
  }
  if ((info.dtype == DType::kInt8 || info.dtype == DType::kUInt8) &&
      info.quant.scale.empty()) {
    return InvalidArgument("{}: {} is {} without quantization parameters",
                           model_path, info.name, dtype);
  }
  return Status::Ok();
}

// Reads an input file as the model's input channels, in [lo, hi].
Result<Planar> ReadInput(const Track& track, const std::string& path) {
  if (IsNpy(path)) return ReadNpyPlanar(path);  // the model's values as is
  MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage(path));
  const float lo = track.input.lo, hi = track.input.hi;
  Planar out;
  if (track.preprocess.input == InputKind::kBayerRggb) {
    if (img.channels != 1 || img.height % 2 || img.width % 2) {
      return InvalidArgument(
          "{}: a Bayer RAW input must be one channel with even height and "
          "width, not {}x{}x{}",
          path, img.height, img.width, img.channels);
    }
    out.height = img.height / 2;
    out.width = img.width / 2;
    out.channels = 4;
    out.values.resize(static_cast<size_t>(out.height) * out.width * 4);
    const float white = track.preprocess.raw_max;
    auto at = [&](int y, int x) {
      const float v = img.samples[static_cast<size_t>(y) * img.width + x];
      return lo + (hi - lo) * std::min(v / white, 1.0f);
    };
    for (int y = 0; y < out.height; ++y) {
      for (int x = 0; x < out.width; ++x) {
        float* o =
            out.values.data() + (static_cast<size_t>(y) * out.width + x) * 4;
        o[0] = at(2 * y, 2 * x);          // R
        o[1] = at(2 * y, 2 * x + 1);      // G
        o[2] = at(2 * y + 1, 2 * x);      // G
        o[3] = at(2 * y + 1, 2 * x + 1);  // B
      }
    }
    return out;
  }
  out.height = img.height;
  out.width = img.width;
  out.channels = track.preprocess.input == InputKind::kLuma ? 1 : 3;
  out.values = image::ToChannels(img, out.channels, lo, hi);
  if (out.values.empty()) {
    return InvalidArgument("{}: cannot convert a {}-channel {}-bit image", path,
                           img.channels, img.bit_depth);
  }
  return out;
}

// Runs the model on one input tile (h x w x c values) and returns its
// output as floats (dequantized).
class TileRunner {
 public:
  TileRunner(Session& session, const TensorInfo& in, const TensorInfo& out)
      : session_(session), in_(in), out_(out) {}

  Result<std::vector<float>> Run(const std::vector<float>& x) {
    std::span<uint8_t> dst = session_.input_data(0);
    if (in_.dtype == DType::kFloat32) {
      std::memcpy(dst.data(), x.data(), x.size() * 4);
    } else {
      const float scale = in_.quant.scale[0];
      const int32_t zp = static_cast<int32_t>(
          in_.quant.zero_point.empty() ? 0 : in_.quant.zero_point[0]);
      const int lo = in_.dtype == DType::kInt8 ? -128 : 0;
      const int hi = in_.dtype == DType::kInt8 ? 127 : 255;
      for (size_t i = 0; i < x.size(); ++i) {
        const int q =
            std::clamp(static_cast<int>(std::lrint(x[i] / scale)) + zp, lo, hi);
        dst[i] = static_cast<uint8_t>(q);
      }
    }
    MAI_RETURN_IF_ERROR(session_.Invoke());
    std::span<const uint8_t> y = session_.output_data(0);
    std::vector<float> v;
    if (out_.dtype == DType::kFloat32) {
      v.resize(y.size() / 4);
      std::memcpy(v.data(), y.data(), y.size());
    } else {
      const float scale = out_.quant.scale[0];
      const int32_t zp = static_cast<int32_t>(
          out_.quant.zero_point.empty() ? 0 : out_.quant.zero_point[0]);
      v.resize(y.size());
      for (size_t i = 0; i < y.size(); ++i) {
        const int q = out_.dtype == DType::kInt8 ? static_cast<int8_t>(y[i])
                                                 : static_cast<int>(y[i]);
        v[i] = scale * static_cast<float>(q - zp);
      }
    }
    return v;
  }

 private:
  Session& session_;
  const TensorInfo& in_;
  const TensorInfo& out_;
};

// The model's output for a whole input image: one run when the image has
// the input's size, overlapping tiles otherwise.
Result<Planar> RunImage(const Track& track, const std::string& name,
                        TileRunner& runner, const TensorInfo& in,
                        const TensorInfo& out, const Planar& x, int* tiles) {
  const int th = static_cast<int>(in.shape[1]);
  const int tw = static_cast<int>(in.shape[2]);
  const int b = track.postprocess.unpack;
  const int oc = static_cast<int>(out.shape.back()) / (b * b);
  const int s = track.scale;
  if (x.height < th || x.width < tw) {
    return InvalidArgument(
        "{}: image {}x{} is smaller than the model input "
        "{}x{}",
        name, x.height, x.width, th, tw);
  }
  if (out.shape.size() != 4 || out.shape[1] * b != th * s ||
      out.shape[2] * b != tw * s || out.shape[3] % (b * b) != 0) {
    return InvalidArgument(
        "model output {} unpacked by {} is not the input {}x{} times the "
        "track's scale {}",
        ShapeText({out.shape.begin(), out.shape.end()}), b, th, tw, s);
  }
  const std::vector<int> ys =
      TileOrigins(x.height, th, track.preprocess.tile_overlap);
  const std::vector<int> xs =
      TileOrigins(x.width, tw, track.preprocess.tile_overlap);
  TileBlender blender(x.height * s, x.width * s, oc,
                      track.preprocess.tile_overlap * s);
  std::vector<float> tile(static_cast<size_t>(th) * tw * x.channels);
  *tiles = 0;
  for (int top : ys) {
    for (int left : xs) {
      for (int y = 0; y < th; ++y) {
        const float* src =
            x.values.data() +
            (static_cast<size_t>(top + y) * x.width + left) * x.channels;
        std::copy(src, src + static_cast<size_t>(tw) * x.channels,
                  tile.data() + static_cast<size_t>(y) * tw * x.channels);
      }
      MAI_ASSIGN_OR_RETURN(std::vector<float> y, runner.Run(tile));
      if (b > 1) {
        y = DepthToSpace(y, static_cast<int>(out.shape[1]),
                         static_cast<int>(out.shape[2]),
                         static_cast<int>(out.shape[3]), b);
      }
      blender.Add(y, top * s, left * s, th * s, tw * s);
      ++*tiles;
    }
  }
  Planar result;
  result.height = x.height * s;
  result.width = x.width * s;
  result.channels = oc;
  result.values = blender.Result();
  return result;
}

struct Sample {
  std::string name;
  std::string input;
  std::string target;  // kPairs
  int label = -1;      // kLabels
};

Result<std::vector<Sample>> ListSamples(const Track& track,
                                        const std::string& data_dir) {
  const fs::path in_dir = fs::path(data_dir) / track.data.input_dir;
  std::error_code ec;
  if (!fs::is_directory(in_dir, ec)) {
    return NotFound("{}: data.input_dir of track {} is not a directory",
                    in_dir.string(), track.id);
  }
  std::vector<Sample> samples;
  for (fs::directory_iterator it(in_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) && IsSampleFile(it->path())) {
      Sample s;
      s.name = it->path().filename().string();
      s.input = it->path().string();
      samples.push_back(s);
    }
  }
  if (ec) return NotFound("cannot list {}: {}", in_dir.string(), ec.message());
  if (samples.empty()) {
    return InvalidArgument("{}: no .png, .jpg or .npy input", in_dir.string());
  }
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.name < b.name; });
  if (track.data.layout == DataLayout::kPairs) {
    const fs::path target_dir = fs::path(data_dir) / track.data.target_dir;
    for (Sample& s : samples) {
      const std::string stem = fs::path(s.name).stem().string();
      for (const char* ext :
           {".png", ".jpg", ".jpeg", ".npy", ".PNG", ".JPG"}) {
        const fs::path p = target_dir / (stem + ext);
        if (fs::is_regular_file(p, ec)) {
          s.target = p.string();
          break;
        }
      }
      if (s.target.empty()) {
        return NotFound("{}: no target for {} in {} (data.target_dir)", s.input,
                        s.name, target_dir.string());
      }
    }
    return samples;
  }
  const fs::path labels_path = fs::path(data_dir) / track.data.labels_file;
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                       ReadFileBytes(labels_path.string(), 16 << 20));
  json labels = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (labels.is_discarded() || !labels.is_object()) {
    return InvalidArgument(
        "{}: data.labels_file must be a JSON object "
        "{{\"file\": class index}}",
        labels_path.string());
  }
  for (Sample& s : samples) {
    if (!labels.contains(s.name) || !labels[s.name].is_number_integer() ||
        labels[s.name].get<int64_t>() < 0) {
      return InvalidArgument("{}: no class index for {}", labels_path.string(),
                             s.name);
    }
    s.label = labels[s.name].get<int>();
  }
  return samples;
}

// The image target in [0, 1], with the output's channels (luma for 1).
Result<Planar> ReadImageTarget(const std::string& path, int channels) {
  if (IsNpy(path)) {
    MAI_ASSIGN_OR_RETURN(Planar t, ReadNpyPlanar(path));
    if (t.channels != channels) {
      return InvalidArgument("{}: target has {} channels, the output {}", path,
                             t.channels, channels);
    }
    return t;
  }
  MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage(path));
  Planar t;
  t.height = img.height;
  t.width = img.width;
  t.channels = channels;
  t.values = image::ToChannels(img, channels, 0.0f, 1.0f);
  if (t.values.empty()) {
    return InvalidArgument(
        "{}: a target for a {}-channel output must be "
        "gray or RGB",
        path, channels);
  }
  return t;
}

Result<std::map<std::string, double>> ImageMetrics(const Track& track,
                                                   const Planar& out,
                                                   const Planar& target) {
  metrics::ImageView a{target.height, target.width, target.channels,
                       target.values};
  metrics::ImageView b{out.height, out.width, out.channels, out.values};
  std::map<std::string, double> values;
  for (const MetricSpec& m : track.metrics) {
    metrics::ImageMetricOptions o;
    o.data_range = m.data_range;
    o.crop_border = m.crop_border;
    o.y_channel = m.y_channel;
    Result<double> v = metrics::ImageMetric(m.metric, a, b, o);
    if (!v.ok()) return v.status();
    values[m.name] = *v;
  }
  return values;
}

// The depth target in metres (0: unknown).
Result<Planar> ReadDepthTarget(const Track& track, const std::string& path) {
  if (IsNpy(path)) return ReadNpyPlanar(path);  // metres (0: unknown)
  MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage(path));
  if (img.channels != 1) {
    return InvalidArgument("{}: a depth target has one channel, not {}", path,
                           img.channels);
  }
  Planar t;
  t.height = img.height;
  t.width = img.width;
  t.channels = 1;
  t.values.resize(img.samples.size());
  for (size_t i = 0; i < t.values.size(); ++i) {
    t.values[i] = static_cast<float>(img.samples[i]) * track.depth_scale;
  }
  return t;
}

Result<std::map<std::string, double>> DepthMetricValues(
    const Track& track, const Planar& out, const Planar& target_depth) {
  const std::vector<float>& target = target_depth.values;
  MAI_ASSIGN_OR_RETURN(metrics::DepthErrors e,
                       metrics::DepthMetrics(out.values, target));
  std::map<std::string, double> values;
  for (const MetricSpec& m : track.metrics) {
    if (m.metric == "si_rmse") {
      values[m.name] = e.si_rmse;
    } else if (m.metric == "rmse") {
      values[m.name] = e.rmse;
    } else if (m.metric == "mae") {
      values[m.name] = e.mae;
    } else if (m.metric == "abs_rel") {
      values[m.name] = e.abs_rel;
    } else {
      return InvalidArgument("metric {} does not apply to depth targets",
                             m.metric);
    }
  }
  return values;
}

}  // namespace

Result<ModelFacts> InspectModelFacts(const std::string& model_path) {
  ModelFacts f;
  f.path = model_path;
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(model_path));
  f.bytes = static_cast<int64_t>(bytes.size());
  f.sha256 = Sha256Hex(bytes);
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::LoadBytes(bytes));
  const std::vector<TensorInfo> inputs = s->inputs();
  if (!inputs.empty()) {
    f.input_shape.assign(inputs[0].shape.begin(), inputs[0].shape.end());
    f.input_dtype = std::string(DTypeName(inputs[0].dtype));
  }
  const ir::Graph& g = s->model().main_graph();
  f.int8_only = true;
  for (const ir::Tensor& t : g.tensors) {
    if (t.is_constant()) continue;
    if (t.dtype != DType::kInt8 && t.dtype != DType::kUInt8) {
      f.int8_only = false;
      break;
    }
  }
  return f;
}

Result<EvalReport> EvaluateModel(const Track& track,
                                 const std::string& model_path,
                                 const std::string& data_dir,
                                 const EvalOptions& options) {
  if (IsRuntimeOnly(track)) {
    return InvalidArgument(
        "track {} is runtime-only (no fidelity metrics): there is nothing to "
        "evaluate; score it with `mai score --track {} BENCH.json`",
        track.id, track.id);
  }
  EvalReport report;
  report.track_id = track.id;
  report.data_dir = data_dir;
  report.backend = options.backend;
  report.num_threads = options.num_threads;
  MAI_ASSIGN_OR_RETURN(report.model, InspectModelFacts(model_path));

  SessionOptions so;
  so.backend = options.backend;
  so.num_threads = options.num_threads;
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(model_path));
  MAI_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::LoadBytes(bytes, so));
  MAI_RETURN_IF_ERROR(session->Prepare());
  if (session->num_inputs() != 1 || session->num_outputs() != 1) {
    return InvalidArgument(
        "{}: the model has {} inputs and {} outputs; "
        "track {} takes one of each",
        model_path, session->num_inputs(), session->num_outputs(), track.id);
  }
  const TensorInfo in = session->inputs()[0];
  const TensorInfo out = session->outputs()[0];
  MAI_RETURN_IF_ERROR(
      CheckTensor(track, model_path, "model.input", track.input, in));
  MAI_RETURN_IF_ERROR(
      CheckTensor(track, model_path, "model.output", track.output, out));
  const bool image_model = in.shape.size() == 4;
  if (image_model) {
    const int want = track.preprocess.input == InputKind::kBayerRggb ? 4
                     : track.preprocess.input == InputKind::kLuma    ? 1
                                                                     : 3;
    if (in.shape[3] != want) {
      return InvalidArgument(
          "{}: input has {} channels; track {} "
          "preprocess.input gives {}",
          model_path, in.shape[3], track.id, want);
    }
  }

  MAI_ASSIGN_OR_RETURN(std::vector<Sample> samples,
                       ListSamples(track, data_dir));
  TileRunner runner(*session, in, out);
  std::vector<float> scores;
  std::vector<int32_t> labels;
  for (size_t k = 0; k < samples.size(); ++k) {
    const Sample& sample = samples[k];
    MAI_ASSIGN_OR_RETURN(Planar x, ReadInput(track, sample.input));
    // preprocess.crop: the input's centre, and the target's matching
    // region (times the scale).
    int crop_top = 0, crop_left = 0;
    const bool crop = track.preprocess.crop_h > 0;
    if (crop) {
      const int ch = track.preprocess.crop_h, cw = track.preprocess.crop_w;
      if (x.height < ch || x.width < cw) {
        return InvalidArgument(
            "{}: image {}x{} is smaller than preprocess.crop {}x{}",
            sample.input, x.height, x.width, ch, cw);
      }
      crop_top = (x.height - ch) / 2;
      crop_left = (x.width - cw) / 2;
      x = Crop(x, crop_top, crop_left, ch, cw);
    }
    auto crop_target = [&](Planar t) -> Result<Planar> {
      if (!crop) return t;
      const int s = track.scale;
      const int h = track.preprocess.crop_h * s,
                w = track.preprocess.crop_w * s;
      if (t.height < (crop_top * s) + h || t.width < (crop_left * s) + w) {
        return InvalidArgument(
            "{}: target {}x{} does not hold the cropped "
            "region",
            sample.target, t.height, t.width);
      }
      return Crop(t, crop_top * s, crop_left * s, h, w);
    };
    SampleResult r;
    r.name = sample.name;
    const auto start = std::chrono::steady_clock::now();
    Planar y;
    if (track.target == TargetKind::kLabel) {
      // Classification: the image must have the model's input size.
      if (x.height != in.shape[1] || x.width != in.shape[2]) {
        return InvalidArgument(
            "{}: image {}x{} differs from the model "
            "input {}x{}",
            sample.input, x.height, x.width, in.shape[1], in.shape[2]);
      }
      MAI_ASSIGN_OR_RETURN(y.values, runner.Run(x.values));
    } else {
      auto run = RunImage(track, sample.input, runner, in, out, x, &r.tiles);
      if (!run.ok()) return run.status();
      y = std::move(*run);
    }
    r.run_ms = std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - start)
                   .count();
    if (track.postprocess.clip) {
      for (float& v : y.values) {
        v = std::clamp(v, track.output.lo, track.output.hi);
      }
    }
    if (track.target == TargetKind::kImage) {
      const float lo = track.output.lo, span = track.output.hi - lo;
      for (float& v : y.values) v = (v - lo) / span;
      MAI_ASSIGN_OR_RETURN(Planar full,
                           ReadImageTarget(sample.target, y.channels));
      MAI_ASSIGN_OR_RETURN(Planar t, crop_target(std::move(full)));
      if (t.height != y.height || t.width != y.width) {
        return InvalidArgument(
            "{}: target is {}x{}, the model's output for "
            "{} is {}x{}",
            sample.target, t.height, t.width, sample.name, y.height, y.width);
      }
      MAI_ASSIGN_OR_RETURN(r.metrics, ImageMetrics(track, y, t));
    } else if (track.target == TargetKind::kDepth) {
      MAI_ASSIGN_OR_RETURN(Planar full, ReadDepthTarget(track, sample.target));
      MAI_ASSIGN_OR_RETURN(Planar t, crop_target(std::move(full)));
      if (t.height != y.height || t.width != y.width || y.channels != 1) {
        return InvalidArgument(
            "{}: depth target is {}x{}, the model's output {}x{}x{}",
            sample.target, t.height, t.width, y.height, y.width, y.channels);
      }
      MAI_ASSIGN_OR_RETURN(r.metrics, DepthMetricValues(track, y, t));
    } else {
      const int classes = static_cast<int>(y.values.size());
      if (sample.label >= classes) {
        return InvalidArgument(
            "{}: label {} of {} is outside the model's {} "
            "classes",
            track.data.labels_file, sample.label, sample.name, classes);
      }
      const int32_t label = sample.label;
      MAI_ASSIGN_OR_RETURN(
          double hit, metrics::Top1Accuracy(y.values, {&label, 1}, classes));
      r.metrics[track.metrics[0].name] = hit;
    }
    report.samples.push_back(std::move(r));
    if (options.progress) {
      options.progress(static_cast<int>(k + 1),
                       static_cast<int>(samples.size()), sample.name);
    }
  }
  for (const MetricSpec& m : track.metrics) {
    double sum = 0;
    for (const SampleResult& r : report.samples) sum += r.metrics.at(m.name);
    report.mean[m.name] = sum / static_cast<double>(report.samples.size());
  }
  return report;
}

json EvalReportJson(const EvalReport& r) {
  json samples = json::array();
  for (const SampleResult& s : r.samples) {
    samples.push_back({{"name", s.name},
                       {"metrics", s.metrics},
                       {"tiles", s.tiles},
                       {"run_ms", s.run_ms}});
  }
  return {{"schema", "mai.eval.report/1"},
          {"tool", {{"name", "mai"}, {"version", MAI_VERSION}}},
          {"track", r.track_id},
          {"data_dir", r.data_dir},
          {"backend", r.backend},
          {"num_threads", r.num_threads},
          {"model",
           {{"path", r.model.path},
            {"file", std::filesystem::path(r.model.path).filename().string()},
            {"bytes", r.model.bytes},
            {"sha256", r.model.sha256},
            {"input_shape", r.model.input_shape},
            {"input_dtype", r.model.input_dtype},
            {"int8_only", r.model.int8_only}}},
          {"count", r.samples.size()},
          {"mean", r.mean},
          {"samples", samples}};
}

}  // namespace mai::challenge
