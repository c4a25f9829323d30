// MEAN, SUM, REDUCE_MAX, REDUCE_MIN over one contiguous block of axes.
//
// Once size-1 dims are ignored and neighbouring dims of the same kind are
// merged, the input is [outer, reduced, inner] (outer and inner may be 1):
// the spatial axes [1, 2] of NHWC give [N, H*W, C], the last axis gives
// [rows, n, 1]. With inner > 1 the kernel accumulates whole channel blocks
// row after row (contiguous, vectorized); with inner == 1 it reduces each
// row in 16 independent lanes. Float sums are accumulated in float, in
// chunks to bound the rounding error; int8/uint8 sums in 32 bits, finished
// exactly as the reference kernel does. Threads split the outputs, never an
// accumulation, so any thread count gives the same bytes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

enum class Reducer { kSum, kMax, kMin };

constexpr int64_t kBlock = 128;  // channels per work item (inner > 1)
constexpr int64_t kChunk = 256;  // rows per float partial sum
constexpr int64_t kLanes = 16;   // independent accumulators (inner == 1)

template <Reducer R, typename Acc>
inline Acc Combine(Acc acc, Acc x) {
  if constexpr (R == Reducer::kSum) {
    return acc + x;
  } else if constexpr (R == Reducer::kMax) {
    return x > acc ? x : acc;
  } else {
    return x < acc ? x : acc;
  }
}

// out[c] = reduction over r < rows of x[r * stride + c], for c < n <= kBlock.
template <Reducer R, typename T, typename Acc>
void ReduceColumns(const T* x, int64_t rows, int64_t stride, int64_t n,
                   Acc init, Acc* out) {
  Acc total[kBlock];
  for (int64_t c = 0; c < n; ++c) total[c] = init;
  if constexpr (R == Reducer::kSum && std::is_floating_point_v<Acc>) {
    for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
      const int64_t r1 = std::min(rows, r0 + kChunk);
      Acc part[kBlock];
      for (int64_t c = 0; c < n; ++c) part[c] = Acc{0};
      for (int64_t r = r0; r < r1; ++r) {
        const T* __restrict row = x + r * stride;
        for (int64_t c = 0; c < n; ++c) part[c] += static_cast<Acc>(row[c]);
      }
      for (int64_t c = 0; c < n; ++c) total[c] += part[c];
    }
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      const T* __restrict row = x + r * stride;
      for (int64_t c = 0; c < n; ++c) {
        total[c] = Combine<R, Acc>(total[c], static_cast<Acc>(row[c]));
      }
    }
  }
  for (int64_t c = 0; c < n; ++c) out[c] = total[c];
}

// Reduction of the contiguous x[0, n).
template <Reducer R, typename T, typename Acc>
Acc ReduceRow(const T* __restrict x, int64_t n, Acc init) {
  constexpr bool kFloatSum =
      R == Reducer::kSum && std::is_floating_point_v<Acc>;
  // Float sums restart their lanes every chunk; other reductions run once.
  const int64_t chunk = kFloatSum ? kChunk * kLanes : std::max<int64_t>(n, 1);
  Acc total = init;
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t i1 = std::min(n, i0 + chunk);
    Acc lanes[kLanes];
    for (int64_t j = 0; j < kLanes; ++j) lanes[j] = kFloatSum ? Acc{0} : init;
    int64_t i = i0;
    for (; i + kLanes <= i1; i += kLanes) {
      for (int64_t j = 0; j < kLanes; ++j) {
        lanes[j] = Combine<R, Acc>(lanes[j], static_cast<Acc>(x[i + j]));
      }
    }
    for (; i < i1; ++i) {
      lanes[0] = Combine<R, Acc>(lanes[0], static_cast<Acc>(x[i]));
    }
    for (int64_t width = kLanes / 2; width > 0; width /= 2) {
      for (int64_t j = 0; j < width; ++j) {
        lanes[j] = Combine<R, Acc>(lanes[j], lanes[j + width]);
      }
    }
    total = Combine<R, Acc>(total, lanes[0]);
  }
  return total;
}

