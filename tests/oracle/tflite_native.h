// Native TensorFlow Lite (x86-64 Linux) as a second test oracle.
//
// TfliteNative loads TFLite's C library, libtensorflowlite_c.so (TFLite
// 2.9.0 as shipped in the npm package tfjs-tflite-node, fetched and
// checksummed by scripts/fetch_models.sh into
// ${MAI_CACHE_DIR:-$HOME/.cache/mai}/tflite-native/), with dlopen and runs
// models in this process through the C API.
//
// Why a second oracle: the WebAssembly oracle (tflite_oracle.h) always runs
// TFLite's XNNPACK delegate, whose int8 arithmetic (float requantization)
// differs from TFLite's own kernels (fixed-point requantization) by a
// rounding step here and there. The native library runs either:
//
//   NativeKernels::kBuiltin  TFLite's builtin kernels, no delegate: the
//                            arithmetic of TFLite's reference kernels, which
//                            mai's reference backend reproduces;
//   NativeKernels::kXnnpack  the same with TFLite's XNNPACK delegate, its
//                            int8 (QS8) and uint8 (QU8) operators switched on
//                            (off by default in this build): the arithmetic
//                            of mai's fast backend.
//
// Usage in a test:
//
//   std::string why;
//   TfliteNative* native = SharedTfliteNative(&why);
//   if (native == nullptr) GTEST_SKIP() << why;
//   auto out = native->Run(model_bytes, {input0}, NativeKernels::kBuiltin);
//
// Tensors are raw little-endian bytes in the tensor's dtype, inputs in the
// model's input order (the same OracleTensor as the wasm oracle).
//
// Errors: NotFound when the library is missing or is not a TFLite C library;
// Unimplemented when TFLite refuses the model or fails to run it (the
// message quotes TFLite's error log, e.g. an unresolved custom op);
// InvalidArgument for a wrong input count or size.
//
// Thread safety: calls are serialized by a mutex. The library is never
// unloaded (TFLite keeps thread-local state).
#ifndef MAI_TESTS_ORACLE_TFLITE_NATIVE_H_
#define MAI_TESTS_ORACLE_TFLITE_NATIVE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "oracle/tflite_oracle.h"

namespace mai::testing {

enum class NativeKernels { kBuiltin, kXnnpack };

const char* NativeKernelsName(NativeKernels kernels);

class TfliteNative {
 public:
  // Loads `library_path`, or, when empty, $MAI_TFLITE_NATIVE_LIB or the
  // cached copy fetched by scripts/fetch_models.sh.
  static Result<std::unique_ptr<TfliteNative>> Load(
      const std::string& library_path = "");

  ~TfliteNative();
  TfliteNative(const TfliteNative&) = delete;
  TfliteNative& operator=(const TfliteNative&) = delete;

  // TFLite's version string, e.g. "2.9.0".
  std::string Version() const;

  // Runs `model_bytes` on `inputs` with one thread.
  Result<std::vector<OracleTensor>> Run(
      const std::vector<uint8_t>& model_bytes,
      const std::vector<std::vector<uint8_t>>& inputs, NativeKernels kernels);

 private:
  struct Api;
  explicit TfliteNative(std::unique_ptr<Api> api);

  std::mutex mu_;
  std::unique_ptr<Api> api_;
};

// Process-wide library loaded on first use. Returns nullptr when it cannot
// be loaded, with the reason in `why_unavailable`; the failure is
// remembered, not retried.
TfliteNative* SharedTfliteNative(std::string* why_unavailable = nullptr);

// Where scripts/fetch_models.sh puts libtensorflowlite_c.so.
std::string TfliteNativeLibraryPath();

}  // namespace mai::testing

#endif  // MAI_TESTS_ORACLE_TFLITE_NATIVE_H_
