// ReadImage/DecodeImage/WritePng against independent decoders and encoders
// run by /usr/bin/python3: Pillow for 8-bit images and JPEG, and a small
// pure-Python PNG codec (zlib + unfiltering) for 16-bit and low-bit-depth
// PNGs, which Pillow 9.4 cannot represent exactly. Test images are the ones
// Debian's python3-skimage ships; tests skip when those or Pillow are missing.
// Bad input (empty, random, truncated, oversized, CMYK, missing) must give an
// error that names the file, without crashing or printing.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/npy.h"
#include "image/image.h"

namespace mai::image {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kDataDir = "/usr/lib/python3/dist-packages/skimage/data";

// reference.py IN OUT: decodes IN independently and saves its samples as an
// (H, W, C) uint8 or uint16 .npy. 16-bit and 1/2/4-bit PNGs go through the
// pure-Python decoder below (non-interlaced only); everything else through
// Pillow, with palettes expanded to RGB (RGBA when transparent).
constexpr const char* kReferenceScript = R"(
import struct, sys, zlib
import numpy as np
from PIL import Image

def decode_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    pos, idat, ihdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth == 8 or ctype == 3:
        return None
    assert interlace == 0
    c = {0: 1, 4: 2, 2: 3, 6: 4}[ctype]
    bpp = max(1, c * depth // 8)
    stride = (w * c * depth + 7) // 8
    raw = zlib.decompress(idat)
    prev = [0] * stride
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        cur = [0] * stride
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            d = prev[i - bpp] if i >= bpp else 0
            if f == 0: p = 0
            elif f == 1: p = a
            elif f == 2: p = b
            elif f == 3: p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - d), abs(a - d), abs(a + b - 2 * d)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else d)
            cur[i] = (line[i] + p) & 255
        rows.append(cur)
        prev = cur
    raw = np.array(rows, np.uint8)
    if depth == 16:
        return raw.view('>u2').reshape(h, w, c).astype(np.uint16)
    bits = np.unpackbits(raw, axis=1).reshape(h, -1, depth)
    values = (bits * (1 << np.arange(depth - 1, -1, -1))).sum(axis=2)
    return (values[:, :w * c] * 255 // (2 ** depth - 1)).astype(np.uint8) \
        .reshape(h, w, c)

a = decode_png(sys.argv[1])
if a is None:
    im = Image.open(sys.argv[1])
    if im.mode == 'P':
        im = im.convert('RGBA' if 'transparency' in im.info else 'RGB')
    elif im.mode == '1':
        im = im.convert('L')
    a = np.asarray(im)
    if a.ndim == 2:
        a = a[:, :, None]
np.save(sys.argv[2], a)
)";

// generate.py OUT SPEC...: writes test images with Pillow (8-bit modes and
// JPEG flavours) or a hand-made PNG encoder (any depth, colour type,
// interlace), from seeded numpy patterns.
constexpr const char* kGenerateScript = R"(
import struct, sys, zlib
import numpy as np
from PIL import Image

def chunk(kind, body):
    return (struct.pack('>I', len(body)) + kind + body +
            struct.pack('>I', zlib.crc32(kind + body)))

def png(path, h, w, ctype, depth, interlace, seed):
    c = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    v = np.random.default_rng(seed).integers(0, 2 ** depth, (h, w, c))
    def rows(sub):
        for row in sub:
            flat = row.reshape(-1)
            if depth == 16:
                yield b'\0' + flat.astype('>u2').tobytes()
                continue
            per = 8 // depth
            flat = np.concatenate([flat, np.zeros(-len(flat) % per, int)])
            shifts = 8 - depth * (np.arange(per) + 1)
            packed = (flat.reshape(-1, per) << shifts).sum(axis=1)
            yield b'\0' + packed.astype(np.uint8).tobytes()
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
              (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] if interlace else \
             [(0, 0, 1, 1)]
    raw = b''
    for x0, y0, dx, dy in passes:
        sub = v[y0::dy, x0::dx]
        if sub.size:
            raw += b''.join(rows(sub))
    ihdr = struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, interlace)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
                chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
    if depth < 8:
        v = v * 255 // (2 ** depth - 1)
    return v

