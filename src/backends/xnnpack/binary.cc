// ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE and PRELU on
// XNNPACK's operator API.
#include "backends/ref/binary.h"

#include <xnnpack.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/ref/quant_util.h"
#include "backends/xnnpack/elementwise_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

const char* BinaryName(XnnBinaryOp op) {
  switch (op) {
    case XnnBinaryOp::kAdd:
      return "ADD";
    case XnnBinaryOp::kSub:
      return "SUB";
    case XnnBinaryOp::kMul:
      return "MUL";
    case XnnBinaryOp::kDiv:
      return "DIV";
    case XnnBinaryOp::kMaximum:
      return "MAXIMUM";
    case XnnBinaryOp::kMinimum:
      return "MINIMUM";
    case XnnBinaryOp::kSquaredDifference:
      return "SQUARED_DIFFERENCE";
  }
  return "?";
}

bool HasFusedActivation(XnnBinaryOp op) {
  return op == XnnBinaryOp::kAdd || op == XnnBinaryOp::kSub ||
         op == XnnBinaryOp::kMul || op == XnnBinaryOp::kDiv;
}

// A tensor shape as XNNPACK takes it (a scalar as one dimension of 1).
struct XnnShape {
  size_t rank = 0;
  std::array<size_t, XNN_MAX_TENSOR_DIMS> dims{};
};

XnnShape ToXnnShape(const Shape& shape) {
  XnnShape s;
  if (shape.empty()) {
    s.rank = 1;
    s.dims[0] = 1;
    return s;
  }
  s.rank = shape.size();
  for (size_t d = 0; d < shape.size(); ++d) {
    s.dims[d] = static_cast<size_t>(shape[d]);
  }
  return s;
}

// NumPy broadcast of two shapes; false when they are incompatible.
bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  const size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return false;
    (*out)[rank - 1 - i] = static_cast<int32_t>(da == 1 ? db : da);
  }
  return true;
}

// A copy of constant bytes followed by XNN_EXTRA_BYTES of slack: XNNPACK's
// binary micro-kernels may read up to XNN_EXTRA_BYTES past the end of an
// operand, and constants point into the memory-mapped model file, whose end
// may be the end of a mapping.
class PaddedConstant {
 public:
  const void* Assign(const void* data, size_t bytes) {
    buffer_.assign(bytes + XNN_EXTRA_BYTES, 0);
    if (bytes != 0) std::memcpy(buffer_.data(), data, bytes);
    return buffer_.data();
  }
  void Clear() { buffer_.clear(); }

 private:
  std::vector<uint8_t> buffer_;
};

using SetupF32 = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t,
                                const size_t*, const float*, const float*,
                                float*, pthreadpool_t);
using SetupQs8 = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t,
                                const size_t*, const int8_t*, const int8_t*,
                                int8_t*, pthreadpool_t);
using SetupQu8 = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t,
                                const size_t*, const uint8_t*, const uint8_t*,
                                uint8_t*, pthreadpool_t);

