// mai's fast RESIZE_NEAREST_NEIGHBOR and MIRROR_PAD on the xnnpack backend
// against the reference backend, byte for byte: seeded random shapes and
// sizes (up- and down-scaling, align_corners, half_pixel_centers), REFLECT
// and SYMMETRIC paddings up to their limits, odd channel counts and element
// sizes, and large maps on two threads.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "xnnpack/backend_compare.h"

namespace mai {
namespace {

using testing::ExpectXnnMatchesRefExactly;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

const DType kDTypes[] = {DType::kFloat32, DType::kInt8,  DType::kUInt8,
                         DType::kInt16,   DType::kInt32, DType::kInt64};

HostTensor RandomTensor(Rng& rng, DType dtype, const Shape& shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = shape;
  const int64_t n = NumElementsUnchecked(shape);
  t.bytes.resize(n * DTypeSize(dtype));
  if (dtype == DType::kFloat32) {
    std::vector<float> v = rng.Floats(n, -8, 8);
    if (n) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  } else {
    for (uint8_t& b : t.bytes) b = static_cast<uint8_t>(rng.Int(0, 255));
  }
  return t;
}

ir::QuantParams QuantFor(DType dtype) {
  if (dtype == DType::kInt8) return Quant(0.5f, 1);
  if (dtype == DType::kUInt8) return Quant(0.5f, 127);
  return {};
}

std::vector<uint8_t> BuildResize(DType dtype, const Shape& shape, int32_t h,
                                 int32_t w, bool align_corners,
                                 bool half_pixel_centers) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int size = b.AddConstant<int32_t>("size", {2}, {h, w});
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kResizeNearestNeighbor, {x, size}, {y},
          ir::ResizeParams{align_corners, half_pixel_centers});
  b.MarkOutput(y);
  return testing::BuildModel(b);
}

std::vector<uint8_t> BuildMirrorPad(DType dtype, const Shape& shape,
                                    const std::vector<int32_t>& pads,
                                    ir::MirrorPadMode mode) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int p = b.AddConstant<int32_t>(
      "paddings", {static_cast<int32_t>(shape.size()), 2}, pads);
  const int y = b.AddTensor("y", dtype, std::nullopt, QuantFor(dtype));
  b.AddOp(ir::OpCode::kMirrorPad, {x, p}, {y}, ir::MirrorPadParams{mode});
  b.MarkOutput(y);
  return testing::BuildModel(b);
}

TEST(FastResizeNearestTest, RandomSizesAndModes) {
  Rng rng(9401);
  for (int iter = 0; iter < 42; ++iter) {
    const DType dtype = kDTypes[iter % 6];
    const Shape shape = {rng.Int(1, 2), rng.Int(1, 9), rng.Int(1, 9),
                         rng.Int(1, 5)};
    const int mode = iter % 3;  // none, align_corners, half_pixel_centers
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(
        BuildResize(dtype, shape, rng.Int(1, 20), rng.Int(1, 20), mode == 1,
                    mode == 2),
        {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastResizeNearestTest, LargeUpscaleOnTwoThreads) {
  Rng rng(9402);
  const Shape maps = {1, 40, 36, 16};
  ExpectXnnMatchesRefExactly(
      BuildResize(DType::kFloat32, maps, 80, 72, false, false),
      {RandomTensor(rng, DType::kFloat32, maps)});
  ExpectXnnMatchesRefExactly(
      BuildResize(DType::kFloat32, maps, 123, 97, false, true),
      {RandomTensor(rng, DType::kFloat32, maps)});
  // Three int8 channels: pixels that are not whole 4-byte words.
  const Shape image = {2, 60, 50, 3};
  ExpectXnnMatchesRefExactly(
      BuildResize(DType::kInt8, image, 150, 101, true, false),
      {RandomTensor(rng, DType::kInt8, image)});
}

TEST(FastMirrorPadTest, RandomPaddingsBothModes) {
  Rng rng(9403);
  for (int iter = 0; iter < 42; ++iter) {
    const DType dtype = kDTypes[iter % 6];
    const ir::MirrorPadMode mode =
        iter % 2 ? ir::MirrorPadMode::kSymmetric : ir::MirrorPadMode::kReflect;
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    std::vector<int32_t> pads;
    for (int d = 0; d < rank; ++d) {
      shape[d] = rng.Int(1, 6);
      const int limit =
          mode == ir::MirrorPadMode::kReflect ? shape[d] - 1 : shape[d];
      // Leave some dims unpadded so trailing blocks merge.
      const bool pad = rng.Int(0, 2) != 0;
      pads.push_back(pad ? rng.Int(0, limit) : 0);
      pads.push_back(pad ? rng.Int(0, limit) : 0);
    }
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ExpectXnnMatchesRefExactly(BuildMirrorPad(dtype, shape, pads, mode),
                               {RandomTensor(rng, dtype, shape)});
  }
}

TEST(FastMirrorPadTest, SpatialPaddingOnTwoThreads) {
  Rng rng(9404);
  const Shape maps = {1, 70, 64, 12};
  for (ir::MirrorPadMode mode :
       {ir::MirrorPadMode::kReflect, ir::MirrorPadMode::kSymmetric}) {
    ExpectXnnMatchesRefExactly(
        BuildMirrorPad(DType::kFloat32, maps, {0, 0, 3, 2, 1, 4, 0, 0}, mode),
        {RandomTensor(rng, DType::kFloat32, maps)});
  }
  // Padding on the channel axis too (single-element units).
  const Shape image = {2, 50, 60, 3};
  ExpectXnnMatchesRefExactly(
      BuildMirrorPad(DType::kUInt8, image, {1, 1, 2, 2, 2, 2, 1, 2},
                     ir::MirrorPadMode::kReflect),
      {RandomTensor(rng, DType::kUInt8, image)});
}

}  // namespace
}  // namespace mai
