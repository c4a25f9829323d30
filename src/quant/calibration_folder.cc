#include "quant/calibration_folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "core/npy.h"
#include "image/channels.h"
#include "image/image.h"
#include "image/resize.h"

namespace mai::quant {
namespace {

namespace fs = std::filesystem;

std::string LowerExtension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(c));
  return ext;
}

bool IsImageFile(const fs::path& path) {
  const std::string ext = LowerExtension(path);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

bool IsSampleFile(const fs::path& path) {
  return IsImageFile(path) || LowerExtension(path) == ".npy";
}

Result<std::vector<float>> LoadNpy(const std::string& path,
                                   const Shape& shape) {
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  Result<NpyArray> npy = ParseNpy(bytes);
  if (!npy.ok()) {
    return InvalidArgument("{}: {}", path, npy.status().message());
  }
  if (npy->dtype != DType::kFloat32) {
    return InvalidArgument("{}: .npy holds {}, calibration needs float32", path,
                           DTypeName(npy->dtype));
  }
  const int64_t want = NumElementsUnchecked(shape);
  const int64_t have = static_cast<int64_t>(npy->data.size() / 4);
  if (have != want) {
    return InvalidArgument(
        "{}: .npy has shape {} ({} values), the input {} "
        "needs {}",
        path, ShapeToString(npy->shape), have, ShapeToString(shape), want);
  }
  std::vector<float> values(static_cast<size_t>(have));
  std::memcpy(values.data(), npy->data.data(), npy->data.size());
  return values;
}

// RGB (or gray) float pixels scaled to cover out_h x out_w and centre-cropped.
std::vector<float> CoverAndCrop(const std::vector<float>& pixels, int h, int w,
                                int channels, int out_h, int out_w) {
  const double scale =
      std::max(static_cast<double>(out_h) / h, static_cast<double>(out_w) / w);
  const int rh = std::max(out_h, static_cast<int>(std::lround(h * scale)));
  const int rw = std::max(out_w, static_cast<int>(std::lround(w * scale)));
  const std::vector<float> resized =
      image::ResizeHwc(pixels, h, w, channels, rh, rw);
  if (resized.empty()) return {};
  const int top = (rh - out_h) / 2;
  const int left = (rw - out_w) / 2;
  std::vector<float> out(static_cast<size_t>(out_h) * out_w * channels);
  for (int y = 0; y < out_h; ++y) {
    const float* row =
        resized.data() + (static_cast<size_t>(top + y) * rw + left) * channels;
    std::copy(row, row + static_cast<size_t>(out_w) * channels,
              out.data() + static_cast<size_t>(y) * out_w * channels);
  }
  return out;
}

Result<std::vector<float>> LoadImageSample(const std::string& path,
                                           const Shape& shape,
                                           const SampleRange& range) {
  if (shape.size() != 4 || shape[0] != 1 ||
      (shape[3] != 1 && shape[3] != 3 && shape[3] != 4) || shape[1] < 1 ||
      shape[2] < 1) {
    return InvalidArgument(
        "{}: an image feeds an input [1, H, W, C] with C = 1 (luma), 3 (RGB) "
        "or 4 (packed Bayer RGGB); this input is {} (use .npy files)",
        path, ShapeToString(shape));
  }
  MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage(path));
  // Alpha dropped: RGB, or gray for gray images (luma comes later).
  const int colour = img.channels >= 3 ? 3 : 1;
  const std::vector<float> pixels =
      image::ToChannels(img, colour, range.lo, range.hi);
  if (pixels.empty()) {
    return InvalidArgument("{}: cannot convert a {}-bit image", path,
                           img.bit_depth);
  }
  const int h = static_cast<int>(shape[1]);
  const int w = static_cast<int>(shape[2]);
  const int c = static_cast<int>(shape[3]);
  const int scale = c == 4 ? 2 : 1;  // Bayer: a 2x2 mosaic per output pixel
  std::vector<float> cropped =
      CoverAndCrop(pixels, img.height, img.width, colour, h * scale, w * scale);
  if (cropped.empty()) {
    return InvalidArgument("{}: cannot resize {}x{} to {}x{}", path, img.height,
                           img.width, h * scale, w * scale);
  }
  auto rgb = [&](size_t pixel, int k) {
    return colour == 3 ? cropped[pixel * 3 + k] : cropped[pixel];
  };
  std::vector<float> out(static_cast<size_t>(h) * w * c);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      float* o = out.data() + (static_cast<size_t>(y) * w + x) * c;
      if (c == 3) {
        const size_t p = static_cast<size_t>(y) * w + x;
        for (int k = 0; k < 3; ++k) o[k] = rgb(p, k);
      } else if (c == 1) {
        const size_t p = static_cast<size_t>(y) * w + x;
        o[0] = colour == 1 ? cropped[p]
                           : 0.299f * rgb(p, 0) + 0.587f * rgb(p, 1) +
                                 0.114f * rgb(p, 2);
      } else {
        const int W = 2 * w;
        auto at = [&](int yy, int xx) {
          return static_cast<size_t>(yy) * W + xx;
        };
        o[0] = rgb(at(2 * y, 2 * x), 0);
        o[1] = rgb(at(2 * y, 2 * x + 1), 1);
        o[2] = rgb(at(2 * y + 1, 2 * x), 1);
        o[3] = rgb(at(2 * y + 1, 2 * x + 1), 2);
      }
    }
  }
  return out;
}

}  // namespace

Result<SampleRange> ParseSampleRange(const std::string& text) {
  const size_t comma = text.find(',');
  SampleRange r;
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    size_t used_lo = 0, used_hi = 0;
    const std::string lo = text.substr(0, comma), hi = text.substr(comma + 1);
    r.lo = std::stof(lo, &used_lo);
    r.hi = std::stof(hi, &used_hi);
    if (used_lo != lo.size() || used_hi != hi.size()) {
      throw std::invalid_argument("trailing characters");
    }
  } catch (const std::exception&) {
    return InvalidArgument("input range '{}' is not LO,HI (e.g. 0,1 or -1,1)",
                           text);
  }
  if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || !(r.lo < r.hi)) {
    return InvalidArgument("input range '{}' needs finite LO < HI", text);
  }
  return r;
}

Result<std::vector<std::string>> ListSampleFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFound("calibration folder '{}' is not a directory", dir);
  }
  std::vector<std::string> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) && IsSampleFile(it->path())) {
      files.push_back(it->path().string());
    }
  }
  if (ec) return NotFound("cannot list '{}': {}", dir, ec.message());
  if (files.empty()) {
    return InvalidArgument(
        "calibration folder '{}' holds no .png, .jpg, .jpeg or .npy file", dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::vector<float>> LoadSample(const std::string& path,
                                      const Shape& shape,
                                      const SampleRange& range) {
  if (IsImageFile(path)) return LoadImageSample(path, shape, range);
  return LoadNpy(path, shape);
}

}  // namespace mai::quant
