// mai's fast RESIZE_NEAREST_NEIGHBOR and MIRROR_PAD on the xnnpack backend
// against the reference backend, byte for byte: seeded random shapes and
// sizes (up- and down-scaling, align_corners, half_pixel_centers), REFLECT
// and SYMMETRIC paddings up to their limits, odd channel counts and element
// sizes, and large maps on two threads.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "xnnpack/fast_case_batch.h"

namespace mai {
namespace {

using testing::CaseBatch;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;

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

void AddResize(CaseBatch& batch, Rng& rng, DType dtype, const Shape& shape,
               int32_t h, int32_t w, bool align_corners,
               bool half_pixel_centers) {
  const int x =
      batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
  const int size = batch.Constant<int32_t>("size", {2}, {h, w});
  const int y = batch.Output(
      dtype, QuantFor(dtype),
      "resize " + std::string(DTypeName(dtype)) + " " + ShapeToString(shape) +
          " to " + std::to_string(h) + "x" + std::to_string(w) +
          (align_corners ? " align_corners" : "") +
          (half_pixel_centers ? " half_pixel_centers" : ""));
  batch.builder.AddOp(ir::OpCode::kResizeNearestNeighbor, {x, size}, {y},
                      ir::ResizeParams{align_corners, half_pixel_centers});
  batch.NextCase();
}

void AddMirrorPad(CaseBatch& batch, Rng& rng, DType dtype, const Shape& shape,
                  const std::vector<int32_t>& pads, ir::MirrorPadMode mode) {
  const int x =
      batch.Input("x", RandomTensor(rng, dtype, shape), QuantFor(dtype));
  const int p = batch.Constant<int32_t>(
      "paddings", {static_cast<int32_t>(shape.size()), 2}, pads);
  std::string what =
      "mirror_pad " + std::string(DTypeName(dtype)) + " " +
      ShapeToString(shape) +
      (mode == ir::MirrorPadMode::kReflect ? " reflect" : " symmetric");
  for (int32_t v : pads) what += " " + std::to_string(v);
  const int y = batch.Output(dtype, QuantFor(dtype), what);
  batch.builder.AddOp(ir::OpCode::kMirrorPad, {x, p}, {y},
                      ir::MirrorPadParams{mode});
  batch.NextCase();
}

TEST(FastResizeNearestTest, RandomSizesAndModes) {
  Rng rng(9401);
  CaseBatch batch;
  for (int iter = 0; iter < 60; ++iter) {
    const DType dtype = kDTypes[iter % 6];
    const Shape shape = {rng.Int(1, 2), rng.Int(1, 9), rng.Int(1, 9),
                         rng.Int(1, 5)};
    const int mode = iter % 3;  // none, align_corners, half_pixel_centers
    const int32_t h = rng.Int(1, 20);
    const int32_t w = rng.Int(1, 20);
    AddResize(batch, rng, dtype, shape, h, w, mode == 1, mode == 2);
  }
  batch.ExpectExact();
}

TEST(FastResizeNearestTest, LargeUpscaleOnTwoThreads) {
  Rng rng(9402);
  CaseBatch batch;
  const Shape maps = {1, 40, 36, 16};
  AddResize(batch, rng, DType::kFloat32, maps, 80, 72, false, false);
  AddResize(batch, rng, DType::kFloat32, maps, 123, 97, false, true);
  // Three int8 channels: pixels that are not whole 4-byte words.
  AddResize(batch, rng, DType::kInt8, {2, 60, 50, 3}, 150, 101, true, false);
  batch.ExpectExact();
}

TEST(FastMirrorPadTest, RandomPaddingsBothModes) {
  Rng rng(9403);
  CaseBatch batch;
  for (int iter = 0; iter < 60; ++iter) {
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
    AddMirrorPad(batch, rng, dtype, shape, pads, mode);
  }
  batch.ExpectExact();
}

TEST(FastMirrorPadTest, SpatialPaddingOnTwoThreads) {
  Rng rng(9404);
  CaseBatch batch;
  for (ir::MirrorPadMode mode :
       {ir::MirrorPadMode::kReflect, ir::MirrorPadMode::kSymmetric}) {
    AddMirrorPad(batch, rng, DType::kFloat32, {1, 70, 64, 12},
                 {0, 0, 3, 2, 1, 4, 0, 0}, mode);
  }
  // Padding on the channel axis too (single-element units).
  AddMirrorPad(batch, rng, DType::kUInt8, {2, 50, 60, 3},
               {1, 1, 2, 2, 2, 2, 1, 2}, ir::MirrorPadMode::kReflect);
  batch.ExpectExact();
}

}  // namespace
}  // namespace mai
