// Tests of the TFLite oracle itself, on the real demo models fetched by
// scripts/fetch_models.sh. Skipped (with the reason) when node, the wasm or
// the models are missing.
#include "oracle/tflite_oracle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace mai::testing {
namespace {

// lcg-nr32-v1 written independently of the oracle's JavaScript, per its
// definition in docs/oracle.md.
std::vector<uint8_t> LcgInput(uint32_t seed, int index,
                              const std::string& dtype, int64_t count) {
  uint32_t s = seed + static_cast<uint32_t>(index) * 0x9E3779B9u;
  std::vector<uint8_t> out;
  auto append = [&out](const auto& value) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), bytes, bytes + sizeof(value));
  };
  for (int64_t k = 0; k < count; ++k) {
    s = s * 1664525u + 1013904223u;
    if (dtype == "float32") {
      append(static_cast<float>(std::ldexp(static_cast<double>(s >> 8), -23) -
                                1.0));
    } else if (dtype == "uint8") {
      append(static_cast<uint8_t>(s >> 24));
    } else if (dtype == "int8") {
      append(static_cast<int8_t>(static_cast<int>(s >> 24) - 128));
    } else if (dtype == "int16") {
      append(static_cast<int16_t>(static_cast<int>(s >> 16) - 32768));
    } else if (dtype == "int32") {
      append(static_cast<int32_t>(s >> 24));
    } else if (dtype == "int64") {
      append(static_cast<int64_t>(s >> 24));
    } else if (dtype == "bool") {
      append(static_cast<uint8_t>(s >> 31));
    }
  }
  return out;
}

std::vector<float> AsFloats(const std::vector<uint8_t>& bytes) {
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

// Two TFLite builds (SIMD or not, threads or not) may round differently, by
// far less than 1e-4 relative on these models.
void ExpectFloatOutputsClose(const std::vector<OracleTensor>& a,
                             const std::vector<OracleTensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    std::vector<float> x = AsFloats(a[i].data);
    std::vector<float> y = AsFloats(b[i].data);
    ASSERT_EQ(x.size(), y.size());
    for (size_t k = 0; k < x.size(); ++k) {
      ASSERT_NEAR(x[k], y[k], 1e-4 * std::max(1.0f, std::fabs(x[k])))
          << "output " << i << " element " << k;
    }
  }
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

struct ModelCase {
  const char* name;
  std::vector<int> input_shape;
  std::vector<std::vector<int>> output_shapes;
  bool tflite_runs;  // false: needs a MediaPipe custom op
};

const std::vector<ModelCase>& Models() {
  static const std::vector<ModelCase> models = {
      {"face_detection_short_range",
       {1, 128, 128, 3},
       {{1, 896, 16}, {1, 896, 1}},
       true},
      {"face_detection_full_range",
       {1, 192, 192, 3},
       {{1, 2304, 16}, {1, 2304, 1}},
       true},
      {"face_detection_full_range_sparse",
       {1, 192, 192, 3},
       {{1, 2304, 16}, {1, 2304, 1}},
       true},
      {"selfie_segmentation", {1, 256, 256, 3}, {{1, 256, 256, 1}}, false},
      {"selfie_segmentation_landscape",
       {1, 144, 256, 3},
       {{1, 144, 256, 1}},
       false},
  };
  return models;
}

class TfliteOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    oracle_ = SharedOracle(&why);
    if (oracle_ == nullptr)
      GTEST_SKIP() << "TFLite oracle unavailable: " << why;
  }

  static std::string ModelPath(const std::string& name) {
    return OracleModelsDir() + "/" + name + ".tflite";
  }

  bool HaveModels() {
    for (const ModelCase& m : Models()) {
      if (!FileExists(ModelPath(m.name))) return false;
    }
    return true;
  }

  TfliteOracle* oracle_ = nullptr;
};

#define REQUIRE_MODELS()                                         \
  if (!HaveModels())                                             \
  GTEST_SKIP() << "demo models missing in " << OracleModelsDir() \
               << " (run scripts/fetch_models.sh)"

