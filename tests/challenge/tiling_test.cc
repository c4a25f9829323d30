// Tiles over a bigger image (challenge/tiling.h): where they start, and how
// their outputs blend back into one image.
#include "challenge/tiling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mai::challenge {
namespace {

// Checks the documented properties of TileOrigins(size, window, overlap)
// for window in [1, size).
void ExpectValidOrigins(int size, int window, int overlap) {
  SCOPED_TRACE("size " + std::to_string(size) + " window " +
               std::to_string(window) + " overlap " + std::to_string(overlap));
  const std::vector<int> o = TileOrigins(size, window, overlap);
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o.front(), 0);
  EXPECT_EQ(o.back(), size - window);
  EXPECT_TRUE(std::is_sorted(o.begin(), o.end()));
  const int clamped = std::clamp(overlap, 0, window - 1);
  for (size_t i = 1; i < o.size(); ++i) {
    EXPECT_GT(o[i], o[i - 1]) << "at " << i;  // no duplicate tiles
    EXPECT_LE(o[i] - o[i - 1], window - clamped) << "at " << i;
  }
  std::vector<int> covered(size, 0);
  for (int start : o) {
    ASSERT_GE(start, 0);
    ASSERT_LE(start + window, size);
    for (int i = start; i < start + window; ++i) ++covered[i];
  }
  for (int i = 0; i < size; ++i) EXPECT_GT(covered[i], 0) << "index " << i;
}

TEST(TileOriginsTest, WindowEqualToSize) {
  EXPECT_EQ(TileOrigins(10, 10, 0), std::vector<int>{0});
  EXPECT_EQ(TileOrigins(10, 10, 3), std::vector<int>{0});
  EXPECT_EQ(TileOrigins(1, 1, 0), std::vector<int>{0});
}

TEST(TileOriginsTest, SizeTenWindowFourOverlapOne) {
  const std::vector<int> o = TileOrigins(10, 4, 1);
  // Stride at most 3: 0, 3, 6 covers [0, 10) with overlaps of 1.
  EXPECT_EQ(o, (std::vector<int>{0, 3, 6}));
  ExpectValidOrigins(10, 4, 1);
  for (size_t i = 1; i < o.size(); ++i) {
    EXPECT_GE(o[i - 1] + 4 - o[i], 1);  // neighbours overlap by >= 1
  }
}

TEST(TileOriginsTest, EvenlySpaced) {
  // Windows of 4 over 11 with overlap 1: the last starts at 7 and strides
  // must be <= 3, so 4 windows at 7 * i / 3 rounded: 0, 2.33, 4.67, 7.
  EXPECT_EQ(TileOrigins(11, 4, 1), (std::vector<int>{0, 2, 5, 7}));
  // Without overlap strides may be 4: 3 windows at 0, 3.5, 7.
  const std::vector<int> o = TileOrigins(11, 4, 0);
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o.front(), 0);
  EXPECT_EQ(o.back(), 7);
  EXPECT_TRUE(o[1] == 3 || o[1] == 4) << o[1];
  // Windows that fit exactly.
  EXPECT_EQ(TileOrigins(12, 4, 0), (std::vector<int>{0, 4, 8}));
}

TEST(TileOriginsTest, WindowOutOfRangeIsEmpty) {
  EXPECT_TRUE(TileOrigins(10, 11, 0).empty());
  EXPECT_TRUE(TileOrigins(10, 0, 0).empty());
  EXPECT_TRUE(TileOrigins(10, -3, 0).empty());
  EXPECT_TRUE(TileOrigins(0, 1, 0).empty());
}

TEST(TileOriginsTest, OverlapClamped) {
  // overlap >= window is clamped to window - 1: stride 1, every position.
  EXPECT_EQ(TileOrigins(6, 3, 3), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(TileOrigins(6, 3, 100), (std::vector<int>{0, 1, 2, 3}));
  // Negative overlap is none.
  EXPECT_EQ(TileOrigins(6, 3, -5), (std::vector<int>{0, 3}));
  ExpectValidOrigins(6, 3, 3);
  ExpectValidOrigins(6, 3, -5);
}

TEST(TileOriginsTest, PropertiesHoldForManyTriples) {
  for (int size = 2; size <= 70; ++size) {
    for (int window = 1; window < size; ++window) {
      for (int overlap :
           {-1, 0, 1, 2, 3, window / 2, window - 1, window, window + 5}) {
        ExpectValidOrigins(size, window, overlap);
        if (HasFatalFailure()) return;
      }
    }
  }
  // A few large, realistic sizes (image side, model input, overlap 8).
  for (int size : {481, 640, 1023, 1536, 4000}) {
    for (int window : {7, 64, 180, 320, 480}) {
      if (window < size) ExpectValidOrigins(size, window, 8);
    }
  }
}

// --- TileBlender
// --------------------------------------------------------------

std::vector<float> RandomImage(int h, int w, int c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 3.0f);
  std::vector<float> img(static_cast<size_t>(h) * w * c);
  for (float& v : img) v = dist(rng);
  return img;
}

