#include "challenge/track.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "challenge/builtin_tracks.h"
#include "core/npy.h"

namespace mai::challenge {
namespace {

using nlohmann::json;

constexpr size_t kMaxTrackBytes = 1 << 20;

// Reads one JSON object's fields, remembering the path for messages and
// refusing fields it was not asked about (catches typos in track files).
class Fields {
 public:
  Fields(const json& object, std::string path, const std::string* file)
      : object_(object), path_(std::move(path)), file_(file) {}

  Status Error(const std::string& field, const std::string& what) const {
    return InvalidArgument("{}: {}: {}", *file_, Path(field), what);
  }
  std::string Path(const std::string& field) const {
    return path_.empty() ? field : path_ + "." + field;
  }
  bool Has(const std::string& field) {
    seen_.insert(field);
    return object_.contains(field) && !object_[field].is_null();
  }
  const json& Raw(const std::string& field) {
    seen_.insert(field);
    return object_[field];
  }

  Result<std::string> String(const std::string& field,
                             std::optional<std::string> fallback = {}) {
    if (!Has(field)) {
      if (fallback) return *fallback;
      return Error(field, "is required");
    }
    const json& v = object_[field];
    if (!v.is_string()) return Error(field, "must be a string");
    return v.get<std::string>();
  }
  Result<double> Number(const std::string& field,
                        std::optional<double> fallback = {}) {
    if (!Has(field)) {
      if (fallback) return *fallback;
      return Error(field, "is required");
    }
    const json& v = object_[field];
    if (!v.is_number()) return Error(field, "must be a number");
    return v.get<double>();
  }
  Result<int64_t> Integer(const std::string& field, int64_t fallback,
                          int64_t min, int64_t max) {
    if (!Has(field)) return fallback;
    const json& v = object_[field];
    if (!v.is_number_integer()) return Error(field, "must be an integer");
    const int64_t x = v.get<int64_t>();
    if (x < min || x > max) {
      return Error(field,
                   fmt::format("must be in [{}, {}], not {}", min, max, x));
    }
    return x;
  }
  Result<bool> Bool(const std::string& field, bool fallback) {
    if (!Has(field)) return fallback;
    const json& v = object_[field];
    if (!v.is_boolean()) return Error(field, "must be true or false");
    return v.get<bool>();
  }
  Result<Fields> Object(const std::string& field, bool required) {
    if (!Has(field)) {
      if (required) return Error(field, "is required");
      return Fields(kEmpty, Path(field), file_);
    }
    const json& v = object_[field];
    if (!v.is_object()) return Error(field, "must be an object");
    return Fields(v, Path(field), file_);
  }
  // Fails on the first field nobody asked for.
  Status Done() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (seen_.count(it.key()) == 0) {
        return InvalidArgument("{}: {}: unknown field", *file_, Path(it.key()));
      }
    }
    return Status::Ok();
  }

 private:
  static inline const json kEmpty = json::object();
  const json& object_;
  std::string path_;
  const std::string* file_;
  std::set<std::string> seen_;
};

template <typename E>
Result<E> Choice(Fields& f, const std::string& field, E fallback,
                 const std::vector<std::pair<std::string, E>>& options) {
  if (!f.Has(field)) return fallback;
  MAI_ASSIGN_OR_RETURN(std::string s, f.String(field));
  std::string names;
  for (const auto& [name, value] : options) {
    if (name == s) return value;
    names += (names.empty() ? "" : ", ") + name;
  }
  return f.Error(field, fmt::format("'{}' is not one of {}", s, names));
}

