// LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL, NOT_EQUAL (output bool)
// and LOGICAL_AND / LOGICAL_OR, all with broadcasting.
//
// Quantized inputs are compared after rescaling both to a common real scale
// the way TFLite does (offset, << 8, times each input's scale as a Q31
// multiplier), so inputs with different scales compare by real value.
// Int8/uint8 inputs without quantization parameters compare raw values.
#include "backends/ref/binary.h"

namespace mai::backends::ref {
namespace {

template <typename T>
bool Compare(ComparisonOp op, T a, T b) {
  switch (op) {
    case ComparisonOp::kLess:
      return a < b;
    case ComparisonOp::kLessEqual:
      return a <= b;
    case ComparisonOp::kGreater:
      return a > b;
    case ComparisonOp::kGreaterEqual:
      return a >= b;
    case ComparisonOp::kEqual:
      return a == b;
    case ComparisonOp::kNotEqual:
      return a != b;
  }
  return false;
}

const char* ComparisonName(ComparisonOp op) {
  switch (op) {
    case ComparisonOp::kLess:
      return "LESS";
    case ComparisonOp::kLessEqual:
      return "LESS_EQUAL";
    case ComparisonOp::kGreater:
      return "GREATER";
    case ComparisonOp::kGreaterEqual:
      return "GREATER_EQUAL";
    case ComparisonOp::kEqual:
      return "EQUAL";
    case ComparisonOp::kNotEqual:
      return "NOT_EQUAL";
  }
  return "?";
}

Status CheckBinaryArity(const KernelContext& ctx, const char* name) {
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
      !ctx.input(0).present() || !ctx.input(1).present()) {
    return ctx.Error("{} expects 2 inputs and 1 output", name);
  }
  return Status::Ok();
}

class ComparisonKernel final : public OpKernel {
 public:
  explicit ComparisonKernel(ComparisonOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    MAI_RETURN_IF_ERROR(CheckBinaryArity(ctx, ComparisonName(op_)));
    const TensorView& a = ctx.input(0);
    const TensorView& b = ctx.input(1);
    const TensorView& out = ctx.output(0);
    dtype_ = a.dtype();
    if (b.dtype() != dtype_) {
      return ctx.Error("input dtypes differ ({} vs {})", DTypeName(dtype_),
                       DTypeName(b.dtype()));
    }
    if (out.dtype() != DType::kBool) {
      return ctx.Error("output dtype must be bool, is {}",
                       DTypeName(out.dtype()));
    }
    MAI_RETURN_IF_ERROR(plan_.Init(out.shape(), {&a.shape(), &b.shape()})
                            .WithContext(ctx.graph->NodeLabel(ctx.node_index)));
    rescale_ = false;
    switch (dtype_) {
      case DType::kFloat32:
      case DType::kInt16:
      case DType::kInt32:
      case DType::kInt64:
        return Status::Ok();
      case DType::kBool:
        if (op_ == ComparisonOp::kEqual || op_ == ComparisonOp::kNotEqual)
          return Status::Ok();
        return ctx.UnsupportedDType(dtype_);
      case DType::kInt8:
      case DType::kUInt8: {
        if (a.quant().empty() && b.quant().empty()) return Status::Ok();
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, a, "input 0"));
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, b, "input 1"));
        rescale_ = true;
        offset1_ = -a.zero_point();
        offset2_ = -b.zero_point();
        mult1_ = QuantizeMultiplier(static_cast<double>(a.scale()));
        mult2_ = QuantizeMultiplier(static_cast<double>(b.scale()));
        return Status::Ok();
      }
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (dtype_) {
      case DType::kFloat32:
        return Eval<float>(ctx);
      case DType::kInt16:
        return Eval<int16_t>(ctx);
      case DType::kInt32:
        return Eval<int32_t>(ctx);
      case DType::kInt64:
        return Eval<int64_t>(ctx);
      case DType::kBool:
        return EvalBool(ctx);
      case DType::kInt8:
        return rescale_ ? EvalRescaled<int8_t>(ctx) : Eval<int8_t>(ctx);
      case DType::kUInt8:
        return rescale_ ? EvalRescaled<uint8_t>(ctx) : Eval<uint8_t>(ctx);
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  template <typename T>
  Status Eval(const KernelContext& ctx) const {
    const T* a = ctx.input(0).data_as<const T>();
    const T* b = ctx.input(1).data_as<const T>();
    bool* out = ctx.output(0).data_as<bool>();
    const ComparisonOp op = op_;
    ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
      out[o] = Compare(op, a[i[0]], b[i[1]]);
    });
    return Status::Ok();
  }

  // Bool tensors are read as bytes: any non-zero byte is true.
  Status EvalBool(const KernelContext& ctx) const {
    const uint8_t* a = ctx.input(0).data_as<const uint8_t>();
    const uint8_t* b = ctx.input(1).data_as<const uint8_t>();
    bool* out = ctx.output(0).data_as<bool>();
    const ComparisonOp op = op_;
    ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
      out[o] = Compare(op, a[i[0]] != 0, b[i[1]] != 0);
    });
    return Status::Ok();
  }

  template <typename T>
  Status EvalRescaled(const KernelContext& ctx) const {
    const T* a = ctx.input(0).data_as<const T>();
    const T* b = ctx.input(1).data_as<const T>();
    bool* out = ctx.output(0).data_as<bool>();
    constexpr int kLeftShift = 8;
    ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
      const int32_t va = MultiplyByQuantizedMultiplier(
          (offset1_ + a[i[0]]) * (1 << kLeftShift), mult1_);
      const int32_t vb = MultiplyByQuantizedMultiplier(
          (offset2_ + b[i[1]]) * (1 << kLeftShift), mult2_);
      out[o] = Compare(op_, va, vb);
    });
    return Status::Ok();
  }

  ComparisonOp op_;
  DType dtype_ = DType::kFloat32;
  BroadcastPlan<2> plan_;
  bool rescale_ = false;
  int32_t offset1_ = 0;
  int32_t offset2_ = 0;
  QuantizedMultiplier mult1_;
  QuantizedMultiplier mult2_;
};

