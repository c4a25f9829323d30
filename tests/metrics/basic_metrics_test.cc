// MSE / MAE / RMSE and top-1 accuracy against hand-computed values, their
// argument errors, and MS-SSIM properties that can be derived by hand (no
// independent MS-SSIM implementation is available): identity, symmetry, the
// 1-scale case, a 2-scale case rebuilt from Ssim/SsimWithComponents, constant
// images, and the size limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "metrics/basic.h"
#include "metrics/ssim.h"

namespace mai::metrics {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

bool MessageHas(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

// a - b = {0, 2, -3}: MSE = 13/3, MAE = 5/3, RMSE = sqrt(13/3).
TEST(BasicMetrics, ByHand) {
  const std::vector<float> a = {1.0f, 2.0f, 3.0f};
  const std::vector<float> b = {1.0f, 0.0f, 6.0f};
  ASSERT_TRUE(Mse(a, b).ok());
  EXPECT_NEAR(*Mse(a, b), 13.0 / 3.0, 1e-15);
  EXPECT_NEAR(*Mae(a, b), 5.0 / 3.0, 1e-15);
  EXPECT_NEAR(*Rmse(a, b), std::sqrt(13.0 / 3.0), 1e-15);
  EXPECT_EQ(*Mse(a, a), 0.0);
  EXPECT_EQ(*Mse(a, b), *Mse(b, a));
}

// Differences are taken in double: 1e8 + 1 is not a float, but 1e8 and
// 1e8 + 8 are, and their squared difference is exactly 64.
TEST(BasicMetrics, ComputedInDouble) {
  const std::vector<float> a = {1e8f};
  const std::vector<float> b = {1e8f + 8.0f};
  EXPECT_EQ(*Mse(a, b), 64.0);
  EXPECT_EQ(*Mae(a, b), 8.0);
}

TEST(BasicMetrics, ShapeMismatchAndBadValues) {
  const std::vector<float> three = {1.0f, 2.0f, 3.0f};
  const std::vector<float> two = {1.0f, 2.0f};
  for (const Result<double>& r :
       {Mse(three, two), Mae(three, two), Rmse(three, two)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(MessageHas(r.status(), "a has 3 values, b has 2"))
        << r.status().message();
  }
  EXPECT_FALSE(Mse({}, {}).ok());
  Result<double> nan = Mae(three, std::vector<float>{1.0f, kNaN, 3.0f});
  ASSERT_FALSE(nan.ok());
  EXPECT_TRUE(MessageHas(nan.status(), "index 1")) << nan.status().message();
  EXPECT_FALSE(Rmse(std::vector<float>{kInf}, std::vector<float>{1.0f}).ok());
}

// 4 rows x 3 classes. Row 0: argmax 2 (label 2, right). Row 1: argmax 0
// (label 1, wrong). Row 2: classes 1 and 2 tie; the lowest index, 1, wins
// (label 1, right). Row 3: all equal -> class 0 (label 2, wrong).
TEST(Top1Accuracy, ByHandWithTies) {
  const std::vector<float> scores = {0.1f,  0.2f,  0.7f,  //
                                     5.0f,  -1.0f, 4.0f,  //
                                     -kInf, 3.0f,  3.0f,  //
                                     1.0f,  1.0f,  1.0f};
  const std::vector<int32_t> labels = {2, 1, 1, 2};
  Result<double> acc = Top1Accuracy(scores, labels, 3);
  ASSERT_TRUE(acc.ok()) << acc.status().message();
  EXPECT_EQ(*acc, 0.5);
  EXPECT_EQ(*Top1Accuracy(scores, std::vector<int32_t>{2, 0, 1, 0}, 3), 1.0);
  EXPECT_EQ(*Top1Accuracy(scores, std::vector<int32_t>{0, 1, 2, 1}, 3), 0.0);
}

TEST(Top1Accuracy, Errors) {
  const std::vector<float> scores(6, 0.0f);
  Result<double> r = Top1Accuracy(scores, std::vector<int32_t>{0, 1, 2}, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "needs 9 scores, got 6"))
      << r.status().message();
  r = Top1Accuracy(scores, std::vector<int32_t>{0, 3}, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "label 3 of row 1"))
      << r.status().message();
  EXPECT_FALSE(Top1Accuracy(scores, std::vector<int32_t>{0, -1}, 3).ok());
  EXPECT_FALSE(Top1Accuracy(scores, std::vector<int32_t>{}, 3).ok());
  EXPECT_FALSE(Top1Accuracy(scores, std::vector<int32_t>{0, 0}, 0).ok());
  const std::vector<float> with_nan = {0.0f, kNaN, 1.0f, 0.0f};
  r = Top1Accuracy(with_nan, std::vector<int32_t>{0, 1}, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "NaN score at row 0, class 1"))
      << r.status().message();
}