def smooth(h, w, c, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    planes = [127 + 100 * np.sin(x / (5 + k) + y / (7 + k)) for k in range(c)]
    noise = rng.integers(-20, 20, (h, w, c))
    return np.clip(np.stack(planes, axis=2) + noise, 0, 255).astype(np.uint8)

out, kind = sys.argv[1], sys.argv[2]
if kind == 'png':
    h, w, ctype, depth, interlace, seed = map(int, sys.argv[3:9])
    png(out, h, w, ctype, depth, interlace, seed)
elif kind == 'pil':  # MODE H W SEED FORMAT OPTIONS...
    mode, h, w, seed, fmt = sys.argv[3], *map(int, sys.argv[4:7]), sys.argv[7]
    c = {'L': 1, 'LA': 2, 'RGB': 3, 'RGBA': 4, 'CMYK': 4}[mode]
    a = smooth(h, w, c, seed)
    im = Image.fromarray(a[:, :, 0] if c == 1 else a,
                         {'CMYK': 'CMYK'}.get(mode, mode))
    opts = dict(o.split('=') for o in sys.argv[8:])
    opts = {k: int(v) for k, v in opts.items()}
    im.save(out, fmt, **opts)
)";

bool HavePython() {
  static const bool ok =
      access(kPython, X_OK) == 0 &&
      std::system(
          "/usr/bin/python3 -c 'import numpy, PIL.Image' >/dev/null 2>&1") == 0;
  return ok;
}

bool HaveData() { return fs::is_directory(kDataDir); }

std::string DataFile(const std::string& name) {
  return std::string(kDataDir) + "/" + name;
}

class ImageIoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl =
        (fs::temp_directory_path() / "mai_image_io_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ / "reference.py") << kReferenceScript;
    std::ofstream(dir_ / "generate.py") << kGenerateScript;
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void SetUp() override {
    if (!HavePython()) GTEST_SKIP() << kPython << " with numpy and PIL missing";
    if (!HaveData()) GTEST_SKIP() << kDataDir << " (python3-skimage) missing";
  }

  static std::string Temp(const std::string& name) {
    return (dir_ / name).string();
  }

  // Runs one of the scripts; false (after a test failure) when it fails.
  static bool Python(const std::string& script, const std::string& args) {
    const std::string log = Temp("python.log");
    const std::string cmd = std::string(kPython) + " " + Temp(script) + " " +
                            args + " >" + log + " 2>&1";
    if (std::system(cmd.c_str()) == 0) return true;
    std::ifstream text(log);
    ADD_FAILURE() << cmd << " failed:\n" << text.rdbuf();
    return false;
  }

  // Expects `image` to equal what reference.py decodes from `path`.
  static void ExpectMatchesReference(const Image& image,
                                     const std::string& path) {
    const std::string npy = Temp("reference.npy");
    ASSERT_TRUE(Python("reference.py", path + " " + npy));
    Result<std::vector<uint8_t>> bytes = ReadFileBytes(npy);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    Result<NpyArray> ref = ParseNpy(*bytes);
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    ASSERT_EQ(ref->shape, (Shape{image.height, image.width, image.channels}));
    ASSERT_EQ(ref->dtype,
              image.bit_depth == 16 ? DType::kUInt16 : DType::kUInt8);
    ASSERT_EQ(image.samples.size(), image.NumSamples());
    size_t mismatches = 0, first = 0;
    for (size_t i = 0; i < image.samples.size(); ++i) {
      uint16_t want = 0;
      if (image.bit_depth == 16) {
        std::memcpy(&want, ref->data.data() + 2 * i, 2);
      } else {
        want = ref->data[i];
      }
      if (image.samples[i] != want && mismatches++ == 0) first = i;
    }
    EXPECT_EQ(mismatches, 0u) << path << ": first mismatch at sample " << first
                              << " of " << image.samples.size();
  }

  static fs::path dir_;
};

fs::path ImageIoTest::dir_;