class BinaryKernel final : public OpKernel {
 public:
  explicit BinaryKernel(XnnBinaryOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    constant_a_.Clear();
    constant_b_.Clear();
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present() || !ctx.input(1).present()) {
      return ctx.Error("{} expects 2 inputs and 1 output", BinaryName(op_));
    }
    const TensorView& a = ctx.input(0);
    const TensorView& b = ctx.input(1);
    const TensorView& out = ctx.output(0);
    const DType dtype = a.dtype();
    if (b.dtype() != dtype || out.dtype() != dtype) {
      return ctx.Error("input and output dtypes differ ({}, {} -> {})",
                       DTypeName(a.dtype()), DTypeName(b.dtype()),
                       DTypeName(out.dtype()));
    }
    Shape expected;
    if (!BroadcastShapes(a.shape(), b.shape(), &expected) ||
        expected != out.shape()) {
      return ctx.Error("inputs {} and {} do not broadcast to the output {}",
                       ShapeToString(a.shape()), ShapeToString(b.shape()),
                       ShapeToString(out.shape()));
    }
    if (out.rank() > XNN_MAX_TENSOR_DIMS) {
      return ctx.Unsupported("rank {} exceeds XNNPACK's {} dimensions",
                             out.rank(), XNN_MAX_TENSOR_DIMS);
    }
    ir::Activation activation = ir::Activation::kNone;
    if (HasFusedActivation(op_)) {
      if (const auto* p = ctx.params_if<ir::BinaryParams>())
        activation = p->activation;
    }
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (out.num_elements() == 0) return Status::Ok();
    shape_a_ = ToXnnShape(a.shape());
    shape_b_ = ToXnnShape(b.shape());
    data_a_ =
        a.tensor->is_constant() ? constant_a_.Assign(a.data, a.bytes) : a.data;
    data_b_ =
        b.tensor->is_constant() ? constant_b_.Assign(b.data, b.bytes) : b.data;
    switch (dtype) {
      case DType::kFloat32:
        return PrepareFloat(ctx, activation);
      case DType::kInt8:
      case DType::kUInt8:
        return PrepareQuantized(ctx, activation);
      default:
        return ctx.UnsupportedDType(dtype);
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  Status PrepareFloat(const KernelContext& ctx, ir::Activation activation) {
    MAI_ASSIGN_OR_RETURN(ref::FloatRange range,
                         XnnActivationRangeFloat(ctx, activation));
    const float lo = range.min;
    const float hi = range.max;
    xnn_operator_t raw_op = nullptr;
    xnn_operator_t* slot = &raw_op;
    xnn_status status = xnn_status_success;
    SetupF32 setup = nullptr;
    switch (op_) {
      case XnnBinaryOp::kAdd:
        status = xnn_create_add_nd_f32(lo, hi, 0, slot);
        setup = xnn_setup_add_nd_f32;
        break;
      case XnnBinaryOp::kSub:
        status = xnn_create_subtract_nd_f32(lo, hi, 0, slot);
        setup = xnn_setup_subtract_nd_f32;
        break;
      case XnnBinaryOp::kMul:
        status = xnn_create_multiply_nd_f32(lo, hi, 0, slot);
        setup = xnn_setup_multiply_nd_f32;
        break;
      case XnnBinaryOp::kDiv:
        status = xnn_create_divide_nd_f32(lo, hi, 0, slot);
        setup = xnn_setup_divide_nd_f32;
        break;
      case XnnBinaryOp::kMaximum:
        status = xnn_create_maximum_nd_f32(0, slot);
        setup = xnn_setup_maximum_nd_f32;
        break;
      case XnnBinaryOp::kMinimum:
        status = xnn_create_minimum_nd_f32(0, slot);
        setup = xnn_setup_minimum_nd_f32;
        break;
      case XnnBinaryOp::kSquaredDifference:
        status = xnn_create_squared_difference_nd_f32(0, slot);
        setup = xnn_setup_squared_difference_nd_f32;
        break;
    }
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (float32)"));
    return XnnStatus(
        ctx,
        setup(op_handle_.get(), shape_a_.rank, shape_a_.dims.data(),
              shape_b_.rank, shape_b_.dims.data(),
              static_cast<const float*>(data_a_),
              static_cast<const float*>(data_b_),
              ctx.output(0).data_as<float>(), XnnThreadpool(ctx)),
        "setup (float32)");
  }

  Status PrepareQuantized(const KernelContext& ctx, ir::Activation activation) {
    const TensorView& a = ctx.input(0);
    const TensorView& b = ctx.input(1);
    const TensorView& out = ctx.output(0);
    const DType dtype = out.dtype();
    if (op_ != XnnBinaryOp::kAdd && op_ != XnnBinaryOp::kSub &&
        op_ != XnnBinaryOp::kMul) {
      return ctx.UnsupportedDType(dtype);
    }
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, a, "input1"));
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, b, "input2"));
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, out, "output"));
    MAI_ASSIGN_OR_RETURN(
        ref::QuantizedRange range,
        XnnActivationRangeQuantized(ctx, activation, dtype, out.scale(),
                                    out.zero_point()));
    xnn_operator_t raw_op = nullptr;
    xnn_operator_t* slot = &raw_op;
    if (dtype == DType::kInt8) {
      const auto a_zp = static_cast<int8_t>(a.zero_point());
      const auto b_zp = static_cast<int8_t>(b.zero_point());
      const auto o_zp = static_cast<int8_t>(out.zero_point());
      const auto lo = static_cast<int8_t>(range.min);
      const auto hi = static_cast<int8_t>(range.max);
      xnn_status status = xnn_status_success;
      SetupQs8 setup = nullptr;
      switch (op_) {
        case XnnBinaryOp::kAdd:
          status = xnn_create_add_nd_qs8(a_zp, a.scale(), b_zp, b.scale(), o_zp,
                                         out.scale(), lo, hi, 0, slot);
          setup = xnn_setup_add_nd_qs8;
          break;
        case XnnBinaryOp::kSub:
          status =
              xnn_create_subtract_nd_qs8(a_zp, a.scale(), b_zp, b.scale(), o_zp,
                                         out.scale(), lo, hi, 0, slot);
          setup = xnn_setup_subtract_nd_qs8;
          break;
        default:
          status =
              xnn_create_multiply_nd_qs8(a_zp, a.scale(), b_zp, b.scale(), o_zp,
                                         out.scale(), lo, hi, 0, slot);
          setup = xnn_setup_multiply_nd_qs8;
          break;
      }
      op_handle_.reset(raw_op);
      MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (int8)"));
      return XnnStatus(
          ctx,
          setup(op_handle_.get(), shape_a_.rank, shape_a_.dims.data(),
                shape_b_.rank, shape_b_.dims.data(),
                static_cast<const int8_t*>(data_a_),
                static_cast<const int8_t*>(data_b_), out.data_as<int8_t>(),
                XnnThreadpool(ctx)),
          "setup (int8)");
    }
    const auto a_zp = static_cast<uint8_t>(a.zero_point());
    const auto b_zp = static_cast<uint8_t>(b.zero_point());
    const auto o_zp = static_cast<uint8_t>(out.zero_point());
    const auto lo = static_cast<uint8_t>(range.min);
    const auto hi = static_cast<uint8_t>(range.max);
    xnn_status status = xnn_status_success;
    SetupQu8 setup = nullptr;
    switch (op_) {
      case XnnBinaryOp::kAdd:
        status = xnn_create_add_nd_qu8(a_zp, a.scale(), b_zp, b.scale(), o_zp,
                                       out.scale(), lo, hi, 0, slot);
        setup = xnn_setup_add_nd_qu8;
        break;
      case XnnBinaryOp::kSub:
        status = xnn_create_subtract_nd_qu8(a_zp, a.scale(), b_zp, b.scale(),
                                            o_zp, out.scale(), lo, hi, 0, slot);
        setup = xnn_setup_subtract_nd_qu8;
        break;
      default:
        status = xnn_create_multiply_nd_qu8(a_zp, a.scale(), b_zp, b.scale(),
                                            o_zp, out.scale(), lo, hi, 0, slot);
        setup = xnn_setup_multiply_nd_qu8;
        break;
    }
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (uint8)"));
    return XnnStatus(
        ctx,
        setup(op_handle_.get(), shape_a_.rank, shape_a_.dims.data(),
              shape_b_.rank, shape_b_.dims.data(),
              static_cast<const uint8_t*>(data_a_),
              static_cast<const uint8_t*>(data_b_), out.data_as<uint8_t>(),
              XnnThreadpool(ctx)),
        "setup (uint8)");
  }

  XnnBinaryOp op_;
  XnnOperator op_handle_;
  XnnShape shape_a_, shape_b_;
  const void* data_a_ = nullptr;
  const void* data_b_ = nullptr;
  PaddedConstant constant_a_, constant_b_;
};