TEST_F(TfliteOracleTest, InfoMatchesKnownModelSignatures) {
  REQUIRE_MODELS();
  for (const ModelCase& m : Models()) {
    SCOPED_TRACE(m.name);
    Result<OracleModelInfo> info = oracle_->Info(ModelPath(m.name));
    ASSERT_TRUE(info.ok()) << info.status().message();
    ASSERT_EQ(info->inputs.size(), 1u);
    EXPECT_EQ(info->inputs[0].shape, m.input_shape);
    EXPECT_EQ(info->inputs[0].dtype, "float32");
    EXPECT_TRUE(info->inputs[0].scale.empty());
    ASSERT_EQ(info->outputs.size(), m.output_shapes.size());
    for (size_t i = 0; i < m.output_shapes.size(); ++i) {
      EXPECT_EQ(info->outputs[i].shape, m.output_shapes[i]);
      EXPECT_EQ(info->outputs[i].dtype, "float32");
    }
  }
}

TEST_F(TfliteOracleTest, RunsFaceDetectionModelsOnSeededInputs) {
  REQUIRE_MODELS();
  for (const ModelCase& m : Models()) {
    if (!m.tflite_runs) continue;
    SCOPED_TRACE(m.name);
    Result<OracleModelInfo> info = oracle_->Info(ModelPath(m.name));
    ASSERT_TRUE(info.ok()) << info.status().message();
    Result<OracleSeededRun> run = oracle_->RunFileSeeded(ModelPath(m.name), 1);
    ASSERT_TRUE(run.ok()) << run.status().message();

    // The oracle's inputs are lcg-nr32-v1 exactly as written above.
    ASSERT_EQ(run->inputs.size(), 1u);
    int64_t count = 1;
    for (int d : m.input_shape) count *= d;
    EXPECT_EQ(run->inputs[0], LcgInput(1, 0, "float32", count));

    ASSERT_EQ(run->outputs.size(), info->outputs.size());
    for (size_t i = 0; i < run->outputs.size(); ++i) {
      const OracleTensor& out = run->outputs[i];
      SCOPED_TRACE(out.name);
      EXPECT_EQ(out.name, info->outputs[i].name);
      EXPECT_EQ(out.shape, info->outputs[i].shape);
      EXPECT_EQ(out.dtype, "float32");
      std::vector<float> values = AsFloats(out.data);
      int64_t elements = 1;
      for (int d : out.shape) elements *= d;
      ASSERT_EQ(static_cast<int64_t>(values.size()), elements);
      float lo = values[0];
      float hi = values[0];
      for (float v : values) {
        ASSERT_TRUE(std::isfinite(v));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      EXPECT_LT(lo, hi) << "constant output: the model did not run";
    }
  }
}

TEST_F(TfliteOracleTest, RunFromBytesIsDeterministicAndMatchesSeededRun) {
  REQUIRE_MODELS();
  const std::string path = ModelPath("face_detection_short_range");
  std::vector<uint8_t> model = ReadBytes(path);
  ASSERT_FALSE(model.empty());
  std::vector<uint8_t> input = LcgInput(7, 0, "float32", 128 * 128 * 3);

  Result<std::vector<OracleTensor>> first = oracle_->Run(model, {input});
  ASSERT_TRUE(first.ok()) << first.status().message();
  Result<std::vector<OracleTensor>> second = oracle_->Run(model, {input});
  ASSERT_TRUE(second.ok()) << second.status().message();
  Result<OracleSeededRun> seeded = oracle_->RunFileSeeded(path, 7);
  ASSERT_TRUE(seeded.ok()) << seeded.status().message();

  ASSERT_EQ(first->size(), 2u);
  for (size_t i = 0; i < first->size(); ++i) {
    EXPECT_EQ((*first)[i].data, (*second)[i].data);
    EXPECT_EQ((*first)[i].data, seeded->outputs[i].data);
  }
  // A different input gives a different answer.
  Result<std::vector<OracleTensor>> other =
      oracle_->Run(model, {LcgInput(8, 0, "float32", 128 * 128 * 3)});
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_NE((*other)[0].data, (*first)[0].data);
}

TEST_F(TfliteOracleTest, SimdAndPlainBuildsAgree) {
  REQUIRE_MODELS();
  Result<std::unique_ptr<TfliteOracle>> plain = TfliteOracle::Start(false);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  const std::string path = ModelPath("face_detection_full_range");
  Result<OracleSeededRun> a = oracle_->RunFileSeeded(path, 3);
  Result<OracleSeededRun> b = (*plain)->RunFileSeeded(path, 3);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ExpectFloatOutputsClose(a->outputs, b->outputs);
}

TEST_F(TfliteOracleTest, ThreadedBuildAgrees) {
  REQUIRE_MODELS();
  OracleOptions options;
  options.threads = 2;
  Result<std::unique_ptr<TfliteOracle>> threaded = TfliteOracle::Start(options);
  ASSERT_TRUE(threaded.ok()) << threaded.status().message();
  const std::string path = ModelPath("face_detection_full_range");
  Result<OracleSeededRun> a = oracle_->RunFileSeeded(path, 4);
  Result<OracleSeededRun> b = (*threaded)->RunFileSeeded(path, 4);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ExpectFloatOutputsClose(a->outputs, b->outputs);
}

TEST_F(TfliteOracleTest, GeneratorMatchesIndependentImplementation) {
  // Hand-derived: seed 1, input 0: s = 1 * 1664525 + 1013904223 = 1015568748,
  // (s >> 8) = 3967065, 3967065 / 2^23 - 1 = -0.52708899974823.
  std::vector<float> first = AsFloats(LcgInput(1, 0, "float32", 1));
  EXPECT_FLOAT_EQ(first[0], -0.52708899974823f);
  for (const char* dtype :
       {"float32", "uint8", "int8", "int16", "int32", "int64", "bool"}) {
    for (int index : {0, 1, 5}) {
      SCOPED_TRACE(std::string(dtype) + " input " + std::to_string(index));
      Result<std::vector<uint8_t>> js =
          oracle_->Generate(12345, index, dtype, 1000);
      ASSERT_TRUE(js.ok()) << js.status().message();
      EXPECT_EQ(*js, LcgInput(12345, index, dtype, 1000));
    }
  }
  Result<std::vector<uint8_t>> none = oracle_->Generate(1, 0, "float16", 4);
  EXPECT_FALSE(none.ok());
}

TEST_F(TfliteOracleTest, RefusedModelsReportTfliteErrorAndOracleSurvives) {
  REQUIRE_MODELS();
  for (const char* name :
       {"selfie_segmentation", "selfie_segmentation_landscape"}) {
    SCOPED_TRACE(name);
    Result<OracleSeededRun> run = oracle_->RunFileSeeded(ModelPath(name), 1);
    ASSERT_FALSE(run.ok());
    EXPECT_EQ(run.status().code(), StatusCode::kUnimplemented);
    EXPECT_NE(run.status().message().find("Convolution2DTransposeBias"),
              std::string::npos)
        << run.status().message();
  }
  std::vector<uint8_t> garbage(4096);
  for (size_t i = 0; i < garbage.size(); ++i)
    garbage[i] = static_cast<uint8_t>(i * 37 + 11);
  Result<std::vector<OracleTensor>> junk = oracle_->Run(garbage, {});
  EXPECT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), StatusCode::kUnimplemented)
      << junk.status().message();

  // Still serving after the failures.
  Result<OracleSeededRun> after =
      oracle_->RunFileSeeded(ModelPath("face_detection_short_range"), 1);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->outputs.size(), 2u);
}

TEST_F(TfliteOracleTest, RejectsWrongInputs) {
  REQUIRE_MODELS();
  const std::string path = ModelPath("face_detection_short_range");
  Result<std::vector<OracleTensor>> short_input =
      oracle_->RunFile(path, {{1, 2, 3, 4}});
  ASSERT_FALSE(short_input.ok());
  EXPECT_EQ(short_input.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_input.status().message().find("196608 bytes"),
            std::string::npos)
      << short_input.status().message();

  Result<std::vector<OracleTensor>> two_inputs = oracle_->RunFile(
      path,
      {LcgInput(1, 0, "float32", 49152), LcgInput(1, 1, "float32", 49152)});
  ASSERT_FALSE(two_inputs.ok());
  EXPECT_EQ(two_inputs.status().code(), StatusCode::kInvalidArgument);

  Result<std::vector<OracleTensor>> missing =
      oracle_->RunFile("/nonexistent/model.tflite", {});
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace mai::testing
