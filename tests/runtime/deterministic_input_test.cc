// mai's lcg-nr32-v1 generator against hand-derived values and against the
// oracle harness's independent JavaScript implementation.
#include <gtest/gtest.h>

#include <cstring>

#include "mai/session.h"
#include "oracle/tflite_oracle.h"

namespace mai {
namespace {

std::vector<uint8_t> Fill(DType dtype, uint32_t seed, int index, size_t n) {
  std::vector<uint8_t> bytes(n * DTypeSize(dtype));
  FillDeterministic(dtype, seed, index, bytes);
  return bytes;
}

TEST(DeterministicInputTest, HandDerivedFirstValues) {
  // seed 1, input 0: s = 1*1664525 + 1013904223 = 1015568748 (0x3C88596C)
  // float: (s >> 8) * 2^-23 - 1 = 3967065 / 8388608 - 1
  auto f = Fill(DType::kFloat32, 1, 0, 1);
  float v;
  std::memcpy(&v, f.data(), 4);
  EXPECT_FLOAT_EQ(v, 3967065.0f / 8388608.0f - 1.0f);
  auto u8 = Fill(DType::kUInt8, 1, 0, 1);
  EXPECT_EQ(u8[0], 1015568748u >> 24);
  auto i8 = Fill(DType::kInt8, 1, 0, 1);
  EXPECT_EQ(static_cast<int8_t>(i8[0]),
            static_cast<int>(1015568748u >> 24) - 128);
  // input 1 starts from seed + 0x9E3779B9.
  uint32_t s = 1u + 0x9E3779B9u;
  s = s * 1664525u + 1013904223u;
  auto b = Fill(DType::kBool, 1, 1, 1);
  EXPECT_EQ(b[0], s >> 31);
}

TEST(DeterministicInputTest, MatchesOracleGenerator) {
  std::string why;
  testing::TfliteOracle* oracle = testing::SharedOracle(&why);
  ASSERT_NE(oracle, nullptr) << why;
  for (const char* name :
       {"float32", "uint8", "int8", "int16", "int32", "bool"}) {
    DType dtype = *DTypeFromName(name);
    for (int index : {0, 1, 5}) {
      auto js = oracle->Generate(12345, index, name, 777);
      ASSERT_TRUE(js.ok()) << js.status().message();
      EXPECT_EQ(*js, Fill(dtype, 12345, index, 777))
          << name << " input " << index;
    }
  }
}

}  // namespace
}  // namespace mai
