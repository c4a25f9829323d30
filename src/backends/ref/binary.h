// Elementwise binary kernels of the reference backend and the NumPy-style
// broadcast iteration they share.
//
// Ops: ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, POW,
// FLOOR_DIV, FLOOR_MOD (binary.cc, quantized paths in binary_quantized.cc),
// PRELU
// (binary_prelu.cc), LESS ... NOT_EQUAL, LOGICAL_AND/OR (comparison.cc),
// SELECT and SELECT_V2 (select.cc).
//
// Broadcasting: shapes are aligned at their last dimension; a dimension of 1
// stretches to the other input's size. Outputs may have up to
// kMaxBroadcastRank dimensions (Prepare returns Unimplemented beyond that).
//
//   BroadcastPlan<2> plan;
//   MAI_RETURN_IF_ERROR(plan.Init(out.shape(), {&a.shape(), &b.shape()}));
//   ForEachBroadcast(plan, [&](int64_t o, const std::array<int64_t, 2>& i) {
//     out_data[o] = a_data[i[0]] + b_data[i[1]];
//   });
//
// Init() runs in Prepare (it validates and may fail); ForEachBroadcast never
// allocates and visits output elements in order.
#ifndef MAI_BACKENDS_REF_BINARY_H_
#define MAI_BACKENDS_REF_BINARY_H_

#include <array>
#include <cstdint>
#include <memory>

#include "backends/kernel.h"
#include "backends/ref/quant_util.h"
#include "core/shape.h"
#include "core/status.h"

namespace mai::backends::ref {

inline constexpr int kMaxBroadcastRank = 6;

// Strides that map an output position to the position in each of N inputs.
// Adjacent dimensions that are contiguous in every input are merged, so the
// common cases (same shapes, scalar operand, per-channel operand) iterate as
// one or two flat loops.
template <int N>
struct BroadcastPlan {
  int rank = 0;  // merged rank, >= 1
  int64_t out_size = 0;
  std::array<int64_t, kMaxBroadcastRank> dims{};
  std::array<std::array<int64_t, kMaxBroadcastRank>, N> strides{};

  // Error when an input does not broadcast to `out` (InvalidModel) or the
  // rank exceeds kMaxBroadcastRank (Unimplemented).
  Status Init(const Shape& out, const std::array<const Shape*, N>& inputs) {
    const int out_rank = static_cast<int>(out.size());
    if (out_rank > kMaxBroadcastRank) {
      return Unimplemented("broadcast of rank {} exceeds the supported rank {}",
                           out_rank, kMaxBroadcastRank);
    }
    // Full-rank dims and strides before merging.
    std::array<int64_t, kMaxBroadcastRank> full_dims{};
    std::array<std::array<int64_t, kMaxBroadcastRank>, N> full_strides{};
    out_size = 1;
    for (int d = 0; d < out_rank; ++d) {
      full_dims[d] = out[d];
      out_size *= out[d];
    }
    for (int k = 0; k < N; ++k) {
      const Shape& in = *inputs[k];
      const int in_rank = static_cast<int>(in.size());
      if (in_rank > out_rank) {
        return InvalidModel("input {} of shape {} does not broadcast to {}", k,
                            ShapeToString(in), ShapeToString(out));
      }
      int64_t stride = 1;
      for (int d = out_rank - 1; d >= 0; --d) {
        const int id = d - (out_rank - in_rank);
        const int64_t in_dim = id >= 0 ? in[id] : 1;
        if (in_dim == full_dims[d]) {
          full_strides[k][d] = in_dim == 1 ? 0 : stride;
        } else if (in_dim == 1) {
          full_strides[k][d] = 0;
        } else {
          return InvalidModel("input {} of shape {} does not broadcast to {}",
                              k, ShapeToString(in), ShapeToString(out));
        }
        stride *= in_dim;
      }
    }
    // Drop size-1 output dims, then merge contiguous neighbours.
    rank = 0;
    for (int d = 0; d < out_rank; ++d) {
      if (full_dims[d] == 1) continue;
      bool merge = rank > 0;
      for (int k = 0; k < N && merge; ++k) {
        const int64_t prev = strides[k][rank - 1];
        const int64_t cur = full_strides[k][d];
        merge =
            (prev == 0 && cur == 0) || (cur != 0 && prev == cur * full_dims[d]);
      }
      if (merge) {
        dims[rank - 1] *= full_dims[d];
        for (int k = 0; k < N; ++k) strides[k][rank - 1] = full_strides[k][d];
      } else {
        dims[rank] = full_dims[d];
        for (int k = 0; k < N; ++k) strides[k][rank] = full_strides[k][d];
        ++rank;
      }
    }
    if (rank == 0) {  // every dim is 1 (or a scalar)
      rank = 1;
      dims[0] = 1;
      for (int k = 0; k < N; ++k) strides[k][0] = 0;
    }
    return Status::Ok();
  }
};

// Calls fn(out_index, in_indices) for every output element in order.
template <int N, typename Fn>
void ForEachBroadcast(const BroadcastPlan<N>& plan, Fn&& fn) {
  if (plan.out_size <= 0) return;
  const int last = plan.rank - 1;
  const int64_t inner = plan.dims[last];
  std::array<int64_t, N> inner_stride;
  for (int k = 0; k < N; ++k) inner_stride[k] = plan.strides[k][last];
  std::array<int64_t, kMaxBroadcastRank> pos{};
  std::array<int64_t, N> base{};
  int64_t out = 0;
  while (true) {
    std::array<int64_t, N> idx = base;
    for (int64_t j = 0; j < inner; ++j) {
      fn(out++, idx);
      for (int k = 0; k < N; ++k) idx[k] += inner_stride[k];
    }
    int d = last - 1;
    for (; d >= 0; --d) {
      ++pos[d];
      for (int k = 0; k < N; ++k) base[k] += plan.strides[k][d];
      if (pos[d] < plan.dims[d]) break;
      for (int k = 0; k < N; ++k) base[k] -= plan.strides[k][d] * plan.dims[d];
      pos[d] = 0;
    }
    if (d < 0) return;
  }
}

// Arithmetic ops with broadcasting (binary.cc).
enum class ArithmeticOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMaximum,
  kMinimum,
  kSquaredDifference,
  kPow,
  kFloorDiv,
  kFloorMod,
};
std::unique_ptr<OpKernel> CreateArithmeticKernel(ArithmeticOp op);

