// BATCH_MATMUL: out[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n], with
// adj_x / adj_y transposing the last two dims of lhs / rhs and NumPy
// broadcasting of the batch dims (ranks 2 to 5). float32 and int8
// (per-tensor; out = requantize(sum (l - zl) * (r - zr))).
#include <array>

#include "backends/ref/conv_util.h"

namespace mai::backends::ref {
namespace {

constexpr int kMaxBatchDims = 3;

struct MatMulGeometry {
  int m = 0, n = 0, k = 0;
  bool adj_x = false, adj_y = false;
  // Output batch dims, right-aligned in kMaxBatchDims slots, and the element
  // stride of each slot in lhs / rhs (0 where that operand broadcasts).
  std::array<int32_t, kMaxBatchDims> dims{1, 1, 1};
  std::array<int64_t, kMaxBatchDims> lhs_stride{0, 0, 0};
  std::array<int64_t, kMaxBatchDims> rhs_stride{0, 0, 0};

  // Calls fn(lhs_offset, rhs_offset, out_offset) for every output matrix.
  template <typename Fn>
  void ForEachBatch(Fn&& fn) const {
    const int64_t out_size = static_cast<int64_t>(m) * n;
    int64_t out_offset = 0;
    for (int i0 = 0; i0 < dims[0]; ++i0) {
      for (int i1 = 0; i1 < dims[1]; ++i1) {
        for (int i2 = 0; i2 < dims[2]; ++i2) {
          fn(i0 * lhs_stride[0] + i1 * lhs_stride[1] + i2 * lhs_stride[2],
             i0 * rhs_stride[0] + i1 * rhs_stride[1] + i2 * rhs_stride[2],
             out_offset);
          out_offset += out_size;
        }
      }
    }
  }
};

// Element strides of the batch slots of `shape` (rank >= 2) broadcast
// against `out_dims`.
std::array<int64_t, kMaxBatchDims> BatchStrides(
    const Shape& shape, const std::array<int32_t, kMaxBatchDims>& out_dims) {
  std::array<int64_t, kMaxBatchDims> strides{0, 0, 0};
  const int rank = static_cast<int>(shape.size());
  int64_t stride = static_cast<int64_t>(shape[rank - 1]) * shape[rank - 2];
  for (int slot = kMaxBatchDims - 1, d = rank - 3; slot >= 0 && d >= 0;
       --slot, --d) {
    strides[slot] = (shape[d] == 1 && out_dims[slot] != 1) ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}

template <typename T, typename Acc, typename Store>
void MatMul(const MatMulGeometry& g, const T* lhs, const T* rhs, Acc lhs_offset,
            Acc rhs_offset, Store&& store) {
  g.ForEachBatch([&](int64_t lo, int64_t ro, int64_t oo) {
    const T* l = lhs + lo;
    const T* r = rhs + ro;
    for (int i = 0; i < g.m; ++i) {
      for (int j = 0; j < g.n; ++j) {
        Acc acc = 0;
        for (int k = 0; k < g.k; ++k) {
          const Acc a =
              static_cast<Acc>(g.adj_x ? l[static_cast<int64_t>(k) * g.m + i]
                                       : l[static_cast<int64_t>(i) * g.k + k]);
          const Acc b =
              static_cast<Acc>(g.adj_y ? r[static_cast<int64_t>(j) * g.k + k]
                                       : r[static_cast<int64_t>(k) * g.n + j]);
          acc += (a + lhs_offset) * (b + rhs_offset);
        }
        store(oo + static_cast<int64_t>(i) * g.n + j, acc);
      }
    }
  });
}

class BatchMatMulKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::BatchMatMulParams>();
    if (p == nullptr) return ctx.Error("missing BatchMatMulOptions");
    const TensorView& lhs = ctx.input(0);
    const TensorView& rhs = ctx.input(1);
    const TensorView& output = ctx.output(0);
    const int rl = lhs.rank(), rr = rhs.rank(), ro = output.rank();
    if (rl < 2 || rl > 5 || rr < 2 || rr > 5 || ro != std::max(rl, rr)) {
      return ctx.Error("operands must have rank 2 to 5");
    }
    MatMulGeometry& g = geometry_;
    g = MatMulGeometry();
    g.adj_x = p->adj_x;
    g.adj_y = p->adj_y;
    g.m = p->adj_x ? lhs.dim(rl - 1) : lhs.dim(rl - 2);
    g.k = p->adj_x ? lhs.dim(rl - 2) : lhs.dim(rl - 1);
    g.n = p->adj_y ? rhs.dim(rr - 2) : rhs.dim(rr - 1);
    const int k_rhs = p->adj_y ? rhs.dim(rr - 1) : rhs.dim(rr - 2);
    if (k_rhs != g.k || output.dim(ro - 2) != g.m ||
        output.dim(ro - 1) != g.n) {
      return ctx.Error("shapes {} x {} -> {} do not multiply",
                       ShapeToString(lhs.shape()), ShapeToString(rhs.shape()),
                       ShapeToString(output.shape()));
    }
    for (int slot = kMaxBatchDims - 1, d = ro - 3; slot >= 0 && d >= 0;
         --slot, --d) {
      g.dims[slot] = output.dim(d);
      const int dl = d - (ro - rl), dr = d - (ro - rr);
      const int32_t a = dl >= 0 ? lhs.dim(dl) : 1;
      const int32_t b = dr >= 0 ? rhs.dim(dr) : 1;
      if ((a != g.dims[slot] && a != 1) || (b != g.dims[slot] && b != 1)) {
        return ctx.Error("batch dimensions of {} and {} do not broadcast to {}",
                         ShapeToString(lhs.shape()), ShapeToString(rhs.shape()),
                         ShapeToString(output.shape()));
      }
    }
    g.lhs_stride = BatchStrides(lhs.shape(), g.dims);
    g.rhs_stride = BatchStrides(rhs.shape(), g.dims);

    dtype_ = lhs.dtype();
    if (rhs.dtype() != dtype_ || output.dtype() != dtype_) {
      return ctx.Unsupported("operands {} x {} -> {} are not supported",
                             DTypeName(dtype_), DTypeName(rhs.dtype()),
                             DTypeName(output.dtype()));
    }
    if (dtype_ == DType::kFloat32) return Status::Ok();
    if (dtype_ != DType::kInt8) return ctx.UnsupportedDType(dtype_);
    if (lhs.quant().empty() || rhs.quant().empty() || output.quant().empty()) {
      return ctx.Error("int8 operands need quantization scales");
    }
    if (rhs.quant().scale.size() != 1 || lhs.quant().scale.size() != 1) {
      return ctx.Unsupported("per-channel operands are not supported");
    }
    const double ls = lhs.scale(), rs = rhs.scale(), os = output.scale();
    if (!(ls > 0) || !(rs > 0) || !(os > 0)) {
      return ctx.Error("invalid scales {} {} {}", ls, rs, os);
    }
    lhs_offset_ = -lhs.zero_point();
    rhs_offset_ = -rhs.zero_point();
    output_offset_ = output.zero_point();
    multiplier_ = QuantizeMultiplier(ls * rs / os);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& lhs = ctx.input(0);
    const TensorView& rhs = ctx.input(1);
    const TensorView& output = ctx.output(0);
    if (dtype_ == DType::kFloat32) {
      float* out = output.data_as<float>();
      MatMul<float, float>(geometry_, lhs.data_as<const float>(),
                           rhs.data_as<const float>(), 0.0f, 0.0f,
                           [&](int64_t i, float acc) { out[i] = acc; });
      return Status::Ok();
    }
    int8_t* out = output.data_as<int8_t>();
    MatMul<int8_t, int64_t>(
        geometry_, lhs.data_as<const int8_t>(), rhs.data_as<const int8_t>(),
        lhs_offset_, rhs_offset_, [&](int64_t i, int64_t acc) {
          int32_t v = MultiplyByQuantizedMultiplier(static_cast<int32_t>(acc),
                                                    multiplier_) +
                      output_offset_;
          out[i] = static_cast<int8_t>(std::min(std::max(v, -128), 127));
        });
    return Status::Ok();
  }

 private:
  MatMulGeometry geometry_;
  DType dtype_ = DType::kFloat32;
  int32_t lhs_offset_ = 0, rhs_offset_ = 0, output_offset_ = 0;
  QuantizedMultiplier multiplier_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateBatchMatMulKernel() {
  return std::make_unique<BatchMatMulKernel>();
}

}  // namespace mai::backends::ref
