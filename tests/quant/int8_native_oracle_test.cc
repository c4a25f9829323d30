// Float and int8 models against native TensorFlow Lite 2.9
// (oracle/tflite_native.h), each backend against the TFLite arithmetic it
// reproduces:
//
//   mai ref       vs TFLite's builtin kernels (no delegate),
//   mai xnnpack   vs TFLite with its XNNPACK delegate,
//
// fp32 within the foundation tolerance, int8 within one quantization step,
// for every zoo model (small sizes, float and int8 from mai quantize) and
// the real models (face detection float and int8; selfie segmentation int8,
// whose float form has a MediaPipe custom op TFLite cannot run).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/npy.h"
#include "oracle/tflite_native.h"
#include "oracle/tflite_oracle.h"
#include "quant/quantize_model.h"
#include "testing/op_test_util.h"
#include "tflite/model_reader.h"
#include "zoo/zoo.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::NativeKernels;

// tests/e2e/real_models_test.cc's fp32 tolerance against TFLite.
constexpr double kFloatRelTolerance = 1e-3;

SessionOptions Backend(const std::string& name, bool allow_fallback) {
  SessionOptions o;
  o.backend = name;
  o.allow_fallback = allow_fallback;
  return o;
}

// Seeded inputs in the model's input dtypes: floats in [lo, hi), int8 over
// the whole range.
std::vector<HostTensor> SeededInputs(const std::vector<uint8_t>& model,
                                     uint32_t seed, float lo, float hi) {
  auto m = tflite::ReadModelBytes(model);
  EXPECT_TRUE(m.ok()) << m.status().message();
  std::vector<HostTensor> inputs;
  if (!m.ok()) return inputs;
  const ir::Graph& g = m->main_graph();
  testing::Rng rng(seed);
  for (int index : g.inputs) {
    const ir::Tensor& t = g.tensors[index];
    const int64_t n = NumElementsUnchecked(t.shape);
    if (t.dtype == DType::kInt8) {
      inputs.push_back(
          HostTensor::From<int8_t>(t.shape, rng.Ints<int8_t>(n, -128, 127)));
    } else {
      inputs.push_back(HostTensor::From<float>(t.shape, rng.Floats(n, lo, hi)));
    }
  }
  return inputs;
}

// Largest element-wise difference of two int8 tensors, in steps.
int WorstSteps(const HostTensor& a, const HostTensor& b) {
  EXPECT_EQ(a.dtype, DType::kInt8);
  EXPECT_EQ(a.bytes.size(), b.bytes.size());
  int worst = 0;
  for (size_t i = 0; i < a.bytes.size() && i < b.bytes.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<int8_t>(a.bytes[i]) -
                                     static_cast<int8_t>(b.bytes[i])));
  }
  return worst;
}

// Runs `model` in mai on `backend` and in native TFLite with `kernels`, and
// compares every output: float32 outputs within kFloatRelTolerance,
// quantized ones within one step. Prints the worst difference.
void ExpectMaiMatchesNative(const std::string& label,
                            const std::vector<uint8_t>& model,
                            const std::vector<HostTensor>& inputs,
                            const std::string& backend, NativeKernels kernels,
                            bool allow_fallback) {
  SCOPED_TRACE(label + ": mai " + backend + " vs TFLite " +
               testing::NativeKernelsName(kernels));
  auto theirs = testing::RunTfliteNative(model, inputs, kernels);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  auto ours = testing::RunMai(model, inputs, Backend(backend, allow_fallback));
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  ASSERT_EQ(ours->size(), theirs->size());
  for (size_t k = 0; k < ours->size(); ++k) {
    const HostTensor& a = ours->at(k);
    const HostTensor& b = theirs->at(k);
    ASSERT_EQ(a.dtype, b.dtype) << "output " << k;
    ASSERT_EQ(a.shape, b.shape) << "output " << k;
    if (a.dtype == DType::kFloat32) {
      EXPECT_TRUE(testing::NearRelative(a.values<float>(), b.values<float>(),
                                        kFloatRelTolerance))
          << "output " << k;
    } else {
      EXPECT_TRUE(testing::QuantizedNear(a, b, 1)) << "output " << k;
      std::printf("%s output %zu: mai %s vs TFLite %s: %d steps\n",
                  label.c_str(), k, backend.c_str(),
                  testing::NativeKernelsName(kernels), WorstSteps(a, b));
    }
  }
}

void ExpectBothBackendsMatch(const std::string& label,
                             const std::vector<uint8_t>& model,
                             const std::vector<HostTensor>& inputs,
                             bool allow_fallback) {
  ExpectMaiMatchesNative(label, model, inputs, "ref", NativeKernels::kBuiltin,
                         /*allow_fallback=*/false);
  ExpectMaiMatchesNative(label, model, inputs, "xnnpack",
                         NativeKernels::kXnnpack, allow_fallback);
}

Result<std::vector<uint8_t>> QuantizeInt8Io(const std::vector<uint8_t>& f,
                                            uint32_t seed) {
  quant::QuantizeOptions o;
  o.calibration.num_seeded_samples = 2;
  o.calibration.seed = seed;
  o.keep_float_io = false;
  return quant::QuantizeModel(f, o);
}

class NativeOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (testing::SharedTfliteNative(&why) == nullptr) {
      // Native TFLite exists for x86-64 Linux only; elsewhere the wasm
      // oracle tests still hold the backends to TFLite.
      GTEST_SKIP() << why;
    }
  }
};