// --- MS-SSIM ---------------------------------------------------------------

struct TestImage {
  int height, width, channels;
  std::vector<float> values;
  ImageView view() const { return {height, width, channels, values}; }
};

// Integer samples in [0, 255], so that 2x2 averages (multiples of 1/4) are
// exact in float and a hand-downsampled image equals MS-SSIM's own.
TestImage RandomImage(int h, int w, int c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, 255);
  TestImage img{h, w, c, std::vector<float>(static_cast<size_t>(h) * w * c)};
  // A smooth ramp plus noise, so that the images have structure.
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int k = 0; k < c; ++k) {
        const int ramp = (y * 3 + x * 2 + k * 40) % 160;
        img.values[(static_cast<size_t>(y) * w + x) * c + k] =
            static_cast<float>(ramp + dist(rng) % 96);
      }
    }
  }
  return img;
}

// Wang's 2x2 average pooling, odd last row/column repeated.
TestImage Downsample(const TestImage& in) {
  const int h = (in.height + 1) / 2, w = (in.width + 1) / 2;
  TestImage out{h, w, in.channels,
                std::vector<float>(static_cast<size_t>(h) * w * in.channels)};
  auto at = [&](int y, int x, int c) {
    y = std::min(y, in.height - 1);
    x = std::min(x, in.width - 1);
    return in.values[(static_cast<size_t>(y) * in.width + x) * in.channels + c];
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < in.channels; ++c) {
        out.values[(static_cast<size_t>(y) * w + x) * in.channels + c] =
            (at(2 * y, 2 * x, c) + at(2 * y, 2 * x + 1, c) +
             at(2 * y + 1, 2 * x, c) + at(2 * y + 1, 2 * x + 1, c)) /
            4.0f;
      }
    }
  }
  return out;
}

TEST(MsSsim, IdenticalImagesGiveOne) {
  const TestImage a = RandomImage(170, 181, 3, 1);
  Result<double> v = MsSsim(a.view(), a.view(), {.data_range = 255.0});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, 1.0);
}

TEST(MsSsim, SymmetricAndBelowOne) {
  const TestImage a = RandomImage(161, 200, 3, 2);
  const TestImage b = RandomImage(161, 200, 3, 3);
  Result<double> ab = MsSsim(a.view(), b.view(), {.data_range = 255.0});
  Result<double> ba = MsSsim(b.view(), a.view(), {.data_range = 255.0});
  ASSERT_TRUE(ab.ok() && ba.ok()) << ab.status().message();
  EXPECT_DOUBLE_EQ(*ab, *ba);
  EXPECT_GT(*ab, 0.0);
  EXPECT_LT(*ab, 1.0);
}

TEST(MsSsim, OneScaleIsSsim) {
  const TestImage a = RandomImage(40, 33, 3, 4);
  const TestImage b = RandomImage(40, 33, 3, 5);
  Result<double> ms =
      MsSsim(a.view(), b.view(), {.data_range = 255.0, .weights = {1.0}});
  Result<double> ssim = Ssim(a.view(), b.view(), {.data_range = 255.0});
  ASSERT_TRUE(ms.ok() && ssim.ok()) << ms.status().message();
  EXPECT_DOUBLE_EQ(*ms, *ssim);
}

