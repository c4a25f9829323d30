// PSNR and SSIM against scikit-image 0.19 (peak_signal_noise_ratio and
// structural_similarity with Wang et al.'s Gaussian settings), run by
// /usr/bin/python3 on the very same float arrays, for real photographs that
// Debian's python3-skimage ships (astronaut, camera (gray), chelsea, coffee)
// paired with degraded versions: seeded Gaussian noise (clipped), and a
// half-size bilinear downscale-upscale saved as an 8-bit PNG and read back.
// Border cropping and the Y channel are checked against NumPy computations of
// the same formulas (and skimage's SSIM on NumPy's Y). Also hand-derived
// cases and argument errors, which need no Python.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/npy.h"
#include "image/image.h"
#include "image/resize.h"
#include "metrics/color.h"
#include "metrics/psnr.h"
#include "metrics/ssim.h"
#include "testing/temp_dir.h"

namespace mai::metrics {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kDataDir = "/usr/lib/python3/dist-packages/skimage/data";
constexpr int kCrop = 4;

// reference.py A B RANGE CROP: loads two (H, W, C) float32 arrays, computes
// in float64 and prints "name value" lines with repr() precision.
constexpr const char* kReferenceScript = R"(
import sys
import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
a = np.load(sys.argv[1]).astype(np.float64)
b = np.load(sys.argv[2]).astype(np.float64)
r = float(sys.argv[3])
k = int(sys.argv[4])
rgb = a.shape[2] == 3
if not rgb:
    a, b = a[:, :, 0], b[:, :, 0]

def ssim(x, y, data_range):
    return structural_similarity(
        x, y, data_range=data_range, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, channel_axis=-1 if x.ndim == 3 else None)

def psnr_formula(x, y, data_range):
    return 10.0 * np.log10(data_range ** 2 / np.mean((x - y) ** 2))

def out(name, value):
    print(name, repr(float(value)))

out('psnr', peak_signal_noise_ratio(a, b, data_range=r))
out('ssim', ssim(a, b, r))
ac = a[k:a.shape[0] - k, k:a.shape[1] - k]
bc = b[k:b.shape[0] - k, k:b.shape[1] - k]
out('psnr_crop', psnr_formula(ac, bc, r))
out('ssim_crop', ssim(ac, bc, r))
if rgb:
    def y(x):
        x = x * (255.0 / r)
        return 16.0 + (65.481 * x[..., 0] + 128.553 * x[..., 1]
                       + 24.966 * x[..., 2]) / 255.0
    ya, yb = y(ac), y(bc)
    out('psnr_y', psnr_formula(ya, yb, 255.0))
    out('ssim_y', structural_similarity(
        ya, yb, data_range=255.0, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False))
)";

bool SkimageAvailable() {
  static const bool available =
      access(kPython, X_OK) == 0 &&
      std::system(
          "/usr/bin/python3 -c 'import numpy, skimage.metrics' "
          ">/dev/null 2>&1") == 0;
  return available;
}

struct Photo {
  int height = 0, width = 0, channels = 0;
  std::vector<float> values;
  ImageView view() const { return {height, width, channels, values}; }
};

Status WriteNpy(const fs::path& path, const Photo& photo) {
  return WriteFileBytes(
      path.string(),
      SerializeNpy(DType::kFloat32,
                   Shape{photo.height, photo.width, photo.channels},
                   {reinterpret_cast<const uint8_t*>(photo.values.data()),
                    photo.values.size() * sizeof(float)}));
}

