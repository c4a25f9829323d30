// Challenge tracks as data: what a submitted model must look like, how its
// outputs are compared with the validation targets, and how fidelity and
// runtime (or power) combine into the score. Track files are JSON
// ("schema": "mai.track/1"), documented field by field in docs/tracks.md;
// the built-in tracks live in tracks/*.json and are compiled into mai.
//
//   MAI_ASSIGN_OR_RETURN(Track t, ParseTrack(text, "my_track.json"));
//   MAI_ASSIGN_OR_RETURN(const Track* sr, FindBuiltinTrack("mai2021-sr-x3"));
//
// Every error is one line naming the file and the field, e.g.
// "my_track.json: score.formula: column 7: unknown function 'eval'".
//
// A track with `"metrics": []` is runtime-only (IsRuntimeOnly): task
// "runtime", any model mai runs, no model/data/preprocess/postprocess
// sections, scored from a `mai bench --json` report alone (runtime_ms,
// power_W, model_bytes), e.g. the built-in "demo-runtime".
#ifndef MAI_CHALLENGE_TRACK_H_
#define MAI_CHALLENGE_TRACK_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "challenge/expression.h"
#include "core/status.h"

namespace mai::challenge {

// What the data in a model tensor means. Images are stored as 8- or 16-bit
// files; `lo`/`hi` are the tensor values that black and white (0 and the
// file's full scale, or `raw_max` for RAW inputs) map to.
struct TensorSpec {
  std::vector<int64_t> shape;       // -1: any size
  std::vector<std::string> dtypes;  // accepted: float32, int8, uint8
  float lo = 0.0f;
  float hi = 1.0f;
};

// How a validation set is laid out under the data directory.
enum class DataLayout {
  kPairs,   // input_dir/NAME.ext and target_dir/NAME.ext (same NAME)
  kLabels,  // input_dir/NAME.ext, labels_file {"NAME.ext": class index}
};

struct DataSpec {
  DataLayout layout = DataLayout::kPairs;
  std::string input_dir;    // relative to the data directory
  std::string target_dir;   // kPairs
  std::string labels_file;  // kLabels
};

// How an input file becomes the model's input tensor.
enum class InputKind {
  kRgb,        // 8/16-bit RGB (gray replicated), 3 channels
  kLuma,       // BT.601 luma of the image, 1 channel
  kBayerRggb,  // 16-bit one-channel RGGB mosaic packed to 4 channels at
               // half resolution (channel order R, G, G, B)
};

// How a target file is read and the model output compared with it.
enum class TargetKind {
  kImage,  // RGB or luma like the output; values in [0, 1]
  kDepth,  // 16-bit depth, 0 = unknown; value * depth_scale
  kLabel,  // class index (kLabels layout)
};

struct Preprocess {
  InputKind input = InputKind::kRgb;
  float raw_max = 1023.0f;  // kBayerRggb: the white level
  // A model whose input is smaller than the image runs on tiles of its
  // input size overlapping by `tile_overlap` input pixels; outputs are
  // blended linearly across the overlaps.
  int tile_overlap = 8;
  // When set, the input (after packing) is centre-cropped to crop_h x
  // crop_w first, and the target to the matching region times the scale.
  int crop_h = 0, crop_w = 0;
};

struct Postprocess {
  bool clip = true;  // clip outputs to [lo, hi] of the output spec
  // Outputs that pack a b x b block of pixels into channels (C * b * b
  // channels, TFLite DEPTH_TO_SPACE order) are unpacked to C channels at b
  // times the size before comparing. 1: as is.
  int unpack = 1;
};

// One fidelity figure: `name` is how formulas refer to it (e.g. "PSNR").
struct MetricSpec {
  std::string name;
  std::string metric;  // psnr, ssim, ms_ssim, si_rmse, rmse, mae, abs_rel,
                       // mse, top1
  // psnr/ssim: compare on the Y channel of YCbCr; psnr/ssim: pixels
  // removed from every border (SR papers use the scale factor).
  bool y_channel = false;
  int crop_border = 0;
  double data_range = 1.0;  // images are compared in [0, 1]
};

// The speed or power figure a score uses, named "runtime_ms" / "power_W".
struct RuntimeSpec {
  std::string statistic = "median";  // median, mean, p90 of mai bench runs
  bool power = false;                // power_W at `fps` (mai bench --sustained)
  double fps = 30.0;
};

struct Constraints {
  bool int8_only = false;            // every activation tensor int8 (or uint8)
  int64_t max_model_bytes = 0;       // 0: no limit
  double max_runtime_ms = 0.0;       // 0: no limit
  std::vector<int64_t> input_shape;  // required exactly when not empty
};

// A named constant of a formula; `confirmed` false when the value could
// not be checked against the published report (docs say so).
struct Parameter {
  double value = 0.0;
  bool confirmed = false;
  std::string note;
};

struct ScoreSpec {
  std::string formula;
  Expression expression;
  std::map<std::string, Parameter> parameters;
  bool higher_is_better = true;
  // Figures compared in order when scores tie; "-runtime_ms" means lower
  // wins.
  std::vector<std::string> tie_breaks;
};

struct Track {
  std::string file;  // where it was read from (for messages)
  std::string id;
  std::string title;
  std::string task;    // super_resolution, denoising, isp, depth, bokeh,
                       // video_super_resolution, classification; runtime
                       // (runtime-only tracks, and only them)
  std::string source;  // the report the formula and data come from
  // Runtime-only tracks: both empty (no shape, no dtypes: any model).
  TensorSpec input;
  TensorSpec output;
  int scale = 1;  // output size / input size
  DataSpec data;
  Preprocess preprocess;
  TargetKind target = TargetKind::kImage;
  float depth_scale = 0.001f;  // kDepth: metres per stored unit
  Postprocess postprocess;
  std::vector<MetricSpec> metrics;  // empty: runtime-only track
  RuntimeSpec runtime;
  Constraints constraints;
  ScoreSpec score;
};

// True for a track without fidelity metrics (`"metrics": []`): it has no
// validation data, `mai eval` refuses it, and its records come from a
// `mai bench --json` report alone (RecordFromReports with no eval report).
bool IsRuntimeOnly(const Track& track);

// Parses and validates a track file's text. `file` names it in errors.
Result<Track> ParseTrack(std::string_view json_text, const std::string& file);

// Reads and parses a track file.
Result<Track> ReadTrackFile(const std::string& path);

// The tracks compiled into mai (tracks/*.json), sorted by id.
const std::vector<Track>& BuiltinTracks();

// A built-in track by id, or a track file when `id_or_path` names one.
Result<Track> LoadTrack(const std::string& id_or_path);

}  // namespace mai::challenge

#endif  // MAI_CHALLENGE_TRACK_H_
