#include "image/image.h"

// libpng and libjpeg report errors by longjmp. Every function below that calls
// setjmp keeps only plain data in its own frame (no local with a destructor)
// and reaches its state through pointers; objects that own memory live in the
// caller, so a longjmp never skips a destructor.

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
// clang-format on

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/npy.h"

namespace mai::image {
namespace {

constexpr uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr uint8_t kJpegMagic[3] = {0xff, 0xd8, 0xff};
constexpr size_t kMaxFileBytes = size_t{1} << 30;
// Deflate expands its input at most ~1032 times; with margin for headers.
constexpr uint64_t kMaxDeflateRatio = 1100;
constexpr size_t kMessageChars = 256;

bool StartsWith(std::span<const uint8_t> bytes,
                std::span<const uint8_t> magic) {
  return bytes.size() >= magic.size() &&
         std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

uint32_t ReadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Status CheckSize(const std::string& name, uint64_t width, uint64_t height,
                 uint64_t channels) {
  if (width == 0 || height == 0)
    return InvalidArgument("{}: image has zero size {}x{}", name, width,
                           height);
  if (width > kMaxImageDim || height > kMaxImageDim) {
    return OutOfRange("{}: image is {}x{}, larger than the limit {}x{}", name,
                      width, height, kMaxImageDim, kMaxImageDim);
  }
  if (width * height * channels > kMaxImageSamples) {
    return OutOfRange("{}: image {}x{}x{} has more than {} samples", name,
                      width, height, channels, kMaxImageSamples);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- PNG read --

// Input bytes and the last libpng error message.
struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char error[kMessageChars];
};

void PngOnError(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->error, kMessageChars, "%s", message);
  png_longjmp(png, 1);  // never returns; libpng's default would print first
}

void PngOnWarning(png_structp, png_const_charp) {}

void PngReadBytes(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "file is truncated");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngSource src = {};
  ~PngReader() {
    if (png != nullptr) png_destroy_read_struct(&png, &info, nullptr);
  }
};

struct PngLayout {
  uint32_t width, height;
  int raw_bits_per_pixel;   // as stored in the file
  int channels, bit_depth;  // after the expansions below
  size_t rowbytes;
};

// Reads the chunks before the pixels and sets up the expansions.
bool PngReadHeader(PngReader* r, PngLayout* out) {
  if (setjmp(png_jmpbuf(r->png))) return false;
  png_read_info(r->png, r->info);
  out->width = png_get_image_width(r->png, r->info);
  out->height = png_get_image_height(r->png, r->info);
  out->raw_bits_per_pixel =
      png_get_channels(r->png, r->info) * png_get_bit_depth(r->png, r->info);
  const int color_type = png_get_color_type(r->png, r->info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(r->png);
  if (color_type == PNG_COLOR_TYPE_GRAY &&
      png_get_bit_depth(r->png, r->info) < 8) {
    png_set_expand_gray_1_2_4_to_8(r->png);
  }
  if (png_get_valid(r->png, r->info, PNG_INFO_tRNS))
    png_set_tRNS_to_alpha(r->png);
  png_set_interlace_handling(r->png);
  png_read_update_info(r->png, r->info);
  out->channels = png_get_channels(r->png, r->info);
  out->bit_depth = png_get_bit_depth(r->png, r->info);
  out->rowbytes = png_get_rowbytes(r->png, r->info);
  return true;
}

bool PngReadPixels(PngReader* r, png_bytep* rows) {
  if (setjmp(png_jmpbuf(r->png))) return false;
  png_read_image(r->png, rows);
  return true;
}

Result<Image> DecodePng(std::span<const uint8_t> bytes,
                        const std::string& name) {
  // IHDR is the first chunk; check its size before libpng allocates rows.
  if (bytes.size() >= 24 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0) {
    MAI_RETURN_IF_ERROR(CheckSize(name, ReadBigEndian32(bytes.data() + 16),
                                  ReadBigEndian32(bytes.data() + 20), 1));
  }
  PngReader r;
  r.src.data = bytes.data();
  r.src.size = bytes.size();
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r.src, PngOnError,
                                 PngOnWarning);
  if (r.png == nullptr) return Internal("{}: cannot create a PNG reader", name);
  r.info = png_create_info_struct(r.png);
  if (r.info == nullptr)
    return Internal("{}: cannot create a PNG reader", name);
  png_set_read_fn(r.png, &r.src, PngReadBytes);
  png_set_user_limits(r.png, kMaxImageDim, kMaxImageDim);

  PngLayout layout = {};
  if (!PngReadHeader(&r, &layout))
    return InvalidArgument("{}: invalid PNG: {}", name, r.src.error);
  MAI_RETURN_IF_ERROR(
      CheckSize(name, layout.width, layout.height, layout.channels));
  const uint64_t raw_bytes =
      uint64_t{layout.width} * layout.height * layout.raw_bits_per_pixel / 8;
  if (raw_bytes > kMaxDeflateRatio * bytes.size()) {
    return InvalidArgument(
        "{}: invalid PNG: a {}x{} image cannot be stored in {} bytes (file "
        "truncated?)",
        name, layout.width, layout.height, bytes.size());
  }
  const int bytes_per_sample = layout.bit_depth / 8;
  if ((layout.bit_depth != 8 && layout.bit_depth != 16) ||
      layout.channels < 1 || layout.channels > 4 ||
      layout.rowbytes != size_t{layout.width} * layout.channels *
                             static_cast<size_t>(bytes_per_sample)) {
    return Internal("{}: unexpected PNG layout after expansion", name);
  }

  std::vector<uint8_t> pixels(layout.rowbytes * layout.height);
  std::vector<png_bytep> rows(layout.height);
  for (uint32_t y = 0; y < layout.height; ++y)
    rows[y] = pixels.data() + y * layout.rowbytes;
  if (!PngReadPixels(&r, rows.data()))
    return InvalidArgument("{}: invalid PNG: {}", name, r.src.error);

  Image image;
  image.height = static_cast<int>(layout.height);
  image.width = static_cast<int>(layout.width);
  image.channels = layout.channels;
  image.bit_depth = layout.bit_depth;
  image.samples.resize(image.NumSamples());
  if (layout.bit_depth == 8) {
    std::copy(pixels.begin(), pixels.end(), image.samples.begin());
  } else {  // PNG stores 16-bit samples big-endian
    for (size_t i = 0; i < image.samples.size(); ++i) {
      image.samples[i] =
          static_cast<uint16_t>((pixels[2 * i] << 8) | pixels[2 * i + 1]);
    }
  }
  return image;
}

// --------------------------------------------------------------- JPEG read --

struct JpegErrors {
  jpeg_error_mgr pub;  // first, so libjpeg's pointer converts back
  std::jmp_buf jump;
  char message[kMessageChars];
};

static_assert(kMessageChars >= JMSG_LENGTH_MAX);

[[noreturn]] void JpegFail(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// Warnings about corrupt entropy-coded data, or data that ends early, are
// errors: libjpeg would go on and fill the rest of the image with grey or
// garbage. Other warnings (stray bytes between segments, odd metadata) are
// ignored, as Pillow ignores them.
void JpegOnMessage(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
      JpegFail(cinfo);
    default:
      break;
  }
}

void JpegOutputMessage(j_common_ptr) {}  // never print to stderr

void JpegOnProgress(j_common_ptr cinfo) {
  auto* dinfo = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (dinfo->input_scan_number > kMaxJpegScans) {
    auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
    std::snprintf(errors->message, kMessageChars,
                  "more than %d progressive scans", kMaxJpegScans);
    std::longjmp(errors->jump, 1);
  }
}

struct JpegReader {
  jpeg_decompress_struct cinfo = {};
  JpegErrors errors = {};
  jpeg_progress_mgr progress = {};
  ~JpegReader() { jpeg_destroy_decompress(&cinfo); }  // no-op if not created
};

bool JpegReadHeader(JpegReader* r, const uint8_t* data, size_t size) {
  r->cinfo.err = jpeg_std_error(&r->errors.pub);
  r->errors.pub.error_exit = JpegFail;
  r->errors.pub.emit_message = JpegOnMessage;
  r->errors.pub.output_message = JpegOutputMessage;
  if (setjmp(r->errors.jump)) return false;
  jpeg_create_decompress(&r->cinfo);
  r->cinfo.mem->max_memory_to_use = static_cast<long>(kMaxImageSamples * 4);
  r->progress.progress_monitor = JpegOnProgress;
  r->cinfo.progress = &r->progress;
  jpeg_mem_src(&r->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&r->cinfo, TRUE);
  return true;
}

// Decodes every scanline, appending to `out`; `row` holds one scanline.
bool JpegReadPixels(JpegReader* r, uint8_t* row, size_t row_samples,
                    std::vector<uint16_t>* out) {
  if (setjmp(r->errors.jump)) return false;
  jpeg_start_decompress(&r->cinfo);
  if (static_cast<size_t>(r->cinfo.output_width) * r->cinfo.output_components !=
      row_samples) {
    std::snprintf(r->errors.message, kMessageChars, "unexpected output layout");
    return false;
  }
  while (r->cinfo.output_scanline < r->cinfo.output_height) {
    JSAMPROW rows[1] = {row};
    if (jpeg_read_scanlines(&r->cinfo, rows, 1) != 1) {
      std::snprintf(r->errors.message, kMessageChars, "no scanline decoded");
      return false;
    }
    out->insert(out->end(), row, row + row_samples);
  }
  return true;
}

Result<Image> DecodeJpeg(std::span<const uint8_t> bytes,
                         const std::string& name) {
  JpegReader r;
  if (!JpegReadHeader(&r, bytes.data(), bytes.size()))
    return InvalidArgument("{}: invalid JPEG: {}", name, r.errors.message);
  jpeg_decompress_struct& cinfo = r.cinfo;
  int channels = 0;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      channels = 1;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      cinfo.out_color_space = JCS_RGB;
      channels = 3;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      return Unimplemented("{}: CMYK JPEG images are not supported", name);
    default:
      return Unimplemented(
          "{}: JPEG colour space {} with {} components is "
          "not supported",
          name, static_cast<int>(cinfo.jpeg_color_space), cinfo.num_components);
  }
  MAI_RETURN_IF_ERROR(
      CheckSize(name, cinfo.image_width, cinfo.image_height, channels));