std::vector<float> Crop(const std::vector<float>& img, int w, int c, int top,
                        int left, int th, int tw) {
  std::vector<float> tile(static_cast<size_t>(th) * tw * c);
  for (int y = 0; y < th; ++y) {
    for (int x = 0; x < tw; ++x) {
      for (int k = 0; k < c; ++k) {
        tile[(static_cast<size_t>(y) * tw + x) * c + k] =
            img[(static_cast<size_t>(top + y) * w + (left + x)) * c + k];
      }
    }
  }
  return tile;
}

// Tiles `img` by TileOrigins, feeds each tile's own pixels to the blender
// (an identity model) and returns the blended result.
std::vector<float> TileAndBlend(const std::vector<float>& img, int h, int w,
                                int c, int th, int tw, int overlap, int ramp) {
  const std::vector<int> ys = TileOrigins(h, th, overlap);
  const std::vector<int> xs = TileOrigins(w, tw, overlap);
  EXPECT_FALSE(ys.empty());
  EXPECT_FALSE(xs.empty());
  TileBlender blender(h, w, c, ramp);
  for (int top : ys) {
    for (int left : xs) {
      blender.Add(Crop(img, w, c, top, left, th, tw), top, left, th, tw);
    }
  }
  return blender.Result();
}

TEST(TileBlenderTest, ConstantImageStaysConstant) {
  const int h = 13, w = 17, c = 2;
  const std::vector<float> img(static_cast<size_t>(h) * w * c, 0.375f);
  for (int ramp : {0, 1, 4}) {
    SCOPED_TRACE("ramp " + std::to_string(ramp));
    const std::vector<float> out = TileAndBlend(img, h, w, c, 6, 5, 3, ramp);
    ASSERT_EQ(out.size(), img.size());
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_NEAR(out[i], 0.375f, 1e-6) << "at " << i;
    }
  }
}

TEST(TileBlenderTest, IdentityModelReassemblesTheImage) {
  const int h = 23, w = 31, c = 3;
  const std::vector<float> img = RandomImage(h, w, c, 1234);
  struct Tile {
    int th, tw, overlap;
  };
  for (int ramp : {0, 1, 4}) {
    for (const Tile& t :
         {Tile{8, 8, 2}, Tile{8, 8, 4}, Tile{5, 7, 1}, Tile{16, 9, 8},
          Tile{1, 1, 0}, Tile{23, 10, 3}, Tile{12, 31, 0}, Tile{22, 30, 6}}) {
      SCOPED_TRACE("ramp " + std::to_string(ramp) + " tile " +
                   std::to_string(t.th) + "x" + std::to_string(t.tw) +
                   " overlap " + std::to_string(t.overlap));
      const std::vector<float> out =
          TileAndBlend(img, h, w, c, t.th, t.tw, t.overlap, ramp);
      ASSERT_EQ(out.size(), img.size());
      for (size_t i = 0; i < out.size(); ++i) {
        ASSERT_NEAR(out[i], img[i], 1e-6) << "at " << i;
      }
    }
  }
}

TEST(TileBlenderTest, SingleFullSizeTileUnchanged) {
  const int h = 9, w = 11, c = 4;
  const std::vector<float> img = RandomImage(h, w, c, 99);
  for (int ramp : {0, 1, 4, 100}) {
    TileBlender blender(h, w, c, ramp);
    blender.Add(img, 0, 0, h, w);
    EXPECT_EQ(blender.Result(), img) << "ramp " << ramp;
  }
}

TEST(TileBlenderTest, CrossFadesAcrossTheOverlap) {
  // Two 1x6 tiles over a 1x8 row overlapping at columns 2..5; the left one
  // holds 0, the right one 1. Outside the overlap each tile is alone; inside
  // the blend rises monotonically from the left tile's value to the right's.
  const int w = 8;
  TileBlender blender(1, w, 1, 4);
  blender.Add(std::vector<float>(6, 0.0f), 0, 0, 1, 6);
  blender.Add(std::vector<float>(6, 1.0f), 0, 2, 1, 6);
  const std::vector<float> out = blender.Result();
  ASSERT_EQ(out.size(), static_cast<size_t>(w));
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[6], 1.0f);
  EXPECT_EQ(out[7], 1.0f);
  for (int x = 2; x <= 5; ++x) {
    EXPECT_GT(out[x], 0.0f) << x;
    EXPECT_LT(out[x], 1.0f) << x;
    EXPECT_GT(out[x], out[x - 1]) << x;
  }
  EXPECT_NEAR(out[2] + out[5], 1.0f, 1e-6);  // symmetric
}

TEST(TileBlenderTest, UncoveredPixelsAreZero) {
  TileBlender blender(4, 4, 1, 2);
  blender.Add(std::vector<float>(4, 5.0f), 0, 0, 2, 2);
  const std::vector<float> out = blender.Result();
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      EXPECT_EQ(out[y * 4 + x], (y < 2 && x < 2) ? 5.0f : 0.0f)
          << y << "," << x;
    }
  }
}

}  // namespace
}  // namespace mai::challenge