// Checks that decoding failed with a one-line message naming `name`, printing
// nothing.
void ExpectError(const Result<Image>& result, const std::string& name) {
  ASSERT_FALSE(result.ok()) << name << " decoded unexpectedly";
  const std::string& message = result.status().message();
  EXPECT_NE(message.find(name), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

Result<Image> ReadQuietly(const std::string& path) {
  testing::internal::CaptureStderr();
  Result<Image> result = ReadImage(path);
  const std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "") << path;
  return result;
}

// ------------------------------------------------------- real test images --

struct RealImage {
  const char* file;
  int height, width, channels, bit_depth;
};

class RealImageTest : public ImageIoTest,
                      public ::testing::WithParamInterface<RealImage> {};

TEST_P(RealImageTest, MatchesIndependentDecoder) {
  const RealImage p = GetParam();
  const std::string path = DataFile(p.file);
  if (!fs::exists(path)) GTEST_SKIP() << path << " missing";
  Result<Image> image = ReadQuietly(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->height, p.height);
  EXPECT_EQ(image->width, p.width);
  EXPECT_EQ(image->channels, p.channels);
  EXPECT_EQ(image->bit_depth, p.bit_depth);
  ExpectMatchesReference(*image, path);
}

INSTANTIATE_TEST_SUITE_P(
    Skimage, RealImageTest,
    ::testing::Values(RealImage{"astronaut.png", 512, 512, 3, 8},
                      RealImage{"camera.png", 512, 512, 1, 8},
                      RealImage{"logo.png", 500, 500, 4, 8},
                      RealImage{"chelsea.png", 300, 451, 3, 8},
                      RealImage{"horse.png", 328, 400, 4, 8},
                      RealImage{"checker_bilevel.png", 10, 10, 1, 8},  // 1-bit
                      RealImage{"chessboard_RGB.png", 200, 200, 3, 16},
                      RealImage{"green_palette.png", 240, 320, 3, 8},
                      RealImage{"palette_color.png", 10, 10, 3, 8},
                      RealImage{"palette_gray.png", 10, 10, 3, 8},
                      RealImage{"foo3x5x4indexed.png", 3, 5, 4, 8},  // tRNS
                      RealImage{"hubble_deep_field.jpg", 872, 1000, 3, 8},
                      RealImage{"rocket.jpg", 427, 640, 3, 8},
                      RealImage{"retina.jpg", 1411, 1411, 3, 8}),  // 4:2:0
    [](const ::testing::TestParamInfo<RealImage>& info) {
      std::string name = info.param.file;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

// ------------------------------------------- generated PNGs of every kind --

struct PngKind {
  int color_type, depth, interlace, channels;
};

class GeneratedPngTest : public ImageIoTest,
                         public ::testing::WithParamInterface<PngKind> {};

TEST_P(GeneratedPngTest, MatchesGenerator) {
  const PngKind p = GetParam();
  const std::string path = Temp("generated.png");
  const int h = 19, w = 23;  // odd sizes exercise partial bytes and passes
  ASSERT_TRUE(
      Python("generate.py",
             fmt::format("{} png {} {} {} {} {} {}", path, h, w, p.color_type,
                         p.depth, p.interlace, p.color_type * 100 + p.depth)));
  Result<Image> image = ReadQuietly(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->height, h);
  EXPECT_EQ(image->width, w);
  EXPECT_EQ(image->channels, p.channels);
  EXPECT_EQ(image->bit_depth, p.depth == 16 ? 16 : 8);
  if (p.interlace) {
    // The reference decoder reads only non-interlaced files: regenerate the
    // same samples without interlacing and compare the two decodes.
    ASSERT_TRUE(
        Python("generate.py",
               fmt::format("{} png {} {} {} {} 0 {}", path, h, w, p.color_type,
                           p.depth, p.color_type * 100 + p.depth)));
    Result<Image> plain = ReadImage(path);
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    EXPECT_EQ(image->samples, plain->samples);
  }
  ExpectMatchesReference(*image, path);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, GeneratedPngTest,
    ::testing::Values(PngKind{0, 1, 0, 1}, PngKind{0, 2, 0, 1},
                      PngKind{0, 4, 0, 1}, PngKind{0, 16, 0, 1},
                      PngKind{4, 16, 0, 2}, PngKind{2, 16, 0, 3},
                      PngKind{6, 16, 0, 4}, PngKind{6, 16, 1, 4},
                      PngKind{2, 8, 1, 3}, PngKind{0, 4, 1, 1}));

TEST_F(ImageIoTest, PillowWrittenFlavours) {
  struct Flavour {
    const char* args;  // MODE H W SEED FORMAT OPTIONS
    const char* file;
    int channels;
  };
  const Flavour flavours[] = {
      {"LA 31 17 1 PNG", "la.png", 2},
      {"L 40 33 2 JPEG quality=90", "gray.jpg", 1},
      {"RGB 41 67 3 JPEG quality=85 subsampling=1", "s422.jpg", 3},
      {"RGB 64 48 4 JPEG quality=75 progressive=1", "progressive.jpg", 3},
      {"RGB 33 35 5 JPEG quality=95 subsampling=2 optimize=1", "s420.jpg", 3},
  };
  for (const Flavour& f : flavours) {
    const std::string path = Temp(f.file);
    ASSERT_TRUE(Python("generate.py", path + " pil " + f.args));
    Result<Image> image = ReadQuietly(path);
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->channels, f.channels) << f.file;
    ExpectMatchesReference(*image, path);
  }
}

TEST_F(ImageIoTest, DispatchesOnContentNotExtension) {
  const std::string path = Temp("really_a_jpeg.png");
  fs::copy_file(DataFile("rocket.jpg"), path,
                fs::copy_options::overwrite_existing);
  Result<Image> image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->width, 640);
}

// ------------------------------------------------------------- WritePng --

Image RandomImage(int h, int w, int c, int bit_depth, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, (1 << bit_depth) - 1);
  Image image;
  image.height = h;
  image.width = w;
  image.channels = c;
  image.bit_depth = bit_depth;
  image.samples.resize(image.NumSamples());
  for (uint16_t& s : image.samples) s = static_cast<uint16_t>(dist(rng));
  // Smooth runs too, so that libpng picks filters other than "none".
  for (int x = 0; x < w * c; ++x) image.samples[x] = static_cast<uint16_t>(x);
  return image;
}

