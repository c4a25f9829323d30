// Calibration samples from a folder (quant/calibration_folder.h): file
// listing, the LO,HI range, and how an image becomes an RGB, luma or packed
// Bayer input, against hand-derived values.
#include "quant/calibration_folder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/npy.h"
#include "image/image.h"

namespace mai::quant {
namespace {

namespace fs = std::filesystem;

class CalibrationFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mai_calibration_folder_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes an 8-bit RGB PNG whose pixel (y, x) is rgb(y, x).
  template <typename F>
  std::string WriteRgb(const std::string& name, int h, int w, F rgb) {
    image::Image img;
    img.height = h;
    img.width = w;
    img.channels = 3;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const std::array<int, 3> v = rgb(y, x);
        for (int c = 0; c < 3; ++c) {
          img.samples.push_back(static_cast<uint16_t>(v[c]));
        }
      }
    }
    const std::string path = (dir_ / name).string();
    EXPECT_TRUE(image::WritePng(path, img).ok());
    return path;
  }

  fs::path dir_;
};

TEST(SampleRangeTest, ParsesLoHi) {
  auto r = ParseSampleRange("-1,1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lo, -1.0f);
  EXPECT_EQ(r->hi, 1.0f);
  for (const char* bad : {"1,0", "0,0", "a,b", "0", "0,1x", "nan,1", ""}) {
    EXPECT_EQ(ParseSampleRange(bad).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(CalibrationFolderTest, ListsSampleFilesInNameOrder) {
  for (const char* name : {"b.PNG", "a.jpg", "c.npy", "notes.txt", "d.jpeg"}) {
    ASSERT_TRUE(WriteFileBytes((dir_ / name).string(), {}).ok());
  }
  fs::create_directories(dir_ / "e.png");  // a folder, not a file
  auto files = ListSampleFiles(dir_.string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  std::vector<std::string> names;
  for (const std::string& f : *files) {
    names.push_back(fs::path(f).filename().string());
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"a.jpg", "b.PNG", "c.npy", "d.jpeg"}));

  EXPECT_EQ(ListSampleFiles((dir_ / "e.png").string()).status().code(),
            StatusCode::kInvalidArgument);  // empty folder
  auto missing = ListSampleFiles((dir_ / "missing").string());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
}

TEST_F(CalibrationFolderTest, RgbImageIsCentreCroppedAndScaledToTheRange) {
  // 4 x 8 image, target 4 x 4: covering needs no scaling (factor 1), the
  // centre crop keeps columns 2..5; pixel (y, x) = (10 y, 20 x, 255).
  const std::string path = WriteRgb("a.png", 4, 8, [](int y, int x) {
    return std::array<int, 3>{10 * y, 20 * x, 255};
  });
  auto x = LoadSample(path, {1, 4, 4, 3}, {-1.0f, 1.0f});
  ASSERT_TRUE(x.ok()) << x.status().message();
  ASSERT_EQ(x->size(), 48u);
  for (int y = 0; y < 4; ++y) {
    for (int c = 0; c < 4; ++c) {
      const float* p = x->data() + (y * 4 + c) * 3;
      EXPECT_NEAR(p[0], -1.0f + 2.0f * (10 * y) / 255.0f, 1e-6);
      EXPECT_NEAR(p[1], -1.0f + 2.0f * (20 * (c + 2)) / 255.0f, 1e-6);
      EXPECT_NEAR(p[2], 1.0f, 1e-6);
    }
  }
}

TEST_F(CalibrationFolderTest, ConstantImageAtAnySizeAndLuma) {
  const std::string path = WriteRgb("c.png", 37, 53, [](int, int) {
    return std::array<int, 3>{255, 0, 102};
  });
  auto rgb = LoadSample(path, {1, 16, 12, 3}, {0.0f, 1.0f});
  ASSERT_TRUE(rgb.ok()) << rgb.status().message();
  ASSERT_EQ(rgb->size(), 16u * 12 * 3);
  for (size_t i = 0; i < rgb->size(); i += 3) {
    EXPECT_NEAR((*rgb)[i], 1.0f, 1e-5);
    EXPECT_NEAR((*rgb)[i + 1], 0.0f, 1e-5);
    EXPECT_NEAR((*rgb)[i + 2], 0.4f, 1e-5);
  }
  auto luma = LoadSample(path, {1, 50, 80, 1}, {0.0f, 1.0f});  // upscaled
  ASSERT_TRUE(luma.ok()) << luma.status().message();
  ASSERT_EQ(luma->size(), 50u * 80);
  for (float v : *luma) EXPECT_NEAR(v, 0.299f + 0.114f * 0.4f, 1e-5);
}

TEST_F(CalibrationFolderTest, FourChannelInputIsPackedBayerRggb) {
  // 4 x 4 image for a [1, 2, 2, 4] input: no scaling, so every Bayer site
  // samples one pixel: R at even rows and columns, B at odd ones, G between.
  auto value = [](int y, int x, int c) { return 16 * y + 4 * x + c; };
  const std::string path = WriteRgb("b.png", 4, 4, [&](int y, int x) {
    return std::array<int, 3>{value(y, x, 0), value(y, x, 1), value(y, x, 2)};
  });
  auto x = LoadSample(path, {1, 2, 2, 4}, {0.0f, 255.0f});
  ASSERT_TRUE(x.ok()) << x.status().message();
  ASSERT_EQ(x->size(), 16u);
  for (int y = 0; y < 2; ++y) {
    for (int c = 0; c < 2; ++c) {
      const float* p = x->data() + (y * 2 + c) * 4;
      EXPECT_NEAR(p[0], value(2 * y, 2 * c, 0), 1e-4);
      EXPECT_NEAR(p[1], value(2 * y, 2 * c + 1, 1), 1e-4);
      EXPECT_NEAR(p[2], value(2 * y + 1, 2 * c, 1), 1e-4);
      EXPECT_NEAR(p[3], value(2 * y + 1, 2 * c + 1, 2), 1e-4);
    }
  }
}

TEST_F(CalibrationFolderTest, NpyIsUsedAsIsAndErrorsNameTheFile) {
  const std::vector<float> v = {0.5f, -2.0f, 3.0f, 7.0f, 1.0f, 0.0f};
  std::vector<uint8_t> raw(v.size() * 4);
  std::memcpy(raw.data(), v.data(), raw.size());
  const std::string npy = (dir_ / "x.npy").string();
  ASSERT_TRUE(
      WriteFileBytes(npy, SerializeNpy(DType::kFloat32, {2, 3}, raw)).ok());
  auto x = LoadSample(npy, {1, 6}, {});
  ASSERT_TRUE(x.ok()) << x.status().message();
  EXPECT_EQ(*x, v);

  auto wrong_size = LoadSample(npy, {1, 7}, {});
  EXPECT_EQ(wrong_size.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_size.status().message().find("x.npy"), std::string::npos);

  const std::string ints = (dir_ / "i.npy").string();
  ASSERT_TRUE(WriteFileBytes(ints, SerializeNpy(DType::kInt32, {6}, raw)).ok());
  EXPECT_NE(LoadSample(ints, {1, 6}, {}).status().message().find("float32"),
            std::string::npos);

  const std::string png = WriteRgb("p.png", 2, 2, [](int, int) {
    return std::array<int, 3>{0, 0, 0};
  });
  auto not_image_input = LoadSample(png, {1, 6}, {});
  EXPECT_EQ(not_image_input.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(not_image_input.status().message().find("p.png"),
            std::string::npos);

  const std::string corrupt = (dir_ / "bad.jpg").string();
  ASSERT_TRUE(WriteFileBytes(corrupt, std::vector<uint8_t>(100, 7)).ok());
  auto bad = LoadSample(corrupt, {1, 4, 4, 3}, {});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.jpg"), std::string::npos);
}

}  // namespace
}  // namespace mai::quant