struct ZooCase {
  std::string name;
  int height, width;
};

void PrintTo(const ZooCase& c, std::ostream* os) { *os << c.name; }

class NativeZooTest : public NativeOracleTest,
                      public ::testing::WithParamInterface<ZooCase> {};

TEST_P(NativeZooTest, FloatAndInt8MatchTflite) {
  const ZooCase& c = GetParam();
  zoo::ZooOptions zo;
  zo.height = c.height;
  zo.width = c.width;
  zo.seed = 7;
  auto f = zoo::BuildZooModel(c.name, zo);
  ASSERT_TRUE(f.ok()) << f.status().message();
  ExpectBothBackendsMatch(c.name + " float", *f, SeededInputs(*f, 3, 0, 1),
                          /*allow_fallback=*/false);

  auto q = QuantizeInt8Io(*f, 1);
  ASSERT_TRUE(q.ok()) << q.status().message();
  // int8 ops without a fast kernel (mobilenet's SOFTMAX) run on ref.
  const std::vector<HostTensor> inputs = SeededInputs(*q, 5, 0, 1);
  ExpectBothBackendsMatch(c.name + " int8", *q, inputs,
                          /*allow_fallback=*/true);

  // The WebAssembly oracle (another TFLite build, XNNPACK's int8 operators
  // compiled for wasm SIMD) runs the int8 file too. Its arithmetic differs
  // from native TFLite's by up to a few steps on some models; mai's fast
  // backend is never further from it than native TFLite is (and within 1
  // where native TFLite is).
  auto wasm = testing::RunTflite(*q, inputs);
  ASSERT_TRUE(wasm.ok()) << wasm.status().message();
  auto fast = testing::RunMai(*q, inputs, Backend("xnnpack", true));
  ASSERT_TRUE(fast.ok()) << fast.status().message();
  auto native = testing::RunTfliteNative(*q, inputs, NativeKernels::kXnnpack);
  ASSERT_TRUE(native.ok()) << native.status().message();
  for (size_t k = 0; k < fast->size(); ++k) {
    const int mai_steps = WorstSteps(fast->at(k), wasm->at(k));
    const int native_steps = WorstSteps(native->at(k), wasm->at(k));
    std::printf(
        "%s int8 output %zu vs wasm TFLite: mai %d, native TFLite %d steps\n",
        c.name.c_str(), k, mai_steps, native_steps);
    EXPECT_LE(mai_steps, std::max(1, native_steps)) << "output " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, NativeZooTest,
                         ::testing::Values(ZooCase{"fsrcnn_x3", 24, 32},
                                           ZooCase{"xlsr_x3", 24, 32},
                                           ZooCase{"abpn_x3", 24, 32},
                                           ZooCase{"microisp", 24, 32},
                                           ZooCase{"fastdepth", 64, 64},
                                           ZooCase{"unet_denoise", 32, 32},
                                           ZooCase{"video_sr_x4", 24, 32},
                                           ZooCase{"bokeh_unet", 64, 64},
                                           ZooCase{"mobilenet_v2", 64, 64}),
                         [](const ::testing::TestParamInfo<ZooCase>& info) {
                           return info.param.name;
                         });

class NativeRealModelTest : public NativeOracleTest,
                            public ::testing::WithParamInterface<std::string> {
};

TEST_P(NativeRealModelTest, FloatAndInt8MatchTflite) {
  const std::string name = GetParam();
  auto f = ReadFileBytes(testing::OracleModelsDir() + "/" + name + ".tflite");
  ASSERT_TRUE(f.ok()) << f.status().message();
  const bool custom_op = name.starts_with("selfie");
  if (!custom_op) {
    ExpectBothBackendsMatch(name + " float", *f, SeededInputs(*f, 3, -1, 1),
                            /*allow_fallback=*/false);
  }
  auto q = QuantizeInt8Io(*f, 1);
  ASSERT_TRUE(q.ok()) << q.status().message();
  ExpectBothBackendsMatch(name + " int8", *q, SeededInputs(*q, 5, -1, 1),
                          /*allow_fallback=*/true);
}

INSTANTIATE_TEST_SUITE_P(Real, NativeRealModelTest,
                         ::testing::Values("face_detection_short_range",
                                           "face_detection_full_range",
                                           "face_detection_full_range_sparse",
                                           "selfie_segmentation",
                                           "selfie_segmentation_landscape"));

TEST_F(NativeOracleTest, IsTflite29WithBothKernelSets) {
  testing::TfliteNative* native = testing::SharedTfliteNative();
  ASSERT_NE(native, nullptr);
  EXPECT_EQ(native->Version(), "2.9.0");
  // A missing library is NotFound with the path, not a crash.
  auto missing = testing::TfliteNative::Load("/nonexistent/libtflite.so");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/libtflite.so"),
            std::string::npos);
  // A model TFLite refuses is Unimplemented with TFLite's message.
  auto selfie =
      ReadFileBytes(testing::OracleModelsDir() + "/selfie_segmentation.tflite");
  ASSERT_TRUE(selfie.ok());
  auto refused = native->Run(*selfie, {std::vector<uint8_t>(256 * 256 * 3 * 4)},
                             NativeKernels::kBuiltin);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(refused.status().message().find("Convolution2DTransposeBias"),
            std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace mai
