// ADD, SUB, MUL, MAXIMUM and MINIMUM on float32, split over the session's
// thread pool. XNNPACK's binary operators (2022 snapshot) hand a fully
// contiguous operation to one thread: on 2 threads the face models' ADDs
// took more time than on 1. This kernel covers the shapes real models use
// and declines the rest (XNNPACK's operator then runs them):
//
//   - both inputs of the output's shape;
//   - one input of the output's shape, the other a vector over the last
//     dims (e.g. [C] or [1,1,1,C]: per-channel scale or bias) or a scalar.
//
// Vectors of 16 floats (AVX-512, AVX2 or SSE by target clone); a fused
// activation is a clamp. Every output element is one thread's single
// operation, so results do not depend on the thread count and equal the
// reference kernel's exactly.
#include <algorithm>
#include <cstdint>

#include "backends/ref/quant_util.h"
#include "backends/xnnpack/dispatch_kernel.h"
#include "backends/xnnpack/elementwise_kernels.h"
#include "backends/xnnpack/fast_util.h"
#include "backends/xnnpack/simd_tile.h"

// The vector helpers are always inlined into the target clones.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mai::backends::xnnpack {
namespace {

struct BinaryArgs {
  XnnBinaryOp op = XnnBinaryOp::kAdd;
  const float* a = nullptr;
  const float* b = nullptr;
  float* out = nullptr;
  // Rows of `row_len` output elements; an input with `*_repeats` true has
  // one row of row_len elements used for every row (row_len == 1: scalar).
  int64_t rows = 0, row_len = 0;
  int64_t total = 0;  // output elements
  bool a_repeats = false, b_repeats = false;
  float out_min = 0, out_max = 0;
};

template <typename T>
[[gnu::always_inline]] inline T Apply(XnnBinaryOp op, T x, T y) {
  switch (op) {
    case XnnBinaryOp::kAdd:
      return x + y;
    case XnnBinaryOp::kSub:
      return x - y;
    case XnnBinaryOp::kMul:
      return x * y;
    case XnnBinaryOp::kMaximum:
      return x < y ? y : x;
    case XnnBinaryOp::kMinimum:
      return y < x ? y : x;
    default:
      return x;
  }
}

template <XnnBinaryOp kOp>
[[gnu::always_inline]] inline void RowsImpl(const BinaryArgs& a, int64_t begin,
                                            int64_t end) {
  using simd::Vec16;
  constexpr int V = simd::kLanes;
  const bool scalar_a = a.a_repeats && a.row_len == 1;
  const bool scalar_b = a.b_repeats && a.row_len == 1;
  if (scalar_a || scalar_b || (!a.a_repeats && !a.b_repeats)) {
    // One flat range: rows are only the unit of work splitting.
    const int64_t first = begin * a.row_len;
    const int64_t last = std::min(end * a.row_len, a.total);
    const float sa = scalar_a ? a.a[0] : 0, sb = scalar_b ? a.b[0] : 0;
    int64_t i = first;
    for (; i + V <= last; i += V) {
      const Vec16 x = scalar_a ? Vec16{} + sa : simd::Load(a.a + i);
      const Vec16 y = scalar_b ? Vec16{} + sb : simd::Load(a.b + i);
      simd::Store(a.out + i,
                  simd::Clamp(Apply(kOp, x, y), a.out_min, a.out_max));
    }
    for (; i < last; ++i) {
      const float x = scalar_a ? sa : a.a[i], y = scalar_b ? sb : a.b[i];
      a.out[i] = std::min(std::max(Apply(kOp, x, y), a.out_min), a.out_max);
    }
    return;
  }
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * a.row_len;
    const float* ra = a.a_repeats ? a.a : a.a + base;
    const float* rb = a.b_repeats ? a.b : a.b + base;
    float* ro = a.out + base;
    int64_t i = 0;
    for (; i + V <= a.row_len; i += V) {
      simd::Store(ro + i, simd::Clamp(Apply(kOp, simd::Load(ra + i),
                                            simd::Load(rb + i)),
                                      a.out_min, a.out_max));
    }
    for (; i < a.row_len; ++i) {
      ro[i] =
          std::min(std::max(Apply(kOp, ra[i], rb[i]), a.out_min), a.out_max);
    }
  }
}

