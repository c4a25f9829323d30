// libFuzzer target: read + prepare + one invoke of an arbitrary .tflite.
// Any input must end in a Status (error or success): a crash, a sanitizer
// report, a hang or an allocation past the fuzzer's RSS limit is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mai/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mai::SessionOptions options;
  options.max_arena_bytes = size_t{64} << 20;
  auto session =
      mai::Session::LoadBytes(std::vector<uint8_t>(data, data + size), options);
  if (!session.ok()) return 0;
  mai::Session& s = **session;
  if (!s.Prepare().ok()) return 0;
  for (int i = 0; i < s.num_inputs(); ++i) {
    mai::FillDeterministic(s.inputs()[i].dtype, 1, i, s.input_data(i));
  }
  (void)s.Invoke();
  return 0;
}
