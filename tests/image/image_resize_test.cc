// ResizeHwc against hand-derived values and against Pillow's mode-"F"
// BILINEAR resize (run per channel by /usr/bin/python3 as an independent
// reference; skipped when Pillow is unavailable).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/npy.h"
#include "image/resize.h"
#include "testing/temp_dir.h"

namespace mai::image {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";

// Reads in.npy (H, W, C float32), writes out.npy resized to (dst_h, dst_w).
constexpr const char* kPillowResize = R"(
import sys
import numpy as np
from PIL import Image
src = np.load(sys.argv[1])
dst_h, dst_w = int(sys.argv[3]), int(sys.argv[4])
planes = []
for c in range(src.shape[2]):
    im = Image.fromarray(np.ascontiguousarray(src[:, :, c]), "F")
    planes.append(np.asarray(im.resize((dst_w, dst_h), Image.BILINEAR)))
np.save(sys.argv[2], np.stack(planes, axis=2).astype(np.float32))
)";

bool PillowAvailable() {
  static const bool available =
      access(kPython, X_OK) == 0 &&
      std::system(
          "/usr/bin/python3 -c 'import numpy, PIL.Image' >/dev/null 2>&1") == 0;
  return available;
}

std::vector<float> RandomImage(int h, int w, int c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 3.0f);
  std::vector<float> v(static_cast<size_t>(h) * w * c);
  for (float& x : v) x = dist(rng);
  return v;
}

// Pillow's resize of `src` (HWC), or an empty vector after a test failure.
std::vector<float> PillowResize(const std::vector<float>& src, int h, int w,
                                int c, int dst_h, int dst_w) {
  testing::TempDir dir("mai_resize_test");
  EXPECT_FALSE(dir.path().empty());
  const fs::path script = dir.path() / "resize.py";
  const fs::path in = dir.path() / "in.npy";
  const fs::path out = dir.path() / "out.npy";
  const fs::path log = dir.path() / "log.txt";
  std::ofstream(script) << kPillowResize;
  std::vector<uint8_t> npy =
      SerializeNpy(DType::kFloat32, Shape{h, w, c},
                   {reinterpret_cast<const uint8_t*>(src.data()),
                    src.size() * sizeof(float)});
  EXPECT_TRUE(WriteFileBytes(in.string(), npy).ok());
  const std::string cmd = std::string(kPython) + " " + script.string() + " " +
                          in.string() + " " + out.string() + " " +
                          std::to_string(dst_h) + " " + std::to_string(dst_w) +
                          " >" + log.string() + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream text(log);
    ADD_FAILURE() << "python failed: " << text.rdbuf();
    return {};
  }
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(out.string());
  EXPECT_TRUE(bytes.ok());
  if (!bytes.ok()) return {};
  Result<NpyArray> arr = ParseNpy(*bytes);
  EXPECT_TRUE(arr.ok()) << arr.status().message();
  if (!arr.ok()) return {};
  EXPECT_EQ(arr->shape, (Shape{dst_h, dst_w, c}));
  std::vector<float> result(arr->data.size() / sizeof(float));
  std::memcpy(result.data(), arr->data.data(), arr->data.size());
  return result;
}

TEST(ResizeHwc, RejectsBadArguments) {
  std::vector<float> src(12, 1.0f);
  EXPECT_TRUE(ResizeHwc(src, 2, 2, 3, 0, 4).empty());
  EXPECT_TRUE(ResizeHwc(src, 2, 2, 3, 4, -1).empty());
  EXPECT_TRUE(ResizeHwc(src, 0, 2, 3, 4, 4).empty());
  EXPECT_TRUE(ResizeHwc(src, 2, 2, 0, 4, 4).empty());
  EXPECT_TRUE(ResizeHwc(src, 2, 3, 3, 4, 4).empty());  // size mismatch
  EXPECT_TRUE(ResizeHwc(src, 2, 2, 3, 1 << 30, 1 << 30).empty());
  EXPECT_EQ(ResizeHwc(src, 2, 2, 3, 4, 4).size(), 48u);
}

TEST(ResizeHwc, IdentityIsExact) {
  const std::vector<float> src = RandomImage(7, 5, 3, 1);
  EXPECT_EQ(ResizeHwc(src, 7, 5, 3, 7, 5), src);
}

TEST(ResizeHwc, ConstantStaysConstant) {
  const std::vector<float> src(9 * 13 * 2, 0.375f);
  for (auto [h, w] : {std::pair{4, 5}, {20, 31}, {9, 1}, {1, 13}, {3, 40}}) {
    std::vector<float> dst = ResizeHwc(src, 9, 13, 2, h, w);
    ASSERT_EQ(dst.size(), static_cast<size_t>(h) * w * 2);
    for (float v : dst) EXPECT_NEAR(v, 0.375f, 1e-6f) << h << "x" << w;
  }
}