Result<TensorSpec> ParseTensor(Fields& parent, const std::string& field) {
  MAI_ASSIGN_OR_RETURN(Fields f, parent.Object(field, /*required=*/true));
  TensorSpec t;
  if (!f.Has("shape") || !f.Raw("shape").is_array()) {
    return f.Error("shape", "must be an array of sizes (-1 for any)");
  }
  for (const json& d : f.Raw("shape")) {
    if (!d.is_number_integer() || d.get<int64_t>() < -1 ||
        d.get<int64_t>() == 0 || d.get<int64_t>() > (1 << 20)) {
      return f.Error("shape", "sizes must be -1 (any) or 1..1048576");
    }
    t.shape.push_back(d.get<int64_t>());
  }
  if (t.shape.empty() || t.shape.size() > 6) {
    return f.Error("shape", "must have 1 to 6 dimensions");
  }
  if (!f.Has("dtype")) {
    t.dtypes = {"float32"};
  } else {
    const json& d = f.Raw("dtype");
    std::vector<std::string> names;
    if (d.is_string()) {
      names.push_back(d.get<std::string>());
    } else if (d.is_array()) {
      for (const json& x : d) {
        if (!x.is_string()) return f.Error("dtype", "must be strings");
        names.push_back(x.get<std::string>());
      }
    } else {
      return f.Error("dtype", "must be a string or an array of strings");
    }
    for (const std::string& n : names) {
      if (n != "float32" && n != "int8" && n != "uint8") {
        return f.Error("dtype", fmt::format("'{}' is not float32, int8 or "
                                            "uint8",
                                            n));
      }
    }
    if (names.empty()) return f.Error("dtype", "must not be empty");
    t.dtypes = names;
  }
  if (f.Has("range")) {
    const json& r = f.Raw("range");
    if (!r.is_array() || r.size() != 2 || !r[0].is_number() ||
        !r[1].is_number() || !(r[0].get<double>() < r[1].get<double>())) {
      return f.Error("range", "must be [lo, hi] with lo < hi");
    }
    t.lo = r[0].get<float>();
    t.hi = r[1].get<float>();
  }
  MAI_RETURN_IF_ERROR(f.Done());
  return t;
}

Status CheckDir(Fields& f, const std::string& field, const std::string& dir) {
  if (dir.empty() || dir.front() == '/' ||
      dir.find("..") != std::string::npos) {
    return f.Error(field, "must be a relative path inside the data folder");
  }
  return Status::Ok();
}