TEST_F(ImageIoTest, WritePngRoundTrips) {
  for (int bit_depth : {8, 16}) {
    for (int channels = 1; channels <= 4; ++channels) {
      SCOPED_TRACE(fmt::format("{}-bit, {} channels", bit_depth, channels));
      const Image image =
          RandomImage(21, 34, channels, bit_depth, 7 * bit_depth + channels);
      const std::string path = Temp("written.png");
      ASSERT_TRUE(WritePng(path, image).ok());
      EXPECT_FALSE(fs::exists(path + ".tmp"));
      Result<Image> back = ReadImage(path);
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(back->height, image.height);
      EXPECT_EQ(back->width, image.width);
      EXPECT_EQ(back->channels, image.channels);
      EXPECT_EQ(back->bit_depth, image.bit_depth);
      EXPECT_EQ(back->samples, image.samples);
      ExpectMatchesReference(image, path);  // Pillow or the Python decoder
    }
  }
}

TEST_F(ImageIoTest, WritePngRejectsBadImages) {
  const std::string path = Temp("bad.png");
  Image image = RandomImage(4, 5, 3, 8, 1);
  image.samples[7] = 256;  // out of range for 8 bits
  EXPECT_FALSE(WritePng(path, image).ok());
  image = RandomImage(4, 5, 3, 8, 1);
  image.samples.pop_back();
  EXPECT_FALSE(WritePng(path, image).ok());
  image = RandomImage(4, 5, 3, 8, 1);
  image.channels = 5;
  EXPECT_FALSE(WritePng(path, image).ok());
  image = RandomImage(4, 5, 3, 8, 1);
  image.bit_depth = 12;
  EXPECT_FALSE(WritePng(path, image).ok());
  EXPECT_FALSE(fs::exists(path));
  const std::string nowhere = Temp("no/such/dir/out.png");
  Status status = WritePng(nowhere, RandomImage(4, 5, 3, 8, 1));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no/such/dir"), std::string::npos);
}

TEST(ImageToFloat, MapsEndpointsExactly) {
  Image image;
  image.height = 1;
  image.width = 3;
  image.channels = 1;
  image.samples = {0, 51, 255};
  std::vector<float> f = ToFloat(image, -1.0f, 1.0f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], -1.0f);
  EXPECT_NEAR(f[1], -0.6f, 1e-6f);
  EXPECT_EQ(f[2], 1.0f);
  image.bit_depth = 16;
  image.samples = {0, 65535, 13107};
  f = ToFloat(image, 0.0f, 255.0f);
  EXPECT_EQ(f[0], 0.0f);
  EXPECT_EQ(f[1], 255.0f);
  EXPECT_NEAR(f[2], 51.0f, 1e-4f);
  image.bit_depth = 12;
  EXPECT_TRUE(ToFloat(image, 0.0f, 1.0f).empty());
}

