// Reference kernels of the transform family and the helpers they share.
// Each factory returns a fresh kernel; transform_registry.cc registers them.
//
// These ops move bytes, so one kernel serves every fixed-size dtype (float32,
// int8, uint8, int16, int32, int64, bool, and any other 1/2/4/8-byte type):
//   RESHAPE, SQUEEZE, EXPAND_DIMS  copy (a no-op when the planner made the
//                                  output alias the input)
//   TRANSPOSE, SLICE, STRIDED_SLICE  one strided copy (StridedCopyPlan)
//   CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V, GATHER, TILE, FILL
// Exceptions: CONCATENATION requantizes int8/uint8/int16 inputs whose scale
// or zero point differ from the output's (TFLite's ConcatenationWithScaling
// rounding) and applies fused activations (float32, quantized); CAST converts
// between float32, int32, int64, uint8, int8, int16 and bool; SHAPE writes
// int32 or int64.
//
// Kernels read constant inputs (perm, begin, axis, ...) in Prepare; shape
// inference (ir/shapes/transform.cc) already refused non-constant ones.
#ifndef MAI_BACKENDS_REF_TRANSFORM_KERNELS_H_
#define MAI_BACKENDS_REF_TRANSFORM_KERNELS_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backends/kernel.h"
#include "backends/ref/quant_util.h"

namespace mai::backends::ref {

std::unique_ptr<OpKernel> NewReshapeKernel();    // RESHAPE/SQUEEZE/EXPAND_DIMS
std::unique_ptr<OpKernel> NewTransposeKernel();  // transpose.cc
std::unique_ptr<OpKernel> NewConcatenationKernel();  // concat.cc
std::unique_ptr<OpKernel> NewPackKernel();           // pack.cc
std::unique_ptr<OpKernel> NewUnpackKernel();         // pack.cc
std::unique_ptr<OpKernel> NewSplitKernel();          // split.cc (SPLIT)
std::unique_ptr<OpKernel> NewSplitVKernel();         // split.cc (SPLIT_V)
std::unique_ptr<OpKernel> NewSliceKernel();          // slice.cc
std::unique_ptr<OpKernel> NewStridedSliceKernel();   // strided_slice.cc
std::unique_ptr<OpKernel> NewGatherKernel();         // gather.cc
std::unique_ptr<OpKernel> NewTileKernel();           // tile.cc
std::unique_ptr<OpKernel> NewShapeKernel();          // shape_fill.cc
std::unique_ptr<OpKernel> NewFillKernel();           // shape_fill.cc
std::unique_ptr<OpKernel> NewCastKernel();           // cast.cc

// ---- helpers (transform_util.cc) ----

// Element size of a dtype the byte-moving kernels handle (1, 2, 4 or 8
// bytes), or an Unimplemented error naming the op and dtype.
Result<size_t> MovableElementSize(const KernelContext& ctx, DType dtype);

// Values of constant int16/int32/int64 input `i`. Unimplemented when the
// input is not constant, InvalidModel when it is absent or too short.
Result<std::vector<int64_t>> ConstInputInts(const KernelContext& ctx, int i);

// Row-major element strides of `shape`.
std::vector<int64_t> ContiguousStrides(const Shape& shape);

// Product of shape[begin, end) (1 for an empty range).
int64_t DimProduct(const Shape& shape, int begin, int end);

// CONCATENATION's validated layout and requantization (concat.cc), shared
// by the reference and the fast kernel. The output is `outer` steps of the
// inputs' chunks back to back; an input whose quantization differs from the
// output's is requantized with TFLite's ConcatenationWithScaling rule.
struct ConcatRescale {
  bool active = false;
  float scale = 1.0f;
  float bias = 0.0f;
};
struct ConcatPlan {
  DType dtype = DType::kFloat32;
  size_t element_size = 4;
  int axis = 0;
  int64_t outer = 0;
  std::vector<int64_t> chunks;         // elements per outer step, per input
  std::vector<ConcatRescale> rescale;  // per input
  bool any_rescale = false;
  int32_t out_zero_point = 0;
  bool clamp = false;                // a fused activation
  int32_t act_min = 0, act_max = 0;  // its quantized range
  FloatRange float_range;            // its float range
};
Result<ConcatPlan> PlanConcat(const KernelContext& ctx);

// round(q * scale + bias), saturated, plus the output zero point, saturated
// to the dtype (the clamp of a fused activation comes after).
template <typename T>
inline T RequantizeConcatValue(T q, const ConcatRescale& r,
                               const ConcatPlan& plan) {
  const int32_t qmin = QuantMin(plan.dtype), qmax = QuantMax(plan.dtype);
  const float lo = static_cast<float>(qmin - plan.out_zero_point) - 1;
  const float hi = static_cast<float>(qmax - plan.out_zero_point) + 1;
  const float v = std::round(static_cast<float>(q) * r.scale + r.bias);
  const int32_t out =
      static_cast<int32_t>(std::clamp(v, lo, hi)) + plan.out_zero_point;
  return static_cast<T>(std::clamp(out, qmin, qmax));
}

// GATHER's validated geometry (gather.cc), shared by the reference and the
// fast kernel: output rows are batch × outer × coords copies of row_bytes.
struct GatherPlan {
  DType index_dtype = DType::kInt32;
  int64_t batch = 0, outer = 0, axis_size = 0, coords = 0;
  int64_t row_bytes = 0;
};
Result<GatherPlan> PlanGather(const KernelContext& ctx);
// OutOfRange naming the node at the first index outside [0, axis_size).
Status CheckGatherIndices(const KernelContext& ctx, const GatherPlan& plan);

// An N-d gather of elements into a dense output: output element (i_0, ...,
// i_{r-1}) of `shape` is input element base + sum_d i_d * strides[d]
// (strides in elements, possibly negative or zero). Make() drops size-1 dims
// and merges dims that are contiguous in the input, so a plain copy becomes
// one memcpy. Prepare builds it (allocates), Invoke runs it (no allocation).
class StridedCopyPlan {
 public:
  static constexpr int kMaxRank = 16;

  // Error when the merged rank exceeds kMaxRank or the element size is not
  // 1/2/4/8.
  static Result<StridedCopyPlan> Make(size_t element_size, const Shape& shape,
                                      const std::vector<int64_t>& strides,
                                      int64_t base);

  void Run(const void* input, void* output) const;

 private:
  size_t element_size_ = 1;
  bool empty_ = false;
  int64_t base_ = 0;
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
};

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_TRANSFORM_KERNELS_H_