Result<MetricSpec> ParseMetric(const json& j, const std::string& path,
                               const std::string* file) {
  if (!j.is_object()) {
    return InvalidArgument("{}: {}: must be an object", *file, path);
  }
  Fields f(j, path, file);
  MetricSpec m;
  MAI_ASSIGN_OR_RETURN(m.metric, f.String("metric"));
  static const std::set<std::string> kMetrics = {"psnr",    "ssim", "ms_ssim",
                                                 "si_rmse", "rmse", "mae",
                                                 "abs_rel", "mse",  "top1"};
  if (kMetrics.count(m.metric) == 0) {
    return f.Error("metric", fmt::format("unknown metric '{}' (psnr, ssim, "
                                         "ms_ssim, si_rmse, rmse, mae, "
                                         "abs_rel, mse, top1)",
                                         m.metric));
  }
  MAI_ASSIGN_OR_RETURN(m.name, f.String("name", m.metric));
  MAI_ASSIGN_OR_RETURN(m.y_channel, f.Bool("y_channel", false));
  MAI_ASSIGN_OR_RETURN(int64_t crop, f.Integer("crop_border", 0, 0, 64));
  m.crop_border = static_cast<int>(crop);
  MAI_ASSIGN_OR_RETURN(m.data_range, f.Number("data_range", 1.0));
  if (!(m.data_range > 0)) return f.Error("data_range", "must be positive");
  MAI_RETURN_IF_ERROR(f.Done());
  return m;
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() ||
      !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Status ParseScore(Fields& top, Track& t) {
  MAI_ASSIGN_OR_RETURN(Fields f, top.Object("score", /*required=*/true));
  ScoreSpec& s = t.score;
  MAI_ASSIGN_OR_RETURN(s.formula, f.String("formula"));
  auto parsed = Expression::Parse(s.formula);
  if (!parsed.ok()) return f.Error("formula", parsed.status().message());
  s.expression = std::move(*parsed);
  MAI_ASSIGN_OR_RETURN(Fields params, f.Object("parameters", false));
  if (f.Has("parameters")) {
    for (const auto& [name, value] : f.Raw("parameters").items()) {
      const std::string path = "parameters." + name;
      static const std::set<std::string> kFunctions = {
          "log", "log2", "log10", "exp", "sqrt",
          "abs", "min",  "max",   "pow", "clamp"};
      if (!IsIdentifier(name) || kFunctions.count(name) > 0) {
        return f.Error(path,
                       "is not a valid name (letters, digits, '_'; "
                       "not a function name)");
      }
      if (!value.is_object()) return f.Error(path, "must be an object");
      Fields p(value, f.Path(path), &t.file);
      Parameter param;
      MAI_ASSIGN_OR_RETURN(param.value, p.Number("value"));
      MAI_ASSIGN_OR_RETURN(param.confirmed, p.Bool("confirmed", false));
      MAI_ASSIGN_OR_RETURN(param.note, p.String("note", std::string()));
      MAI_RETURN_IF_ERROR(p.Done());
      s.parameters[name] = param;
    }
  }
  MAI_ASSIGN_OR_RETURN(std::string direction,
                       f.String("direction", std::string("higher")));
  if (direction != "higher" && direction != "lower") {
    return f.Error("direction", "must be 'higher' or 'lower' (is better)");
  }
  s.higher_is_better = direction == "higher";

  // Every figure a formula or tie-break may use.
  std::set<std::string> known = {"runtime_ms", "power_W", "model_bytes"};
  for (const MetricSpec& m : t.metrics) known.insert(m.name);
  for (const auto& [name, p] : s.parameters) known.insert(name);
  Status vars = s.expression.CheckVariables(known);
  if (!vars.ok()) return f.Error("formula", vars.message());
  if (f.Has("tie_breaks")) {
    const json& tb = f.Raw("tie_breaks");
    if (!tb.is_array()) return f.Error("tie_breaks", "must be an array");
    for (const json& x : tb) {
      if (!x.is_string()) return f.Error("tie_breaks", "must be strings");
      std::string name = x.get<std::string>();
      const std::string bare = name.starts_with("-") ? name.substr(1) : name;
      if (known.count(bare) == 0) {
        return f.Error("tie_breaks", fmt::format("unknown figure '{}'", bare));
      }
      s.tie_breaks.push_back(name);
    }
  }
  return f.Done();
}

// model, data, preprocess and postprocess: the sections of a track with
// fidelity metrics.
Status ParseFidelitySections(Fields& f, Track& t) {
  MAI_ASSIGN_OR_RETURN(Fields model, f.Object("model", true));
  MAI_ASSIGN_OR_RETURN(t.input, ParseTensor(model, "input"));
  MAI_ASSIGN_OR_RETURN(t.output, ParseTensor(model, "output"));
  MAI_ASSIGN_OR_RETURN(int64_t scale, model.Integer("scale", 1, 1, 16));
  t.scale = static_cast<int>(scale);
  MAI_RETURN_IF_ERROR(model.Done());

  MAI_ASSIGN_OR_RETURN(Fields data, f.Object("data", true));
  MAI_ASSIGN_OR_RETURN(t.data.layout,
                       Choice<DataLayout>(data, "layout", DataLayout::kPairs,
                                          {{"pairs", DataLayout::kPairs},
                                           {"labels", DataLayout::kLabels}}));
  MAI_ASSIGN_OR_RETURN(t.data.input_dir, data.String("input_dir"));
  MAI_RETURN_IF_ERROR(CheckDir(data, "input_dir", t.data.input_dir));
  if (t.data.layout == DataLayout::kPairs) {
    MAI_ASSIGN_OR_RETURN(t.data.target_dir, data.String("target_dir"));
    MAI_RETURN_IF_ERROR(CheckDir(data, "target_dir", t.data.target_dir));
  } else {
    MAI_ASSIGN_OR_RETURN(t.data.labels_file, data.String("labels_file"));
    MAI_RETURN_IF_ERROR(CheckDir(data, "labels_file", t.data.labels_file));
  }
  MAI_ASSIGN_OR_RETURN(t.target,
                       Choice<TargetKind>(data, "target", TargetKind::kImage,
                                          {{"image", TargetKind::kImage},
                                           {"depth", TargetKind::kDepth},
                                           {"label", TargetKind::kLabel}}));
  if ((t.target == TargetKind::kLabel) !=
      (t.data.layout == DataLayout::kLabels)) {
    return data.Error("target", "label targets go with the labels layout");
  }
  MAI_ASSIGN_OR_RETURN(double depth_scale, data.Number("depth_scale", 0.001));
  if (!(depth_scale > 0)) return data.Error("depth_scale", "must be positive");
  t.depth_scale = static_cast<float>(depth_scale);
  MAI_RETURN_IF_ERROR(data.Done());

  MAI_ASSIGN_OR_RETURN(Fields pre, f.Object("preprocess", false));
  MAI_ASSIGN_OR_RETURN(
      t.preprocess.input,
      Choice<InputKind>(pre, "input", InputKind::kRgb,
                        {{"rgb", InputKind::kRgb},
                         {"luma", InputKind::kLuma},
                         {"bayer_rggb", InputKind::kBayerRggb}}));
  MAI_ASSIGN_OR_RETURN(double raw_max, pre.Number("raw_max", 1023.0));
  if (!(raw_max >= 1 && raw_max <= 65535)) {
    return pre.Error("raw_max", "must be in [1, 65535]");
  }
  t.preprocess.raw_max = static_cast<float>(raw_max);
  MAI_ASSIGN_OR_RETURN(int64_t overlap, pre.Integer("tile_overlap", 8, 0, 256));
  t.preprocess.tile_overlap = static_cast<int>(overlap);
  if (pre.Has("crop")) {
    const json& c = pre.Raw("crop");
    if (!c.is_array() || c.size() != 2 || !c[0].is_number_integer() ||
        !c[1].is_number_integer() || c[0].get<int64_t>() < 1 ||
        c[1].get<int64_t>() < 1 || c[0].get<int64_t>() > 16384 ||
        c[1].get<int64_t>() > 16384) {
      return pre.Error("crop", "must be [height, width] in 1..16384");
    }
    t.preprocess.crop_h = c[0].get<int>();
    t.preprocess.crop_w = c[1].get<int>();
  }
  MAI_RETURN_IF_ERROR(pre.Done());

  MAI_ASSIGN_OR_RETURN(Fields post, f.Object("postprocess", false));
  MAI_ASSIGN_OR_RETURN(t.postprocess.clip, post.Bool("clip", true));
  MAI_ASSIGN_OR_RETURN(int64_t unpack, post.Integer("unpack", 1, 1, 8));
  t.postprocess.unpack = static_cast<int>(unpack);
  MAI_RETURN_IF_ERROR(post.Done());

  return Status::Ok();
}

}  // namespace

