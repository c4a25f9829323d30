// Test helpers: run a model (usually a one-op model from ModelBuilder)
// through mai and through real TensorFlow Lite, and compare results.
//
//   tflite::ModelBuilder b;  ... b.MarkOutput(y);
//   auto model = b.Build();
//   auto ours = RunMai(*model, {HostTensor::From<float>({1, 4}, {1, 2, 3,
//   4})}); auto theirs = RunTflite(*model, inputs);       // the TFLite oracle
//   ExpectQuantizedNear(ours->at(0), theirs->at(0), 1);
#ifndef MAI_TESTS_TESTING_OP_TEST_UTIL_H_
#define MAI_TESTS_TESTING_OP_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"
#include "ir/graph.h"
#include "mai/session.h"
#include "oracle/tflite_native.h"

namespace mai::testing {

// A tensor held by the test: dtype, shape, raw little-endian bytes.
struct HostTensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<uint8_t> bytes;

  template <typename T>
  static HostTensor From(const Shape& shape, const std::vector<T>& values) {
    HostTensor t;
    t.dtype = DTypeOf<T>();
    t.shape = shape;
    t.bytes.resize(values.size() * sizeof(T));
    if (!values.empty())
      std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
  }
  template <typename T>
  std::vector<T> values() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
  }
  int64_t num_elements() const { return NumElementsUnchecked(shape); }
};

// Runs `model` (a .tflite) in mai with these inputs (in model input order;
// an input whose shape differs from the model's is resized first).
Result<std::vector<HostTensor>> RunMai(const std::vector<uint8_t>& model,
                                       const std::vector<HostTensor>& inputs,
                                       const SessionOptions& options = {});

// Runs `model` in real TensorFlow Lite (the WebAssembly oracle). Fails the
// calling test (not skips) when the oracle is unavailable: run
// scripts/fetch_models.sh first.
Result<std::vector<HostTensor>> RunTflite(
    const std::vector<uint8_t>& model, const std::vector<HostTensor>& inputs);

// Runs `model` in native TensorFlow Lite (oracle/tflite_native.h) with its
// builtin kernels or with its XNNPACK delegate. Fails like RunTflite when
// the library is unavailable.
Result<std::vector<HostTensor>> RunTfliteNative(
    const std::vector<uint8_t>& model, const std::vector<HostTensor>& inputs,
    NativeKernels kernels);

// max_i |a_i - e_i| <= tol * max(1, max_i |e_i|): the fp32 criterion.
::testing::AssertionResult NearRelative(std::span<const float> actual,
                                        std::span<const double> expected,
                                        double tol = 1e-5);
::testing::AssertionResult NearRelative(std::span<const float> actual,
                                        std::span<const float> expected,
                                        double tol = 1e-5);

// Quantized outputs (int8/uint8/int16/int32) agree element-wise within `tol`
// and have the same dtype and shape.
::testing::AssertionResult QuantizedNear(const HostTensor& actual,
                                         const HostTensor& expected,
                                         int tol = 1);

// Seeded random values for tests.
class Rng {
 public:
  explicit Rng(uint32_t seed) : engine_(seed) {}
  float Uniform(float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(engine_);
  }
  int Int(int lo, int hi) {  // inclusive
    return std::uniform_int_distribution<int>(lo, hi)(engine_);
  }
  std::vector<float> Floats(size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = Uniform(lo, hi);
    return v;
  }
  template <typename T>  // int8/uint8/int32 in [lo, hi]
  std::vector<T> Ints(size_t n, int lo, int hi) {
    std::vector<T> v(n);
    for (T& x : v) x = static_cast<T>(Int(lo, hi));
    return v;
  }
  std::mt19937& engine() { return engine_; }

 private:
  std::mt19937 engine_;
};

// Per-tensor quantization params.
ir::QuantParams Quant(float scale, int64_t zero_point);
// Per-channel (symmetric) quantization along `dim`.
ir::QuantParams PerChannelQuant(const std::vector<float>& scales, int dim);

}  // namespace mai::testing

#endif  // MAI_TESTS_TESTING_OP_TEST_UTIL_H_
