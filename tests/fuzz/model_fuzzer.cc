// libFuzzer target: read + prepare + one invoke of an arbitrary .tflite, on
// the reference backend and on the default one (xnnpack with per-node
// fallback, graph passes on). Any input must end in a Status (error or
// success): a crash, a sanitizer report, a hang or an allocation past the
// fuzzer's RSS limit is a bug. (XNNPACK itself is not instrumented; mai's
// code around it, its own fast kernels and the passes are.)
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mai/session.h"

namespace {

void PrepareAndRun(const uint8_t* data, size_t size, const char* backend) {
  mai::SessionOptions options;
  options.backend = backend;
  options.max_arena_bytes = size_t{64} << 20;
  auto session =
      mai::Session::LoadBytes(std::vector<uint8_t>(data, data + size), options);
  if (!session.ok()) return;
  mai::Session& s = **session;
  if (!s.Prepare().ok()) return;
  for (int i = 0; i < s.num_inputs(); ++i) {
    mai::FillDeterministic(s.inputs()[i].dtype, 1, i, s.input_data(i));
  }
  (void)s.Invoke();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PrepareAndRun(data, size, "ref");
  PrepareAndRun(data, size, "auto");
  return 0;
}