// Runs the reference script on a and b; name -> value, empty on failure
// (after reporting it).
std::map<std::string, double> Reference(const Photo& a, const Photo& b,
                                        double range, int crop = kCrop) {
  testing::TempDir dir("mai_metrics_test");
  EXPECT_FALSE(dir.path().empty());
  const fs::path script = dir.path() / "reference.py";
  const fs::path out = dir.path() / "out.txt";
  std::ofstream(script) << kReferenceScript;
  EXPECT_TRUE(WriteNpy(dir.path() / "a.npy", a).ok());
  EXPECT_TRUE(WriteNpy(dir.path() / "b.npy", b).ok());
  const std::string cmd = std::string(kPython) + " " + script.string() + " " +
                          (dir.path() / "a.npy").string() + " " +
                          (dir.path() / "b.npy").string() + " " +
                          fmt::format("{}", range) + " " +
                          std::to_string(crop) + " >" + out.string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream text(out);
  std::map<std::string, double> values;
  std::string line;
  std::string all;
  while (std::getline(text, line)) {
    all += line + "\n";
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    values[line.substr(0, space)] =
        std::strtod(line.c_str() + space + 1, nullptr);
  }
  if (rc != 0) {
    ADD_FAILURE() << "python failed:\n" << all;
    return {};
  }
  return values;
}

Result<Photo> LoadPhoto(const std::string& name, double range) {
  MAI_ASSIGN_OR_RETURN(image::Image img,
                       image::ReadImage(std::string(kDataDir) + "/" + name));
  Photo p{img.height, img.width, img.channels,
          image::ToFloat(img, 0.0f, static_cast<float>(range))};
  return p;
}

// Gaussian noise with sigma = 5% of the range, clipped to [0, range].
Photo AddNoise(const Photo& clean, double range, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.05f * range);
  Photo p = clean;
  const float hi = static_cast<float>(range);
  for (float& v : p.values) v = std::clamp(v + noise(rng), 0.0f, hi);
  return p;
}

// Bilinear downscale by 2 and back, quantized to 8 bits, written as a PNG
// and read back as a real SR output would be.
Result<Photo> DownUp(const Photo& clean, double range, const fs::path& dir) {
  const int h = clean.height, w = clean.width, c = clean.channels;
  std::vector<float> unit(clean.values.size());
  for (size_t i = 0; i < unit.size(); ++i) unit[i] = clean.values[i] / range;
  const std::vector<float> small =
      image::ResizeHwc(unit, h, w, c, h / 2, w / 2);
  const std::vector<float> up = image::ResizeHwc(small, h / 2, w / 2, c, h, w);
  if (up.size() != unit.size()) return Internal("resize failed");
  image::Image img{h, w, c, 8, std::vector<uint16_t>(up.size())};
  for (size_t i = 0; i < up.size(); ++i) {
    img.samples[i] = static_cast<uint16_t>(
        std::lround(std::clamp(up[i], 0.0f, 1.0f) * 255.0f));
  }
  const std::string path = (dir / "degraded.png").string();
  MAI_RETURN_IF_ERROR(image::WritePng(path, img));
  MAI_ASSIGN_OR_RETURN(image::Image back, image::ReadImage(path));
  return Photo{back.height, back.width, back.channels,
               image::ToFloat(back, 0.0f, static_cast<float>(range))};
}

enum class Degradation { kNoise, kDownUp };

struct PhotoCase {
  const char* file;
  int channels;
  Degradation degradation;
  double range;
};

void PrintTo(const PhotoCase& c, std::ostream* os) {
  *os << c.file
      << (c.degradation == Degradation::kNoise ? " noise" : " down-up")
      << " range " << c.range;
}

std::string CaseName(const ::testing::TestParamInfo<PhotoCase>& info) {
  std::string name = info.param.file;
  name = name.substr(0, name.find('.'));
  name += info.param.degradation == Degradation::kNoise ? "_noise" : "_downup";
  name += info.param.range == 1.0 ? "_range1" : "_range255";
  return name;
}

class VsSkimage : public ::testing::TestWithParam<PhotoCase> {};

// Largest |mai - reference| per quantity over all cases, printed at the end.
std::map<std::string, double>& Worst() {
  static std::map<std::string, double> worst;
  return worst;
}