  Image image;
  image.height = static_cast<int>(cinfo.image_height);
  image.width = static_cast<int>(cinfo.image_width);
  image.channels = channels;
  image.bit_depth = 8;
  // Reserve what a plausible compression ratio allows; a truncated file that
  // claims a huge size fails before the vector grows that far.
  image.samples.reserve(std::min(image.NumSamples(), bytes.size() * 64));
  std::vector<uint8_t> row(static_cast<size_t>(image.width) * channels);
  if (!JpegReadPixels(&r, row.data(), row.size(), &image.samples))
    return InvalidArgument("{}: invalid JPEG: {}", name, r.errors.message);
  if (image.samples.size() != image.NumSamples())
    return Internal("{}: JPEG decoder returned too few rows", name);
  return image;
}

// --------------------------------------------------------------- PNG write --

struct PngSink {
  std::vector<uint8_t>* out;
  char error[kMessageChars];
};

void PngWriteBytes(png_structp png, png_bytep data, size_t n) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  sink->out->insert(sink->out->end(), data, data + n);
}

void PngFlush(png_structp) {}

void PngWriteOnError(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->error, kMessageChars, "%s", message);
  png_longjmp(png, 1);
}

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngSink sink = {};
  ~PngWriter() {
    if (png != nullptr) png_destroy_write_struct(&png, &info);
  }
};

