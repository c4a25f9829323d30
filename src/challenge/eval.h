// `mai eval`: a model over a track's validation set, with the track's pre-
// and post-processing and fidelity metrics, as the organizers compute them.
//
//   MAI_ASSIGN_OR_RETURN(Track t, LoadTrack("mai2021-denoising"));
//   MAI_ASSIGN_OR_RETURN(EvalReport r, EvaluateModel(t, "m.tflite", "val/"));
//   std::cout << EvalReportJson(r).dump(1);
//
// For each sample: the input file is read (8/16-bit PNG or JPEG, or a
// float32 .npy taken as the model's values), turned into the model's input
// (RGB, luma or packed Bayer RGGB; black..white mapped to the track's input
// range; quantized for int8/uint8 inputs), run whole when it has the model's
// input size or in overlapping tiles blended together when it is bigger,
// dequantized, clipped to the output range and mapped to [0, 1] (images) or
// kept as depth / class scores, and compared with the target (an image of the
// output's size, a 16-bit depth map times the track's depth_scale, a float32
// .npy in the compared units — [0, 1] for images, metres for depth — or a class
// label). Metrics are averaged over samples.
//
// A runtime-only track (IsRuntimeOnly) has nothing to evaluate: an error.
// Errors name the file and the field: a model whose input or output shape
// or dtype the track does not accept ("model.input.shape"), a missing
// target, a target whose size differs from the output, unreadable images,
// an image smaller than a fixed model input.
#ifndef MAI_CHALLENGE_EVAL_H_
#define MAI_CHALLENGE_EVAL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "challenge/track.h"
#include "core/status.h"
#include "mai/session.h"

namespace mai::challenge {

struct EvalOptions {
  std::string backend = "auto";
  int num_threads = 1;
  // Called after each sample (done of total, that sample's file name).
  std::function<void(int done, int total, const std::string& name)> progress;
};

struct SampleResult {
  std::string name;  // input file name
  std::map<std::string, double> metrics;
  int tiles = 1;
  double run_ms = 0.0;  // model time for the sample (all its tiles)
};

// Facts about the model that track constraints need.
struct ModelFacts {
  std::string path;
  int64_t bytes = 0;
  std::string sha256;
  std::vector<int64_t> input_shape;
  std::string input_dtype;
  bool int8_only = false;  // every non-constant tensor int8/uint8 (I/O too)
};

struct EvalReport {
  std::string track_id;
  std::string data_dir;
  std::string backend;
  int num_threads = 1;
  ModelFacts model;
  std::vector<SampleResult> samples;
  std::map<std::string, double> mean;  // per metric, over samples
};

Result<EvalReport> EvaluateModel(const Track& track,
                                 const std::string& model_path,
                                 const std::string& data_dir,
                                 const EvalOptions& options = {});

// schema "mai.eval.report/1" (docs/eval_report.schema.json).
nlohmann::json EvalReportJson(const EvalReport& report);

// The facts of a model file (shapes of the first input; int8-only check).
Result<ModelFacts> InspectModelFacts(const std::string& model_path);

}  // namespace mai::challenge

#endif  // MAI_CHALLENGE_EVAL_H_
