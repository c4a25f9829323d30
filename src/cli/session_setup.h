// Shared by `mai run` and `mai bench`: model loading with the chosen backend,
// input filling from files or the deterministic generator.
#ifndef MAI_CLI_SESSION_SETUP_H_
#define MAI_CLI_SESSION_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "mai/session.h"

namespace mai::cli {

struct InputSpec {
  std::string name_or_index;  // tensor name, or input position
  std::string path;           // .npy or raw .bin
};

// Parses "NAME=FILE" (or "FILE" meaning the next input in order).
Result<InputSpec> ParseInputFlag(const std::string& flag);

// TFLite benchmark_model's input flags: --input_layer=a,b
// --input_layer_shape=1,224,224,3:1,10 --input_layer_value_files=a:f1,b:f2.
// Shapes pair with the names in order; value files become InputSpecs.
struct TfliteInputFlags {
  std::vector<std::pair<std::string, Shape>> shapes;
  std::vector<InputSpec> files;
};
Result<TfliteInputFlags> ParseTfliteInputFlags(
    const std::string& input_layer, const std::string& input_layer_shape,
    const std::string& input_layer_value_files);

// Resizes inputs to the shapes of .npy files and to `shapes` (input name or
// position -> shape), prepares, and fills every input: from its file when
// given, otherwise from lcg-nr32-v1 with `seed`.
Status PrepareAndFillInputs(
    Session& session, const std::vector<InputSpec>& inputs, uint32_t seed,
    const std::vector<std::pair<std::string, Shape>>& shapes = {});

}  // namespace mai::cli

#endif  // MAI_CLI_SESSION_SETUP_H_