// ------------------------------------------------------------ bad input --

std::vector<uint8_t> FileBytes(const std::string& path) {
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::string WriteTemp(const std::string& path,
                      const std::vector<uint8_t>& bytes) {
  EXPECT_TRUE(WriteFileBytes(path, bytes).ok());
  return path;
}

uint32_t Crc32(const uint8_t* data, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

void PutBigEndian32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// A PNG with the given IHDR and a tiny valid IDAT (one zero row).
std::vector<uint8_t> PngWithHeader(uint32_t width, uint32_t height,
                                   uint8_t depth, uint8_t color_type) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  auto chunk = [&png](const char* kind, std::vector<uint8_t> body) {
    const size_t start = png.size();
    png.resize(start + 4);
    PutBigEndian32(png.data() + start, static_cast<uint32_t>(body.size()));
    png.insert(png.end(), kind, kind + 4);
    png.insert(png.end(), body.begin(), body.end());
    const uint32_t crc = Crc32(png.data() + start + 4, body.size() + 4);
    png.resize(png.size() + 4);
    PutBigEndian32(png.data() + png.size() - 4, crc);
  };
  std::vector<uint8_t> ihdr(13, 0);
  PutBigEndian32(ihdr.data(), width);
  PutBigEndian32(ihdr.data() + 4, height);
  ihdr[8] = depth;
  ihdr[9] = color_type;
  chunk("IHDR", ihdr);
  // zlib stream of the two bytes {0, 0}, stored.
  chunk("IDAT", {0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x00, 0x00,
                 0x02, 0x00, 0x01});
  chunk("IEND", {});
  return png;
}

TEST_F(ImageIoTest, CraftedPngSelfCheck) {
  // A 1x1 gray PNG made by the crafting helper decodes: its CRCs are right.
  const std::string path =
      WriteTemp(Temp("tiny.png"), PngWithHeader(1, 1, 8, 0));
  Result<Image> image = ReadQuietly(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->samples, std::vector<uint16_t>{0});
}

TEST_F(ImageIoTest, RejectsHugeDimensions) {
  struct Huge {
    uint32_t width, height;
    uint8_t depth, color_type;
  };
  const Huge cases[] = {
      {100000, 100000, 8, 2},  // over the per-dimension limit
      {32769, 1, 8, 0},        // just over
      {30000, 30000, 8, 6},    // within each dimension, too many samples
      {16384, 16384, 8, 0},    // allowed size, but cannot fit in the file
      {0x7fffffff, 0x7fffffff, 16, 6},
  };
  for (const Huge& c : cases) {
    const std::string path =
        WriteTemp(Temp(fmt::format("huge_{}x{}.png", c.width, c.height)),
                  PngWithHeader(c.width, c.height, c.depth, c.color_type));
    ExpectError(ReadQuietly(path), path);
  }
  // A JPEG whose frame header claims 60000x60000.
  std::vector<uint8_t> jpeg = FileBytes(DataFile("rocket.jpg"));
  bool patched = false;
  for (size_t i = 2; i + 9 < jpeg.size() && !patched; ++i) {
    if (jpeg[i] == 0xff && (jpeg[i + 1] == 0xc0 || jpeg[i + 1] == 0xc2)) {
      jpeg[i + 5] = jpeg[i + 7] = 60000 >> 8;
      jpeg[i + 6] = jpeg[i + 8] = 60000 & 0xff;
      patched = true;
    }
  }
  ASSERT_TRUE(patched);
  const std::string path = WriteTemp(Temp("huge.jpg"), jpeg);
  Result<Image> result = ReadQuietly(path);
  ExpectError(result, path);
  EXPECT_EQ(result.status().code(), StatusCode::kOutOfRange);
}

TEST_F(ImageIoTest, RejectsEmptyRandomAndMissing) {
  const std::string empty = WriteTemp(Temp("empty.png"), {});
  Result<Image> result = ReadQuietly(empty);
  ExpectError(result, empty);
  EXPECT_NE(result.status().message().find("not a PNG or JPEG image"),
            std::string::npos);

  std::mt19937 rng(1234);
  std::vector<uint8_t> noise(4096);
  for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
  const std::string random = WriteTemp(Temp("random.jpg"), noise);
  ExpectError(ReadQuietly(random), random);
  // Random bytes behind a valid signature.
  std::vector<uint8_t> fake_png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  fake_png.insert(fake_png.end(), noise.begin(), noise.end());
  const std::string png = WriteTemp(Temp("random_body.png"), fake_png);
  ExpectError(ReadQuietly(png), png);
  std::vector<uint8_t> fake_jpeg = {0xff, 0xd8, 0xff};
  fake_jpeg.insert(fake_jpeg.end(), noise.begin(), noise.end());
  const std::string jpg = WriteTemp(Temp("random_body.jpg"), fake_jpeg);
  ExpectError(ReadQuietly(jpg), jpg);

  const std::string missing = Temp("does_not_exist.png");
  result = ReadQuietly(missing);
  ExpectError(result, missing);
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  ExpectError(ReadQuietly(dir_.string()), dir_.string());  // a directory
}

TEST_F(ImageIoTest, RejectsTruncatedFiles) {
  for (const char* file :
       {"astronaut.png", "hubble_deep_field.jpg", "chessboard_RGB.png"}) {
    std::vector<uint8_t> bytes = FileBytes(DataFile(file));
    for (size_t keep : {bytes.size() / 2, bytes.size() - 20, size_t{30}}) {
      const std::string path =
          WriteTemp(Temp(fmt::format("truncated_{}_{}", keep, file)),
                    std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep));
      ExpectError(ReadQuietly(path), path);
    }
  }
  // skimage's own truncated JPEG (Pillow refuses it too).
  ExpectError(ReadQuietly(DataFile("truncated.jpg")),
              DataFile("truncated.jpg"));
}