class LogicalKernel final : public OpKernel {
 public:
  explicit LogicalKernel(LogicalOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    MAI_RETURN_IF_ERROR(CheckBinaryArity(
        ctx, op_ == LogicalOp::kAnd ? "LOGICAL_AND" : "LOGICAL_OR"));
    for (const TensorView* t : {&ctx.input(0), &ctx.input(1), &ctx.output(0)}) {
      if (t->dtype() != DType::kBool) return ctx.UnsupportedDType(t->dtype());
    }
    return plan_
        .Init(ctx.output(0).shape(),
              {&ctx.input(0).shape(), &ctx.input(1).shape()})
        .WithContext(ctx.graph->NodeLabel(ctx.node_index));
  }

  Status Invoke(const KernelContext& ctx) override {
    const uint8_t* a = ctx.input(0).data_as<const uint8_t>();
    const uint8_t* b = ctx.input(1).data_as<const uint8_t>();
    bool* out = ctx.output(0).data_as<bool>();
    if (op_ == LogicalOp::kAnd) {
      ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
        out[o] = a[i[0]] != 0 && b[i[1]] != 0;
      });
    } else {
      ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
        out[o] = a[i[0]] != 0 || b[i[1]] != 0;
      });
    }
    return Status::Ok();
  }

 private:
  LogicalOp op_;
  BroadcastPlan<2> plan_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateComparisonKernel(ComparisonOp op) {
  return std::make_unique<ComparisonKernel>(op);
}

std::unique_ptr<OpKernel> CreateLogicalKernel(LogicalOp op) {
  return std::make_unique<LogicalKernel>(op);
}

}  // namespace mai::backends::ref