Result<Track> ParseTrack(std::string_view json_text, const std::string& file) {
  if (json_text.size() > kMaxTrackBytes) {
    return InvalidArgument("{}: track file larger than {} bytes", file,
                           kMaxTrackBytes);
  }
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return InvalidArgument("{}: not valid JSON", file);
  }
  if (!j.is_object()) return InvalidArgument("{}: must be a JSON object", file);
  Track t;
  t.file = file;
  Fields f(j, "", &t.file);
  MAI_ASSIGN_OR_RETURN(std::string schema, f.String("schema"));
  if (schema != "mai.track/1") {
    return f.Error("schema", fmt::format("'{}' is not mai.track/1", schema));
  }
  MAI_ASSIGN_OR_RETURN(t.id, f.String("id"));
  if (t.id.empty() || t.id.size() > 64 ||
      !std::all_of(t.id.begin(), t.id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
               c == '_' || c == '.';
      })) {
    return f.Error("id", "must be 1-64 letters, digits, '-', '_' or '.'");
  }
  MAI_ASSIGN_OR_RETURN(t.title, f.String("title"));
  MAI_ASSIGN_OR_RETURN(t.task, f.String("task"));
  static const std::set<std::string> kTasks = {"super_resolution",
                                               "video_super_resolution",
                                               "denoising",
                                               "isp",
                                               "depth",
                                               "bokeh",
                                               "classification",
                                               "runtime"};
  if (kTasks.count(t.task) == 0) {
    return f.Error("task", fmt::format("unknown task '{}'", t.task));
  }
  if (!f.Has("metrics") || !f.Raw("metrics").is_array()) {
    return f.Error("metrics",
                   "must be an array of fidelity metrics ([] for a "
                   "runtime-only track)");
  }
  // `"metrics": []` makes a runtime-only track: task "runtime", any model,
  // no validation data (docs/tracks.md).
  const bool runtime_only = f.Raw("metrics").empty();
  if (runtime_only && t.task != "runtime") {
    return f.Error("task", fmt::format("is '{}', but \"metrics\": [] makes a "
                                       "runtime-only track, whose task is "
                                       "'runtime'",
                                       t.task));
  }
  if (!runtime_only && t.task == "runtime") {
    return f.Error("task",
                   "'runtime' tracks have no fidelity metrics "
                   "(\"metrics\": [])");
  }
  MAI_ASSIGN_OR_RETURN(t.source, f.String("source"));

  if (runtime_only) {
    if (f.Has("model")) {
      return f.Error("model",
                     "a runtime-only track (\"metrics\": []) takes any "
                     "model mai runs and has no model section");
    }
    for (const char* section : {"data", "preprocess", "postprocess"}) {
      if (f.Has(section)) {
        return f.Error(section,
                       "only tracks with fidelity metrics have one (this "
                       "track has \"metrics\": [])");
      }
    }
  } else {
    MAI_RETURN_IF_ERROR(ParseFidelitySections(f, t));
  }

  std::set<std::string> metric_names;
  for (size_t i = 0; i < f.Raw("metrics").size(); ++i) {
    MAI_ASSIGN_OR_RETURN(MetricSpec m,
                         ParseMetric(f.Raw("metrics")[i],
                                     fmt::format("metrics[{}]", i), &t.file));
    if (!IsIdentifier(m.name) || !metric_names.insert(m.name).second) {
      return f.Error(fmt::format("metrics[{}].name", i),
                     fmt::format("'{}' must be a unique name", m.name));
    }
    if ((m.metric == "top1") != (t.target == TargetKind::kLabel)) {
      return f.Error(fmt::format("metrics[{}].metric", i),
                     "top1 is the metric of label targets, and only it");
    }
    t.metrics.push_back(m);
  }

  MAI_ASSIGN_OR_RETURN(Fields rt, f.Object("runtime", false));
  MAI_ASSIGN_OR_RETURN(t.runtime.statistic,
                       rt.String("statistic", std::string("median")));
  if (t.runtime.statistic != "median" && t.runtime.statistic != "mean" &&
      t.runtime.statistic != "p90") {
    return rt.Error("statistic", "must be median, mean or p90");
  }
  MAI_ASSIGN_OR_RETURN(t.runtime.power, rt.Bool("power", false));
  MAI_ASSIGN_OR_RETURN(t.runtime.fps, rt.Number("fps", 30.0));
  if (!(t.runtime.fps > 0 && t.runtime.fps <= 1000)) {
    return rt.Error("fps", "must be in (0, 1000]");
  }
  MAI_RETURN_IF_ERROR(rt.Done());

  MAI_ASSIGN_OR_RETURN(Fields c, f.Object("constraints", false));
  MAI_ASSIGN_OR_RETURN(t.constraints.int8_only, c.Bool("int8_only", false));
  MAI_ASSIGN_OR_RETURN(t.constraints.max_model_bytes,
                       c.Integer("max_model_bytes", 0, 0, int64_t{1} << 40));
  MAI_ASSIGN_OR_RETURN(t.constraints.max_runtime_ms,
                       c.Number("max_runtime_ms", 0.0));
  if (t.constraints.max_runtime_ms < 0) {
    return c.Error("max_runtime_ms", "must not be negative");
  }
  if (c.Has("input_shape")) {
    const json& s = c.Raw("input_shape");
    if (!s.is_array()) return c.Error("input_shape", "must be an array");
    for (const json& d : s) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1) {
        return c.Error("input_shape", "sizes must be positive integers");
      }
      t.constraints.input_shape.push_back(d.get<int64_t>());
    }
  }
  if (runtime_only && t.constraints.int8_only) {
    return c.Error("int8_only",
                   "needs a mai eval report; a runtime-only track is scored "
                   "from a mai bench report alone");
  }
  if (runtime_only && c.Has("input_shape")) {
    return c.Error("input_shape",
                   "needs a mai eval report; a runtime-only track is scored "
                   "from a mai bench report alone");
  }
  MAI_RETURN_IF_ERROR(c.Done());

  MAI_RETURN_IF_ERROR(ParseScore(f, t));
  MAI_RETURN_IF_ERROR(f.Done());
  return t;
}

