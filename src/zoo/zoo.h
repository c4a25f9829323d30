// The model zoo: reference architectures of the Mobile AI challenge tracks
// (super-resolution, learned ISP, depth, denoising, video SR, bokeh) and a
// classic mobile classifier, built op by op with tflite::ModelBuilder and
// serialized as float32 .tflite files.
//
// The zoo is for runtime and memory measurements, not accuracy: weights are
// random (deterministic from ZooOptions::seed, He-style scaled so that
// activations keep a sane range), so outputs mean nothing as images. Shapes
// and op mix follow the published baselines; docs/zoo.md lists each model.
//
//   for (const ZooModelInfo& m : ListZooModels()) ...
//   ZooOptions o;  o.height = 64;  o.width = 96;   // 0 = the track default
//   Result<std::vector<uint8_t>> bytes = BuildZooModel("fsrcnn_x3", o);
//
// Errors: NotFound for an unknown name (the message lists the names);
// InvalidArgument for a size the architecture cannot take (each model states
// its divisibility constraint in ZooModelInfo::notes) or out of [1, 8192].
#ifndef MAI_ZOO_ZOO_H_
#define MAI_ZOO_ZOO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/status.h"

namespace mai::zoo {

struct ZooModelInfo {
  std::string name;
  std::string track;        // the challenge track it stands for
  std::string description;  // layers in one line
  Shape input_shape;        // at the track default size (NHWC)
  Shape output_shape;
  std::string notes;  // size constraints, deviations from the original
};

struct ZooOptions {
  // Spatial size of the model INPUT tensor (for microisp: of the packed
  // Bayer input, half the RGB output). 0 = the track default.
  int height = 0, width = 0;
  // Base channel count of the image-to-image models (0 = the model's
  // default); ignored by mobilenet_v2.
  int channels = 0;
  // mobilenet_v2 width multiplier in [0.35, 1.0] (0 = 1.0).
  float width_multiplier = 0.0f;
  uint32_t seed = 1;
};

// Every zoo model, in a fixed order.
std::vector<ZooModelInfo> ListZooModels();

// The model as float32 .tflite bytes.
Result<std::vector<uint8_t>> BuildZooModel(const std::string& name,
                                           const ZooOptions& options);

}  // namespace mai::zoo

#endif  // MAI_ZOO_ZOO_H_
