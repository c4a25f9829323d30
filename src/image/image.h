// Reading and writing images (PNG via libpng, JPEG via libjpeg) as 8- or
// 16-bit interleaved samples, and converting them to float tensors.
//
// Files are untrusted input. A corrupt, truncated or hostile file gives an
// error Status with a one-line message that names the file (decoding errors
// start with it); the decoders never crash, abort, print to stderr or
// allocate without bound:
//   - width or height above kMaxImageDim, or more than kMaxImageSamples
//     samples in the decoded image, is refused before pixels are allocated;
//   - a PNG whose declared size cannot possibly be inflated from the bytes
//     available (deflate expands at most ~1032x) is refused as truncated;
//   - a JPEG that ends early, or whose entropy-coded data is corrupt (bad
//     Huffman code, premature end of segment, lost restart sync), is an error
//     (libjpeg alone, and so Pillow for the corrupt cases, would fill the
//     rest with grey or garbage);
//     a progressive JPEG with more than kMaxJpegScans scans is refused.
//
//   MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage("cat.jpg"));
//   std::vector<float> x = image::ToFloat(img, -1.0f, 1.0f);  // HWC
#ifndef MAI_IMAGE_IMAGE_H_
#define MAI_IMAGE_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mai::image {

inline constexpr int kMaxImageDim = 32768;
inline constexpr size_t kMaxImageSamples = size_t{1} << 28;
inline constexpr int kMaxJpegScans = 1000;

// Decoded pixels, interleaved in HWC order: sample (y, x, c) is
// samples[(y * width + x) * channels + c], in [0, 2^bit_depth - 1].
// channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. bit_depth: 8 or 16.
struct Image {
  int height = 0, width = 0, channels = 0;
  int bit_depth = 8;
  std::vector<uint16_t> samples;

  // 255 or 65535.
  float MaxValue() const { return static_cast<float>((1u << bit_depth) - 1u); }
  size_t NumSamples() const {
    return static_cast<size_t>(height) * static_cast<size_t>(width) *
           static_cast<size_t>(channels);
  }
};

// Reads and decodes a PNG or JPEG file, chosen by its leading bytes (never by
// the extension). Errors: NotFound/IoError when the file cannot be read;
// InvalidArgument "FILE: not a PNG or JPEG image" for other content;
// InvalidArgument for corrupt or truncated data; OutOfRange for images over
// the size limits; Unimplemented for CMYK/YCCK JPEGs.
Result<Image> ReadImage(const std::string& path);

// As ReadImage, for bytes already in memory; `name_for_errors` (usually the
// path) starts every error message.
//
// PNG: every bit depth and colour type. Palette images become RGB, or RGBA
// when they have transparency (tRNS); a tRNS chunk on gray/RGB images becomes
// an alpha channel; 1/2/4-bit gray is scaled to 8 bits (0..255); 16-bit
// samples stay 16-bit. Interlaced images are supported. No gamma or colour
// management is applied.
// JPEG: gray stays 1 channel; YCbCr and RGB become 3-channel RGB (libjpeg's
// default "islow" IDCT and fancy upsampling, as Pillow uses).
Result<Image> DecodeImage(std::span<const uint8_t> bytes,
                          const std::string& name_for_errors);

// Writes `image` (8 or 16 bits, 1-4 channels, every sample within range) as a
// non-interlaced PNG. The file is written to path + ".tmp" and renamed over
// `path`, so readers never see a partial file. Errors: InvalidArgument for an
// inconsistent image; IoError when writing or renaming fails.
Status WritePng(const std::string& path, const Image& image);

// Maps every sample linearly, 0 -> lo and MaxValue() -> hi exactly, keeping
// HWC order. Returns NumSamples() floats; empty when bit_depth is not 8 or 16.
// Samples above MaxValue() (only possible in a hand-built Image) map to hi.
std::vector<float> ToFloat(const Image& image, float lo, float hi);

}  // namespace mai::image

#endif  // MAI_IMAGE_IMAGE_H_