// Row [0, 1, 2, 3] to 2 samples: scale 2, so the triangle has radius 2.
// Output 0 is centred at 1.0; inputs 0, 1, 2 (centres 0.5, 1.5, 2.5) sit at
// distance 0.25, 0.25, 0.75 in kernel units: weights 0.75, 0.75, 0.25 (the
// fourth tap, input -1, is outside the image), normalised by 1.75:
//   (0 * 0.75 + 1 * 0.75 + 2 * 0.25) / 1.75 = 5 / 7.
// Output 1 mirrors it: (1 * 0.25 + 2 * 0.75 + 3 * 0.75) / 1.75 = 16 / 7.
TEST(ResizeHwc, HalvingByHand) {
  const std::vector<float> row = {0, 1, 2, 3};
  std::vector<float> dst = ResizeHwc(row, 1, 4, 1, 1, 2);
  ASSERT_EQ(dst.size(), 2u);
  EXPECT_NEAR(dst[0], 5.0f / 7.0f, 1e-6f);
  EXPECT_NEAR(dst[1], 16.0f / 7.0f, 1e-6f);
  // The same along the vertical axis, and per channel.
  const std::vector<float> col = {0, 10, 1, 20, 2, 30, 3, 40};  // 4x1x2
  dst = ResizeHwc(col, 4, 1, 2, 2, 1);
  ASSERT_EQ(dst.size(), 4u);
  EXPECT_NEAR(dst[0], 5.0f / 7.0f, 1e-6f);
  EXPECT_NEAR(dst[1], 10.0f + 10.0f * 5.0f / 7.0f, 1e-5f);
  EXPECT_NEAR(dst[2], 16.0f / 7.0f, 1e-6f);
  EXPECT_NEAR(dst[3], 10.0f + 10.0f * 16.0f / 7.0f, 1e-5f);
}

// Upscaling [0, 3] to 4 samples: scale 0.5, plain linear interpolation with
// half-pixel centres 0.25, 0.75, 1.25, 1.75 against input centres 0.5, 1.5;
// the ends clamp (only one input in reach).
TEST(ResizeHwc, DoublingByHand) {
  const std::vector<float> row = {0, 3};
  std::vector<float> dst = ResizeHwc(row, 1, 2, 1, 1, 4);
  ASSERT_EQ(dst.size(), 4u);
  EXPECT_NEAR(dst[0], 0.0f, 1e-6f);
  EXPECT_NEAR(dst[1], 0.75f, 1e-6f);
  EXPECT_NEAR(dst[2], 2.25f, 1e-6f);
  EXPECT_NEAR(dst[3], 3.0f, 1e-6f);
}

struct ResizeCase {
  int src_h, src_w, channels, dst_h, dst_w;
};

class ResizeVsPillow : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(ResizeVsPillow, Matches) {
  if (!PillowAvailable()) GTEST_SKIP() << kPython << " with numpy+PIL missing";
  const ResizeCase p = GetParam();
  const std::vector<float> src = RandomImage(p.src_h, p.src_w, p.channels,
                                             1000u + p.src_h * 31u + p.dst_w);
  const std::vector<float> got =
      ResizeHwc(src, p.src_h, p.src_w, p.channels, p.dst_h, p.dst_w);
  const std::vector<float> want =
      PillowResize(src, p.src_h, p.src_w, p.channels, p.dst_h, p.dst_w);
  ASSERT_EQ(got.size(), want.size());
  float worst = 0.0f;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-4f) << "at flat index " << i;
    worst = std::max(worst, std::abs(got[i] - want[i]));
  }
  RecordProperty("max_abs_diff", std::to_string(worst));
  if (p.src_h == p.dst_h && p.src_w == p.dst_w) {
    EXPECT_EQ(got, want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, ResizeVsPillow,
    ::testing::Values(ResizeCase{37, 53, 3, 16, 20},    // down, non-integer
                      ResizeCase{16, 20, 3, 45, 31},    // up, non-integer
                      ResizeCase{64, 64, 3, 64, 64},    // identity
                      ResizeCase{40, 24, 1, 40, 7},     // width down only
                      ResizeCase{24, 30, 2, 61, 30},    // height up only
                      ResizeCase{30, 12, 3, 11, 29},    // down h, up w
                      ResizeCase{13, 50, 4, 40, 17},    // up h, down w
                      ResizeCase{100, 90, 3, 7, 9},     // strong downscale
                      ResizeCase{5, 3, 3, 1, 1},        // to a single pixel
                      ResizeCase{1, 1, 3, 4, 6},        // from a single pixel
                      ResizeCase{32, 32, 3, 16, 16}));  // exact halving

}  // namespace
}  // namespace mai::image