// PRELU (binary_prelu.cc).
std::unique_ptr<OpKernel> CreatePreluKernel();

// Comparisons (output bool) and logical AND/OR (comparison.cc).
enum class ComparisonOp {
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kEqual,
  kNotEqual
};
std::unique_ptr<OpKernel> CreateComparisonKernel(ComparisonOp op);
enum class LogicalOp { kAnd, kOr };
std::unique_ptr<OpKernel> CreateLogicalKernel(LogicalOp op);

// SELECT (v1: same shapes, scalar or rank-1 condition) and SELECT_V2
// (three-way broadcast) (select.cc).
std::unique_ptr<OpKernel> CreateSelectKernel(bool broadcast_v2);

// --- quantized arithmetic (binary_quantized.cc) ------------------------------
// TFLite's fixed-point semantics for int8/uint8 ADD, SUB, MUL, DIV and int8
// SQUARED_DIFFERENCE. The
// parameters are computed in Prepare with TFLite's float/double mix so that
// multipliers agree bit for bit.
struct QuantizedArithmetic {
  int32_t input1_offset = 0;  // -zero_point
  int32_t input2_offset = 0;
  int32_t output_offset = 0;  // +zero_point
  int left_shift = 0;         // ADD/SUB: 20, SQUARED_DIFFERENCE: 7
  QuantizedMultiplier input1;
  QuantizedMultiplier input2;
  QuantizedMultiplier output;
  int32_t act_min = 0;
  int32_t act_max = 0;
};

// Checks per-tensor quantization of the three tensors and fills the
// parameters for `op` (kAdd, kSub, kMul, kDiv or kSquaredDifference).
Result<QuantizedArithmetic> PrepareQuantizedArithmetic(
    ArithmeticOp op, const TensorView& input1, const TensorView& input2,
    const TensorView& output, ir::Activation activation);

inline int32_t QuantizedAddSub(const QuantizedArithmetic& p, int32_t a,
                               int32_t b, bool subtract) {
  const int32_t shifted1 = (p.input1_offset + a) * (1 << p.left_shift);
  const int32_t shifted2 = (p.input2_offset + b) * (1 << p.left_shift);
  const int32_t scaled1 = MultiplyByQuantizedMultiplier(shifted1, p.input1);
  const int32_t scaled2 = MultiplyByQuantizedMultiplier(shifted2, p.input2);
  const int32_t raw = subtract ? scaled1 - scaled2 : scaled1 + scaled2;
  const int32_t out =
      MultiplyByQuantizedMultiplier(raw, p.output) + p.output_offset;
  return std::min(std::max(out, p.act_min), p.act_max);
}

// Both inputs on a common scale with 7 bits of headroom, the difference
// squared in int32, then rescaled to the output.
inline int32_t QuantizedSquaredDifference(const QuantizedArithmetic& p,
                                          int32_t a, int32_t b) {
  const int32_t scaled1 = MultiplyByQuantizedMultiplier(
      (p.input1_offset + a) * (1 << p.left_shift), p.input1);
  const int32_t scaled2 = MultiplyByQuantizedMultiplier(
      (p.input2_offset + b) * (1 << p.left_shift), p.input2);
  const int32_t diff = scaled1 - scaled2;
  const int32_t out =
      MultiplyByQuantizedMultiplier(diff * diff, p.output) + p.output_offset;
  return std::min(std::max(out, p.act_min), p.act_max);
}

inline int32_t QuantizedMul(const QuantizedArithmetic& p, int32_t a,
                            int32_t b) {
  const int32_t product = (p.input1_offset + a) * (p.input2_offset + b);
  const int32_t out =
      MultiplyByQuantizedMultiplier(product, p.output) + p.output_offset;
  return std::min(std::max(out, p.act_min), p.act_max);
}

// Quantized division with gemmlowp's fixed-point reciprocal. `b` must not
// be the divisor's zero point (the caller checks).
int32_t QuantizedDiv(const QuantizedArithmetic& p, int32_t a, int32_t b);

// Checks that a quantized tensor has per-tensor quantization parameters.
Status CheckPerTensorQuant(const KernelContext& ctx, const TensorView& t,
                           const char* what);

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_BINARY_H_