void ExpectClose(const std::string& name, Result<double> got,
                 const std::map<std::string, double>& want, double tolerance) {
  ASSERT_TRUE(got.ok()) << name << ": " << got.status().message();
  const auto it = want.find(name);
  ASSERT_NE(it, want.end()) << "reference printed no " << name;
  const double diff = std::abs(*got - it->second);
  EXPECT_LE(diff, tolerance) << name << ": mai " << fmt::format("{}", *got)
                             << " vs " << fmt::format("{}", it->second);
  double& worst = Worst()[name];
  worst = std::max(worst, diff);
  std::printf("  %-9s mai %.17g  ref %.17g  |diff| %.3g\n", name.c_str(), *got,
              it->second, diff);
}

TEST_P(VsSkimage, PsnrAndSsimMatch) {
  if (!SkimageAvailable()) {
    GTEST_SKIP() << kPython << " with numpy and skimage is missing";
  }
  const PhotoCase p = GetParam();
  if (access((std::string(kDataDir) + "/" + p.file).c_str(), R_OK) != 0) {
    GTEST_SKIP() << p.file << " is missing from " << kDataDir;
  }
  Result<Photo> clean = LoadPhoto(p.file, p.range);
  ASSERT_TRUE(clean.ok()) << clean.status().message();
  ASSERT_EQ(clean->channels, p.channels);
  testing::TempDir dir("mai_metrics_test");
  Photo degraded;
  if (p.degradation == Degradation::kNoise) {
    degraded = AddNoise(*clean, p.range, 17u + clean->height);
  } else {
    Result<Photo> d = DownUp(*clean, p.range, dir.path());
    ASSERT_TRUE(d.ok()) << d.status().message();
    degraded = std::move(*d);
  }
  const std::map<std::string, double> ref =
      Reference(*clean, degraded, p.range);
  ASSERT_FALSE(ref.empty());

  const ImageView a = clean->view(), b = degraded.view();
  const double r = p.range;
  ExpectClose("psnr", Psnr(a, b, {.data_range = r}), ref, 1e-6);
  ExpectClose("ssim", Ssim(a, b, {.data_range = r}), ref, 1e-6);
  ExpectClose("psnr_crop", Psnr(a, b, {.data_range = r, .crop_border = kCrop}),
              ref, 1e-6);
  ExpectClose("ssim_crop", Ssim(a, b, {.data_range = r, .crop_border = kCrop}),
              ref, 1e-6);
  if (p.channels == 3) {
    ExpectClose(
        "psnr_y",
        Psnr(a, b, {.data_range = r, .crop_border = kCrop, .y_channel = true}),
        ref, 1e-6);
    ExpectClose(
        "ssim_y",
        Ssim(a, b, {.data_range = r, .crop_border = kCrop, .y_channel = true}),
        ref, 1e-6);
  }
  // The degradations are real: finite PSNR, SSIM clearly below 1.
  EXPECT_LT(*Ssim(a, b, {.data_range = r}), 0.99);
  EXPECT_TRUE(std::isfinite(*Psnr(a, b, {.data_range = r})));
  // PSNR is symmetric.
  EXPECT_NEAR(*Psnr(b, a, {.data_range = r}), *Psnr(a, b, {.data_range = r}),
              1e-12);
}

std::vector<PhotoCase> AllCases() {
  std::vector<PhotoCase> cases;
  const std::pair<const char*, int> photos[] = {{"astronaut.png", 3},
                                                {"camera.png", 1},
                                                {"chelsea.png", 3},
                                                {"coffee.png", 3}};
  for (const auto& [file, channels] : photos) {
    for (Degradation d : {Degradation::kNoise, Degradation::kDownUp}) {
      for (double range : {1.0, 255.0}) {
        cases.push_back({file, channels, d, range});
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Photos, VsSkimage, ::testing::ValuesIn(AllCases()),
                         CaseName);

// Prints the largest differences over every case that ran in this process.
class WorstPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& [name, diff] : Worst()) {
      std::printf("worst |mai - reference| %-9s %.3g\n", name.c_str(), diff);
    }
  }
};
::testing::Environment* const kWorstPrinter =
    ::testing::AddGlobalTestEnvironment(new WorstPrinter);