TEST_F(ImageIoTest, RefusesCmykJpeg) {
  const std::string path = Temp("cmyk.jpg");
  ASSERT_TRUE(Python("generate.py", path + " pil CMYK 16 16 9 JPEG"));
  Result<Image> result = ReadQuietly(path);
  ExpectError(result, path);
  EXPECT_EQ(result.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(result.status().message().find("CMYK"), std::string::npos);
}

// Seeded random corruption of valid files: every decode either succeeds with
// a consistent image or fails cleanly; none crashes, hangs or prints.
TEST_F(ImageIoTest, SurvivesCorruptedBytes) {
  const std::string sources[] = {DataFile("palette_color.png"),
                                 DataFile("chessboard_RGB.png"),
                                 DataFile("microaneurysms.png"),
                                 Temp("small.jpg"), Temp("small_prog.jpg")};
  ASSERT_TRUE(Python("generate.py", sources[3] + " pil RGB 24 40 11 JPEG"));
  ASSERT_TRUE(Python("generate.py",
                     sources[4] + " pil RGB 24 40 12 JPEG progressive=1"));
  std::mt19937 rng(99);
  int failures = 0, successes = 0;
  for (const std::string& source : sources) {
    const std::vector<uint8_t> original = FileBytes(source);
    ASSERT_FALSE(original.empty()) << source;
    for (int round = 0; round < 150; ++round) {
      std::vector<uint8_t> bytes = original;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips; ++k) {
        // Keep the signature, so the decoders themselves are exercised.
        const size_t at = 4 + rng() % (bytes.size() - 4);
        bytes[at] = static_cast<uint8_t>(rng());
      }
      if (round % 5 == 0) bytes.resize(4 + rng() % (bytes.size() - 4));
      testing::internal::CaptureStderr();
      Result<Image> result = DecodeImage(bytes, "corrupt.bin");
      EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
      if (result.ok()) {
        ++successes;
        EXPECT_EQ(result->samples.size(), result->NumSamples());
      } else {
        ++failures;
        ExpectError(result, "corrupt.bin");
      }
    }
  }
  RecordProperty("decoded", successes);
  RecordProperty("rejected", failures);
}

}  // namespace
}  // namespace mai::image
