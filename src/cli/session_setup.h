// Shared by `mai run` and `mai bench`: model loading with the chosen backend,
// input filling from files or the deterministic generator.
#ifndef MAI_CLI_SESSION_SETUP_H_
#define MAI_CLI_SESSION_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>
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

// Resizes inputs to the shapes of .npy files, prepares, and fills every
// input: from its file when given, otherwise from lcg-nr32-v1 with `seed`.
Status PrepareAndFillInputs(Session& session,
                            const std::vector<InputSpec>& inputs,
                            uint32_t seed);

}  // namespace mai::cli

#endif  // MAI_CLI_SESSION_SETUP_H_