// Small random images down to the 11x11 minimum, odd sizes, values outside
// [0, range]: the window placement and the border handling at the edges.
TEST(VsSkimageSmall, RandomImagesMatch) {
  if (!SkimageAvailable()) {
    GTEST_SKIP() << kPython << " with numpy and skimage is missing";
  }
  struct Size {
    int h, w, c;
  };
  uint32_t seed = 100;
  for (const Size s :
       {Size{11, 11, 1}, Size{11, 17, 3}, Size{13, 12, 3}, Size{30, 21, 1}}) {
    std::mt19937 rng(seed++);
    std::uniform_real_distribution<float> dist(-0.2f, 1.2f);
    Photo a{s.h, s.w, s.c, std::vector<float>(s.h * s.w * s.c)};
    Photo b = a;
    for (float& v : a.values) v = dist(rng);
    for (float& v : b.values) v = dist(rng);
    const std::map<std::string, double> ref = Reference(a, b, 1.0, 0);
    ASSERT_FALSE(ref.empty());
    ExpectClose("psnr", Psnr(a.view(), b.view()), ref, 1e-6);
    ExpectClose("ssim", Ssim(a.view(), b.view()), ref, 1e-6);
    if (s.c == 3) {
      ExpectClose("psnr_y", Psnr(a.view(), b.view(), {.y_channel = true}), ref,
                  1e-6);
      ExpectClose("ssim_y", Ssim(a.view(), b.view(), {.y_channel = true}), ref,
                  1e-6);
    }
  }
}

// --- hand-derived cases and errors (no Python) -------------------------------

Photo Constant(int h, int w, int c, float value) {
  return {h, w, c, std::vector<float>(static_cast<size_t>(h) * w * c, value)};
}

// Every sample off by 0.1 with range 1: MSE = 0.01 (to float rounding of 0.1),
// PSNR = 10 log10(1 / 0.01) = 20 dB; with range 255, 20 log10(255 / 0.1).
TEST(Psnr, ByHand) {
  const Photo a = Constant(6, 5, 3, 0.0f), b = Constant(6, 5, 3, 0.1f);
  const double mse = static_cast<double>(0.1f) * 0.1f;
  EXPECT_NEAR(*Psnr(a.view(), b.view()), 10.0 * std::log10(1.0 / mse), 1e-12);
  EXPECT_NEAR(*Psnr(a.view(), b.view(), {.data_range = 255.0}),
              10.0 * std::log10(255.0 * 255.0 / mse), 1e-12);
  EXPECT_NEAR(*Psnr(a.view(), b.view()), 20.0, 1e-6);
}

// Only the border differs: after cropping it, the images are identical.
TEST(Psnr, IdenticalIsInfiniteAndCropRemovesBorder) {
  Photo a = Constant(8, 9, 1, 0.5f);
  EXPECT_EQ(*Psnr(a.view(), a.view()), std::numeric_limits<double>::infinity());
  Photo b = a;
  b.values[0] = 0.0f;          // (0, 0)
  b.values[7 * 9 + 8] = 1.0f;  // (7, 8)
  EXPECT_TRUE(std::isfinite(*Psnr(a.view(), b.view())));
  EXPECT_EQ(*Psnr(a.view(), b.view(), {.crop_border = 1}),
            std::numeric_limits<double>::infinity());
}