class FastReduceKernel : public OpKernel {
 public:
  explicit FastReduceKernel(ir::OpCode op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    dtype_ = in.dtype();
    if (out.dtype() != dtype_) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(dtype_));
    }
    switch (op_) {
      case ir::OpCode::kMean:
      case ir::OpCode::kSum:
        reducer_ = Reducer::kSum;
        break;
      case ir::OpCode::kReduceMax:
        reducer_ = Reducer::kMax;
        break;
      case ir::OpCode::kReduceMin:
        reducer_ = Reducer::kMin;
        break;
      default:
        return ctx.Unsupported("not a supported reduction");
    }
    MAI_RETURN_IF_ERROR(ResolveLayout(ctx, in));
    if (out.num_elements() != outer_ * inner_) {
      return ctx.Error("output shape {} does not match the reduced input",
                       ShapeToString(out.shape()));
    }
    return PrepareDType(ctx, in, out);
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (outer_ * inner_ == 0) return Status::Ok();
    if (copy_) {
      std::memcpy(out.data, in.data, in.num_elements() * DTypeSize(dtype_));
      return Status::Ok();
    }
    switch (dtype_) {
      case DType::kFloat32:
        return Dispatch<float>(ctx, in, out);
      case DType::kInt8:
        return Dispatch<int8_t>(ctx, in, out);
      default:
        return Dispatch<uint8_t>(ctx, in, out);
    }
  }

 private:
  enum class Finish {
    kNone,           // the accumulator as is
    kMeanFloat,      // float sum / count
    kRawInt,         // wrapped to the element type
    kSumRequant,     // requantized sum
    kMeanSameQuant,  // sum / count, truncated
    kMeanRequant,    // requantized mean
  };

  // [outer, reduced, inner] from the constant axes, or Unimplemented.
  Status ResolveLayout(const KernelContext& ctx, const TensorView& in) {
    const int rank = in.rank();
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> axes,
                         ref::ConstInputInts(ctx, 1));
    std::vector<bool> reduced(rank, false);
    if (rank == 0) axes.clear();  // a scalar reduces to itself
    for (int64_t a : axes) {
      const int d = fast::NormalizeAxis(a, rank);
      if (d < 0) {
        return ctx.Error("axis {} is out of range for rank {}", a, rank);
      }
      reduced[d] = true;
    }
    count_ = 1;
    for (int d = 0; d < rank; ++d) {
      if (reduced[d]) count_ *= in.dim(d);
    }
    // Groups of same-kind dims, size-1 dims ignored.
    std::vector<bool> kinds;
    std::vector<int64_t> sizes;
    for (int d = 0; d < rank; ++d) {
      if (in.dim(d) == 1) continue;
      if (!kinds.empty() && kinds.back() == reduced[d]) {
        sizes.back() *= in.dim(d);
      } else {
        kinds.push_back(reduced[d]);
        sizes.push_back(in.dim(d));
      }
    }
    outer_ = 1;
    reduced_ = 1;
    inner_ = 1;
    size_t g = 0;
    if (g < kinds.size() && !kinds[g]) outer_ = sizes[g++];
    if (g < kinds.size() && kinds[g]) reduced_ = sizes[g++];
    if (g < kinds.size() && !kinds[g]) inner_ = sizes[g++];
    if (g != kinds.size()) {
      return ctx.Unsupported(
          "reduced axes do not form one contiguous block of {}",
          ShapeToString(in.shape()));
    }
    return Status::Ok();
  }

  Status PrepareDType(const KernelContext& ctx, const TensorView& in,
                      const TensorView& out) {
    copy_ = false;
    const bool mean = op_ == ir::OpCode::kMean;
    if (dtype_ == DType::kFloat32) {
      finish_ = mean ? Finish::kMeanFloat : Finish::kNone;
      copy_ = count_ == 1;
      return Status::Ok();
    }
    if (dtype_ != DType::kInt8 && dtype_ != DType::kUInt8) {
      return ctx.UnsupportedDType(dtype_);
    }
    const bool quantized = !in.quant().empty() && !out.quant().empty();
    const bool same = quantized && in.scale() == out.scale() &&
                      in.zero_point() == out.zero_point();
    if (quantized) {
      in_zp_ = in.zero_point();
      out_zp_ = out.zero_point();
      scale_ = in.scale() / out.scale();
      if (!(in.scale() > 0.0f) || !(out.scale() > 0.0f)) {
        return ctx.Unsupported("quantization scales must be positive");
      }
    }
    if (reducer_ != Reducer::kSum) {
      if (quantized && !same) {
        return ctx.Unsupported(
            "input and output quantization must be equal for {}",
            ctx.node->OpName());
      }
      finish_ = Finish::kRawInt;
    } else if (mean) {
      if (!quantized) return ctx.Unsupported("quantized MEAN needs scales");
      finish_ = same ? Finish::kMeanSameQuant : Finish::kMeanRequant;
    } else {
      finish_ = (!quantized || same) ? Finish::kRawInt : Finish::kSumRequant;
    }
    copy_ = count_ == 1 && finish_ == Finish::kRawInt;
    return Status::Ok();
  }

  template <typename T>
  Status Dispatch(const KernelContext& ctx, const TensorView& in,
                  const TensorView& out) {
    using Wide = std::conditional_t<std::is_same_v<T, float>, float, int32_t>;
    // Integer sums wrap in 32 bits (unsigned, so wrapping is defined).
    using SumAcc =
        std::conditional_t<std::is_same_v<T, float>, float, uint32_t>;
    switch (reducer_) {
      case Reducer::kSum:
        Run<Reducer::kSum, T, SumAcc>(ctx, in, out, SumAcc{0});
        break;
      case Reducer::kMax:
        Run<Reducer::kMax, T, Wide>(
            ctx, in, out,
            std::is_same_v<T, float>
                ? static_cast<Wide>(-std::numeric_limits<float>::max())
                : static_cast<Wide>(std::numeric_limits<T>::lowest()));
        break;
      case Reducer::kMin:
        Run<Reducer::kMin, T, Wide>(
            ctx, in, out, static_cast<Wide>(std::numeric_limits<T>::max()));
        break;
    }
    return Status::Ok();
  }

  template <Reducer R, typename T, typename Acc>
  void Run(const KernelContext& ctx, const TensorView& in,
           const TensorView& out, Acc init) const {
    const T* x = in.data_as<const T>();
    T* y = out.data_as<T>();
    const int64_t work = in.num_elements() * static_cast<int64_t>(sizeof(T));
    if (inner_ == 1) {
      fast::ParallelFor(ctx, outer_, work, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) {
          y[o] = FinishValue<T>(
              ReduceRow<R, T, Acc>(x + o * reduced_, reduced_, init));
        }
      });
      return;
    }
    const int64_t blocks = (inner_ + kBlock - 1) / kBlock;
    fast::ParallelFor(
        ctx, outer_ * blocks, work, [&](int64_t begin, int64_t end) {
          Acc acc[kBlock];
          for (int64_t q = begin; q < end; ++q) {
            const int64_t o = q / blocks;
            const int64_t c0 = (q % blocks) * kBlock;
            const int64_t n = std::min(kBlock, inner_ - c0);
            ReduceColumns<R, T, Acc>(x + o * reduced_ * inner_ + c0, reduced_,
                                     inner_, n, init, acc);
            T* dst = y + o * inner_ + c0;
            for (int64_t c = 0; c < n; ++c) dst[c] = FinishValue<T>(acc[c]);
          }
        });
  }

  // The output value of one accumulator, as the reference computes it.
  template <typename T, typename Acc>
  T FinishValue(Acc acc) const {
    if constexpr (std::is_same_v<T, float>) {
      if (finish_ == Finish::kMeanFloat) {
        return count_ == 0 ? std::numeric_limits<float>::quiet_NaN()
                           : acc / static_cast<float>(count_);
      }
      return acc;
    } else {
      constexpr int32_t kMin = std::numeric_limits<T>::min();
      constexpr int32_t kMax = std::numeric_limits<T>::max();
      const int32_t sum = static_cast<int32_t>(acc);
      switch (finish_) {
        case Finish::kSumRequant: {
          if (count_ == 0) return T{0};
          const float count = static_cast<float>(count_);
          const float bias = -static_cast<float>(in_zp_) * scale_ * count;
          const int32_t v = static_cast<int32_t>(std::round(
                                static_cast<float>(sum) * scale_ + bias)) +
                            out_zp_;
          return static_cast<T>(v);
        }
        case Finish::kMeanSameQuant:
          if (count_ == 0) return T{0};
          return static_cast<T>(sum / static_cast<int32_t>(count_));
        case Finish::kMeanRequant: {
          if (count_ == 0) return T{0};
          const float bias = -static_cast<float>(in_zp_) * scale_;
          const float mean =
              static_cast<float>(sum) / static_cast<float>(count_);
          const float r =
              std::round(mean * scale_ + bias) + static_cast<float>(out_zp_);
          return static_cast<T>(std::clamp(r, static_cast<float>(kMin),
                                           static_cast<float>(kMax)));
        }
        default:
          return static_cast<T>(sum);
      }
    }
  }

  ir::OpCode op_;
  Reducer reducer_ = Reducer::kSum;
  DType dtype_ = DType::kFloat32;
  Finish finish_ = Finish::kNone;
  bool copy_ = false;
  int64_t outer_ = 1, reduced_ = 1, inner_ = 1;
  int64_t count_ = 1;  // input elements per output
  int32_t in_zp_ = 0, out_zp_ = 0;
  float scale_ = 1.0f;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastReduceKernel(ir::OpCode op) {
  return std::make_unique<FastReduceKernel>(op);
}

}  // namespace mai::backends::xnnpack