bool PngEncode(PngWriter* w, const Image* image, png_bytep* rows) {
  static constexpr int kColorTypes[] = {
      PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
      PNG_COLOR_TYPE_RGB_ALPHA};
  if (setjmp(png_jmpbuf(w->png))) return false;
  png_set_IHDR(w->png, w->info, static_cast<png_uint_32>(image->width),
               static_cast<png_uint_32>(image->height), image->bit_depth,
               kColorTypes[image->channels - 1], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(w->png, w->info);
  png_write_image(w->png, rows);
  png_write_end(w->png, nullptr);
  return true;
}

Status CheckWritable(const std::string& path, const Image& image) {
  if (image.bit_depth != 8 && image.bit_depth != 16)
    return InvalidArgument("{}: cannot write bit depth {}", path,
                           image.bit_depth);
  if (image.channels < 1 || image.channels > 4)
    return InvalidArgument("{}: cannot write {} channels", path,
                           image.channels);
  if (image.height < 1 || image.width < 1 || image.height > kMaxImageDim ||
      image.width > kMaxImageDim) {
    return InvalidArgument("{}: cannot write a {}x{} image", path, image.width,
                           image.height);
  }
  if (image.samples.size() != image.NumSamples()) {
    return InvalidArgument("{}: image {}x{}x{} has {} samples, expected {}",
                           path, image.height, image.width, image.channels,
                           image.samples.size(), image.NumSamples());
  }
  const uint16_t max_value = static_cast<uint16_t>(image.MaxValue());
  for (uint16_t s : image.samples) {
    if (s > max_value)
      return InvalidArgument("{}: sample {} exceeds {} for {}-bit", path, s,
                             max_value, image.bit_depth);
  }
  return Status::Ok();
}

}  // namespace