// Y of pure colours at range 1: black 16, white 16 + 219 = 235, red
// 16 + 65.481, green 16 + 128.553, blue 16 + 24.966. Only G differs by 1/255
// (one 8-bit step): Y differs by 128.553 / 255 and PSNR_Y = 20 log10(255 /
// (128.553 / 255)).
TEST(Color, RgbToYByHand) {
  const std::vector<float> rgb = {0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  Result<std::vector<double>> y = RgbToY({1, 5, 3, rgb});
  ASSERT_TRUE(y.ok()) << y.status().message();
  const std::vector<double> want = {16.0, 235.0, 16.0 + 65.481, 16.0 + 128.553,
                                    16.0 + 24.966};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*y)[i], want[i], 1e-12);
  std::vector<float> rgb255(rgb.size());
  for (size_t i = 0; i < rgb.size(); ++i) rgb255[i] = rgb[i] * 255.0f;
  Result<std::vector<double>> y255 = RgbToY({1, 5, 3, rgb255}, 255.0);
  ASSERT_TRUE(y255.ok());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR((*y255)[i], want[i], 1e-12);
  }
  const Photo a = Constant(4, 4, 3, 100.0f);
  Photo b = a;
  for (size_t i = 1; i < b.values.size(); i += 3) b.values[i] = 101.0f;
  EXPECT_NEAR(
      *Psnr(a.view(), b.view(), {.data_range = 255.0, .y_channel = true}),
      20.0 * std::log10(255.0 / (128.553 / 255.0)), 1e-9);
  EXPECT_FALSE(RgbToY({1, 5, 1, std::span(rgb).first(5)}).ok());
  EXPECT_FALSE(RgbToY({1, 5, 3, rgb}, 0.0).ok());
}

// Constant images c1, c2: variances vanish, SSIM = (2 c1 c2 + C1) /
// (c1^2 + c2^2 + C1) with C1 = (0.01 R)^2. Identical images give exactly 1.
TEST(Ssim, ConstantAndIdenticalByHand) {
  const Photo a = Constant(12, 15, 3, 0.2f), b = Constant(12, 15, 3, 0.6f);
  const double c1 = 0.2f, c2 = 0.6f, k = 1e-4;
  EXPECT_NEAR(*Ssim(a.view(), b.view()),
              (2 * c1 * c2 + k) / (c1 * c1 + c2 * c2 + k), 1e-12);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(0.0f, 255.0f);
  Photo noise = Constant(20, 11, 3, 0.0f);
  for (float& v : noise.values) v = dist(rng);
  EXPECT_EQ(*Ssim(noise.view(), noise.view(), {.data_range = 255.0}), 1.0);
}

bool MessageHas(const Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(PsnrSsim, ArgumentErrors) {
  const Photo rgb = Constant(12, 12, 3, 0.5f), gray = Constant(12, 12, 1, 0.5f);
  Result<double> r = Psnr(rgb.view(), gray.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(r.status(),
                         "PSNR: shape mismatch: a is 12x12x3, b "
                         "is 12x12x1"))
      << r.status().message();
  r = Ssim(rgb.view(), rgb.view(), {.data_range = 0.0});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "SSIM: data_range must be > 0"))
      << r.status().message();
  EXPECT_FALSE(Psnr(rgb.view(), rgb.view(), {.data_range = -1.0}).ok());
  EXPECT_FALSE(Psnr(rgb.view(), rgb.view(), {.crop_border = -1}).ok());
  EXPECT_FALSE(Psnr(rgb.view(), rgb.view(), {.crop_border = 6}).ok());
  EXPECT_TRUE(Psnr(rgb.view(), rgb.view(), {.crop_border = 5}).ok());
  r = Psnr(gray.view(), gray.view(), {.y_channel = true});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "y_channel needs 3 channels"))
      << r.status().message();
  // SSIM needs 11x11 after the crop.
  EXPECT_TRUE(Ssim(rgb.view(), rgb.view()).ok());
  r = Ssim(rgb.view(), rgb.view(), {.crop_border = 1});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "11x11")) << r.status().message();
  const Photo thin = Constant(10, 40, 1, 0.5f);
  EXPECT_FALSE(Ssim(thin.view(), thin.view()).ok());
  // Wrong value count, non-finite samples.
  r = Psnr({2, 2, 1, std::span(gray.values).first(3)}, gray.view());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "needs 4 values, got 3"))
      << r.status().message();
  Photo bad = gray;
  bad.values[5] = std::numeric_limits<float>::quiet_NaN();
  r = Ssim(gray.view(), bad.view());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(MessageHas(r.status(), "index 5")) << r.status().message();
}

}  // namespace
}  // namespace mai::metrics