// Two scales, weights {w1, w2}, one channel: cs of the full-size pair to the
// w1, times SSIM of the hand-downsampled pair to the w2. Odd sizes exercise
// the repeated last row/column (23 -> 12, 25 -> 13).
TEST(MsSsim, TwoScalesByHand) {
  for (auto [h, w] : {std::pair{24, 30}, {23, 25}}) {
    const TestImage a = RandomImage(h, w, 1, 6);
    const TestImage b = RandomImage(h, w, 1, 7);
    const double w1 = 0.4, w2 = 0.6;
    Result<SsimComponents> full =
        SsimWithComponents(a.view(), b.view(), {.data_range = 255.0});
    const TestImage da = Downsample(a), db = Downsample(b);
    Result<double> coarse = Ssim(da.view(), db.view(), {.data_range = 255.0});
    ASSERT_TRUE(full.ok() && coarse.ok()) << coarse.status().message();
    ASSERT_GT(full->cs, 0.0);
    ASSERT_GT(*coarse, 0.0);
    Result<double> ms =
        MsSsim(a.view(), b.view(), {.data_range = 255.0, .weights = {w1, w2}});
    ASSERT_TRUE(ms.ok()) << ms.status().message();
    EXPECT_NEAR(*ms, std::pow(full->cs, w1) * std::pow(*coarse, w2), 1e-14)
        << h << "x" << w;
  }
}

// Constant images c1, c2: every variance is 0, so cs = 1 at every scale and
// SSIM = l = (2 c1 c2 + C1) / (c1^2 + c2^2 + C1); MS-SSIM = l^0.1333.
TEST(MsSsim, ConstantImagesByHand) {
  const float c1 = 0.25f, c2 = 0.75f;
  const TestImage a{161, 161, 1, std::vector<float>(161 * 161, c1)};
  const TestImage b{161, 161, 1, std::vector<float>(161 * 161, c2)};
  const double k1 = 0.01 * 0.01;  // C1 with data range 1
  const double l = (2.0 * c1 * c2 + k1) / (c1 * c1 + c2 * c2 + k1);
  Result<SsimComponents> s = SsimWithComponents(a.view(), b.view());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_NEAR(s->ssim, l, 1e-12);
  EXPECT_NEAR(s->cs, 1.0, 1e-12);
  Result<double> ms = MsSsim(a.view(), b.view());
  ASSERT_TRUE(ms.ok()) << ms.status().message();
  EXPECT_NEAR(*ms, std::pow(l, 0.1333), 1e-12);
}

TEST(MsSsim, MoreNoiseScoresLower) {
  const TestImage a = RandomImage(192, 176, 3, 8);
  std::mt19937 rng(9);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  TestImage light = a, heavy = a;
  for (size_t i = 0; i < a.values.size(); ++i) {
    const float n = noise(rng);
    light.values[i] += 5.0f * n;
    heavy.values[i] += 30.0f * n;
  }
  const MsSsimOptions options{.data_range = 255.0};
  Result<double> l = MsSsim(a.view(), light.view(), options);
  Result<double> h = MsSsim(a.view(), heavy.view(), options);
  ASSERT_TRUE(l.ok() && h.ok());
  EXPECT_GT(*l, *h);
  EXPECT_LT(*l, 1.0);
}

TEST(MsSsim, SizeLimitAndErrors) {
  EXPECT_EQ(MsSsimMinSize(5), 161);
  EXPECT_EQ(MsSsimMinSize(1), 11);
  const TestImage small = RandomImage(160, 300, 1, 10);
  Result<double> r = MsSsim(small.view(), small.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(r.status(), "161x161")) << r.status().message();
  EXPECT_TRUE(MessageHas(r.status(), "5 scales")) << r.status().message();
  // The crop counts: 170 - 2 * 5 = 160 is too small.
  const TestImage ok = RandomImage(170, 170, 1, 11);
  EXPECT_TRUE(MsSsim(ok.view(), ok.view()).ok());
  EXPECT_FALSE(MsSsim(ok.view(), ok.view(), {.crop_border = 5}).ok());
  // Bad weights, gray Y channel, different shapes.
  EXPECT_FALSE(MsSsim(ok.view(), ok.view(), {.weights = {}}).ok());
  EXPECT_FALSE(MsSsim(ok.view(), ok.view(), {.weights = {0.5, -0.1}}).ok());
  r = MsSsim(ok.view(), ok.view(), {.y_channel = true});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "3 channels")) << r.status().message();
  const TestImage other = RandomImage(170, 171, 1, 12);
  r = MsSsim(ok.view(), other.view());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "shape mismatch")) << r.status().message();
}

}  // namespace
}  // namespace mai::metrics
