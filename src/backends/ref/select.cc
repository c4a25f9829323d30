// SELECT and SELECT_V2: out = cond ? x : y, for any fixed-size dtype
// (values are copied bit for bit; quantized x/y are not rescaled, as in
// TFLite).
//
// SELECT_V2 broadcasts cond, x and y against each other. SELECT (v1) needs
// x and y of the same shape and a condition that has that shape, is a
// scalar, or is rank 1 and selects whole slices along dimension 0.
#include "backends/ref/binary.h"

namespace mai::backends::ref {
namespace {

class SelectKernel final : public OpKernel {
 public:
  explicit SelectKernel(bool broadcast_v2) : v2_(broadcast_v2) {}

  Status Prepare(const KernelContext& ctx) override {
    const char* name = v2_ ? "SELECT_V2" : "SELECT";
    if (ctx.num_inputs() != 3 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present() || !ctx.input(1).present() ||
        !ctx.input(2).present()) {
      return ctx.Error("{} expects 3 inputs and 1 output", name);
    }
    const TensorView& cond = ctx.input(0);
    const TensorView& x = ctx.input(1);
    const TensorView& y = ctx.input(2);
    const TensorView& out = ctx.output(0);
    if (cond.dtype() != DType::kBool) {
      return ctx.Error("condition dtype must be bool, is {}",
                       DTypeName(cond.dtype()));
    }
    if (x.dtype() != y.dtype() || out.dtype() != x.dtype()) {
      return ctx.Error("x, y and output dtypes differ");
    }
    element_size_ = DTypeSize(x.dtype());
    if (element_size_ != 1 && element_size_ != 2 && element_size_ != 4 &&
        element_size_ != 8) {
      return ctx.UnsupportedDType(x.dtype());
    }
    Shape cond_shape = cond.shape();
    if (!v2_ && cond.shape() != x.shape()) {
      if (x.shape() != y.shape())
        return ctx.Error("SELECT needs x and y of the same shape");
      if (cond.rank() == 1 && x.rank() >= 1 && cond.dim(0) == x.dim(0)) {
        cond_shape.resize(x.rank(), 1);  // [n] selects slices: [n, 1, ..., 1]
      } else if (cond.rank() != 0) {
        return ctx.Error(
            "SELECT condition of shape {} must match x {}, be a scalar or be "
            "rank 1",
            ShapeToString(cond.shape()), ShapeToString(x.shape()));
      }
    }
    return plan_.Init(out.shape(), {&cond_shape, &x.shape(), &y.shape()})
        .WithContext(ctx.graph->NodeLabel(ctx.node_index));
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (element_size_) {
      case 1:
        Eval<uint8_t>(ctx);
        break;
      case 2:
        Eval<uint16_t>(ctx);
        break;
      case 4:
        Eval<uint32_t>(ctx);
        break;
      default:
        Eval<uint64_t>(ctx);
        break;
    }
    return Status::Ok();
  }

 private:
  template <typename T>
  void Eval(const KernelContext& ctx) const {
    const uint8_t* cond = ctx.input(0).data_as<const uint8_t>();
    const T* x = ctx.input(1).data_as<const T>();
    const T* y = ctx.input(2).data_as<const T>();
    T* out = ctx.output(0).data_as<T>();
    ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 3>& i) {
      out[o] = cond[i[0]] != 0 ? x[i[1]] : y[i[2]];
    });
  }

  bool v2_;
  size_t element_size_ = 4;
  BroadcastPlan<3> plan_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateSelectKernel(bool broadcast_v2) {
  return std::make_unique<SelectKernel>(broadcast_v2);
}

}  // namespace mai::backends::ref