__attribute__((target_clones("avx512f", "arch=haswell", "default"))) void
BinaryRows(const BinaryArgs& a, int64_t begin, int64_t end) {
  switch (a.op) {
    case XnnBinaryOp::kAdd:
      return RowsImpl<XnnBinaryOp::kAdd>(a, begin, end);
    case XnnBinaryOp::kSub:
      return RowsImpl<XnnBinaryOp::kSub>(a, begin, end);
    case XnnBinaryOp::kMul:
      return RowsImpl<XnnBinaryOp::kMul>(a, begin, end);
    case XnnBinaryOp::kMaximum:
      return RowsImpl<XnnBinaryOp::kMaximum>(a, begin, end);
    case XnnBinaryOp::kMinimum:
      return RowsImpl<XnnBinaryOp::kMinimum>(a, begin, end);
    default:
      return;
  }
}

// True when `small` (rank <= rank of `full`) equals the last dims of `full`
// after dropping its own leading 1s: it repeats along the other dims.
// Sets `len` to the number of elements it covers.
bool IsTrailingVector(const Shape& small, const Shape& full, int64_t& len) {
  size_t first = 0;
  while (first < small.size() && small[first] == 1) ++first;
  const size_t k = small.size() - first;
  if (k > full.size()) return false;
  len = 1;
  for (size_t i = 0; i < k; ++i) {
    if (small[first + i] != full[full.size() - k + i]) return false;
    len *= small[first + i];
  }
  return true;
}

class FastBinaryKernel final : public OpKernel {
 public:
  explicit FastBinaryKernel(XnnBinaryOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& a = ctx.input(0);
    const TensorView& b = ctx.input(1);
    const TensorView& out = ctx.output(0);
    if (a.dtype() != DType::kFloat32 || b.dtype() != DType::kFloat32 ||
        out.dtype() != DType::kFloat32) {
      return ctx.Unsupported("float32 only");
    }
    ir::Activation activation = ir::Activation::kNone;
    if (const auto* p = ctx.params_if<ir::BinaryParams>()) {
      activation = p->activation;
    }
    MAI_ASSIGN_OR_RETURN(ref::FloatRange range,
                         ref::ActivationRangeFloat(activation));
    BinaryArgs args;
    args.op = op_;
    args.a = static_cast<const float*>(a.data);
    args.b = static_cast<const float*>(b.data);
    args.out = static_cast<float*>(out.data);
    args.out_min = range.min;
    args.out_max = range.max;
    const int64_t n = out.num_elements();
    const Shape& os = out.shape();
    int64_t len = 0;
    if (a.shape() == os && b.shape() == os) {
      args.row_len = std::min<int64_t>(n, 4096);
    } else if (a.shape() == os && IsTrailingVector(b.shape(), os, len)) {
      args.b_repeats = true;
      args.row_len = len;
    } else if (b.shape() == os && IsTrailingVector(a.shape(), os, len)) {
      args.a_repeats = true;
      args.row_len = len;
    } else {
      return ctx.Unsupported("broadcast of {} and {}", ShapeToString(a.shape()),
                             ShapeToString(b.shape()));
    }
    // Same shapes: rows of row_len are only units of work (the last may be
    // short); otherwise every row is complete.
    args.rows = args.row_len > 0 ? (n + args.row_len - 1) / args.row_len : 0;
    args.total = n;
    total_ = n;
    args_ = args;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    if (total_ == 0) return Status::Ok();
    fast::ParallelFor(
        ctx, args_.rows, total_ * 12,
        [this](int64_t begin, int64_t end) { BinaryRows(args_, begin, end); });
    return Status::Ok();
  }

 private:
  XnnBinaryOp op_;
  BinaryArgs args_;
  int64_t total_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastBinaryKernel(XnnBinaryOp op) {
  return std::make_unique<FastBinaryKernel>(op);
}

}  // namespace mai::backends::xnnpack