// PRELU: out = x >= 0 ? x : x * alpha[c] with one slope per channel (the
// last dimension), which XNNPACK packs at creation.
class PreluKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present() || !ctx.input(1).present()) {
      return ctx.Error("PRELU expects 2 inputs and 1 output");
    }
    const TensorView& x = ctx.input(0);
    const TensorView& alpha = ctx.input(1);
    const TensorView& out = ctx.output(0);
    if (alpha.dtype() != x.dtype() || out.dtype() != x.dtype()) {
      return ctx.Error("input, alpha and output dtypes differ");
    }
    if (out.shape() != x.shape()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(x.shape()));
    }
    if (x.dtype() != DType::kFloat32) return ctx.UnsupportedDType(x.dtype());
    if (!alpha.tensor->is_constant()) {
      return ctx.Unsupported("alpha must be constant");
    }
    if (x.rank() < 1 || alpha.rank() > x.rank()) {
      return ctx.Unsupported("alpha {} with input {} is not per-channel",
                             ShapeToString(alpha.shape()),
                             ShapeToString(x.shape()));
    }
    const int32_t channels = x.dim(x.rank() - 1);
    for (int d = 0; d + 1 < alpha.rank(); ++d) {
      if (alpha.dim(d) != 1) {
        return ctx.Unsupported(
            "alpha {} varies along a dimension other than the channels",
            ShapeToString(alpha.shape()));
      }
    }
    const int64_t alpha_count = alpha.num_elements();
    if (alpha_count != 1 && alpha_count != channels) {
      return ctx.Error("alpha {} does not broadcast to input {}",
                       ShapeToString(alpha.shape()), ShapeToString(x.shape()));
    }
    if (alpha.bytes < static_cast<size_t>(alpha_count) * sizeof(float)) {
      return ctx.Error("alpha holds {} bytes, needs {}", alpha.bytes,
                       alpha_count * sizeof(float));
    }
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (x.num_elements() == 0) return Status::Ok();
    const float* a = alpha.data_as<const float>();
    slopes_.resize(static_cast<size_t>(channels));
    for (int32_t c = 0; c < channels; ++c) {
      slopes_[c] = a[alpha_count == 1 ? 0 : c];
    }
    const auto ch = static_cast<size_t>(channels);
    xnn_operator_t raw_op = nullptr;
    const xnn_status created =
        xnn_create_prelu_nc_f32(ch, ch, ch, slopes_.data(), 0, &raw_op);
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(XnnStatus(ctx, created, "xnn_create_prelu_nc_f32"));
    const auto batch = static_cast<size_t>(x.num_elements() / channels);
    return XnnStatus(ctx,
                     xnn_setup_prelu_nc_f32(
                         op_handle_.get(), batch, x.data_as<const float>(),
                         out.data_as<float>(), XnnThreadpool(ctx)),
                     "xnn_setup_prelu_nc_f32");
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  XnnOperator op_handle_;
  std::vector<float> slopes_;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnBinaryKernel(XnnBinaryOp op) {
  return std::make_unique<BinaryKernel>(op);
}

std::unique_ptr<OpKernel> NewXnnPreluKernel() {
  return std::make_unique<PreluKernel>();
}

}  // namespace mai::backends::xnnpack