Result<Track> ReadTrackFile(const std::string& path) {
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                       ReadFileBytes(path, kMaxTrackBytes + 1));
  return ParseTrack(
      std::string_view(reinterpret_cast<const char*>(bytes.data()),
                       bytes.size()),
      path);
}

bool IsRuntimeOnly(const Track& track) { return track.metrics.empty(); }

const std::vector<Track>& BuiltinTracks() {
  static const std::vector<Track> tracks = [] {
    std::vector<Track> out;
    for (const BuiltinTrackSource& src : BuiltinTrackSources()) {
      auto t = ParseTrack(src.json, "tracks/" + std::string(src.file));
      // The build checks every built-in track (tracks_test); a broken one
      // is left out rather than taking every command down.
      if (t.ok()) out.push_back(std::move(*t));
    }
    std::sort(out.begin(), out.end(),
              [](const Track& a, const Track& b) { return a.id < b.id; });
    return out;
  }();
  return tracks;
}

Result<Track> LoadTrack(const std::string& id_or_path) {
  for (const Track& t : BuiltinTracks()) {
    if (t.id == id_or_path) return t;
  }
  if (id_or_path.ends_with(".json") ||
      id_or_path.find('/') != std::string::npos) {
    return ReadTrackFile(id_or_path);
  }
  std::string ids;
  for (const Track& t : BuiltinTracks())
    ids += (ids.empty() ? "" : ", ") + t.id;
  return NotFound("no track '{}' (built-in: {}; or give a .json file)",
                  id_or_path, ids);
}

}  // namespace mai::challenge