Result<Image> DecodeImage(std::span<const uint8_t> bytes,
                          const std::string& name_for_errors) {
  if (StartsWith(bytes, kPngMagic)) return DecodePng(bytes, name_for_errors);
  if (StartsWith(bytes, kJpegMagic)) return DecodeJpeg(bytes, name_for_errors);
  return InvalidArgument("{}: not a PNG or JPEG image", name_for_errors);
}

Result<Image> ReadImage(const std::string& path) {
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                       ReadFileBytes(path, kMaxFileBytes));
  return DecodeImage(bytes, path);
}

Status WritePng(const std::string& path, const Image& image) {
  MAI_RETURN_IF_ERROR(CheckWritable(path, image));
  // Big-endian bytes, as PNG stores them.
  const size_t bytes_per_sample = image.bit_depth / 8;
  std::vector<uint8_t> pixels(image.NumSamples() * bytes_per_sample);
  for (size_t i = 0; i < image.samples.size(); ++i) {
    if (bytes_per_sample == 1) {
      pixels[i] = static_cast<uint8_t>(image.samples[i]);
    } else {
      pixels[2 * i] = static_cast<uint8_t>(image.samples[i] >> 8);
      pixels[2 * i + 1] = static_cast<uint8_t>(image.samples[i] & 0xff);
    }
  }
  const size_t rowbytes =
      static_cast<size_t>(image.width) * image.channels * bytes_per_sample;
  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y) rows[y] = pixels.data() + y * rowbytes;

  std::vector<uint8_t> encoded;
  PngWriter w;
  w.sink.out = &encoded;
  w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w.sink,
                                  PngWriteOnError, PngOnWarning);
  if (w.png == nullptr) return Internal("{}: cannot create a PNG writer", path);
  w.info = png_create_info_struct(w.png);
  if (w.info == nullptr)
    return Internal("{}: cannot create a PNG writer", path);
  png_set_write_fn(w.png, &w.sink, PngWriteBytes, PngFlush);
  if (!PngEncode(&w, &image, rows.data()))
    return Internal("{}: PNG encoding failed: {}", path, w.sink.error);

  const std::string tmp = path + ".tmp";
  Status written = WriteFileBytes(tmp, encoded);
  if (!written.ok()) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return written;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const std::string reason = ec.message();
    std::filesystem::remove(tmp, ec);
    return IoError("cannot rename '{}' to '{}': {}", tmp, path, reason);
  }
  return Status::Ok();
}

std::vector<float> ToFloat(const Image& image, float lo, float hi) {
  if (image.bit_depth != 8 && image.bit_depth != 16) return {};
  // One table entry per possible sample; t = 0 and t = 1 give lo and hi
  // exactly.
  const uint32_t max_value = (1u << image.bit_depth) - 1u;
  std::vector<float> table(max_value + 1);
  for (uint32_t s = 0; s <= max_value; ++s) {
    const double t = static_cast<double>(s) / max_value;
    table[s] = static_cast<float>(lo * (1.0 - t) + hi * t);
  }
  std::vector<float> out(image.samples.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = table[std::min<uint32_t>(image.samples[i], max_value)];
  return out;
}

}  // namespace mai::image
