// PAD and PADV2 (constant padding) on XNNPACK's constant_pad_nd operators
// for 1-, 2- and 4-byte elements.
#include <xnnpack.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/ref/quant_util.h"
#include "backends/ref/spatial_kernels.h"
#include "backends/xnnpack/pool_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

bool IsQuantizedDType(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16;
}

class PadKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("PAD expects an input, paddings and one output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    const size_t elem = DTypeSize(in.dtype());
    if (elem != 1 && elem != 2 && elem != 4) {
      return ctx.UnsupportedDType(in.dtype());
    }
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                         ref::ReadConstPaddings(ctx));
    const int rank = in.rank();
    if (rank < 1 || rank > XNN_MAX_TENSOR_DIMS) {
      return ctx.Unsupported("rank {} is outside XNNPACK's 1..{}", rank,
                             XNN_MAX_TENSOR_DIMS);
    }
    MAI_RETURN_IF_ERROR(ReadPadValue(ctx, elem));
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (out.num_elements() == 0) return Status::Ok();
    if (in.num_elements() == 0) {
      return ctx.Unsupported("XNNPACK cannot pad an empty input");
    }
    std::array<size_t, XNN_MAX_TENSOR_DIMS> dims{}, before{}, after{};
    for (int d = 0; d < rank; ++d) {
      dims[d] = static_cast<size_t>(in.dim(d));
      before[d] = static_cast<size_t>(pads[2 * d]);
      after[d] = static_cast<size_t>(pads[2 * d + 1]);
    }
    const auto n = static_cast<size_t>(rank);
    xnn_operator_t raw_op = nullptr;
    xnn_status status;
    if (elem == 4) {
      status = xnn_create_constant_pad_nd_x32(&pad_value_, 0, &raw_op);
      op_handle_.reset(raw_op);
      MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (x32)"));
      status = xnn_setup_constant_pad_nd_x32(
          op_handle_.get(), n, dims.data(), before.data(), after.data(),
          in.data, out.data, XnnThreadpool(ctx));
    } else if (elem == 2) {
      status = xnn_create_constant_pad_nd_x16(&pad_value_, 0, &raw_op);
      op_handle_.reset(raw_op);
      MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (x16)"));
      status = xnn_setup_constant_pad_nd_x16(
          op_handle_.get(), n, dims.data(), before.data(), after.data(),
          in.data, out.data, XnnThreadpool(ctx));
    } else {
      status = xnn_create_constant_pad_nd_x8(&pad_value_, 0, &raw_op);
      op_handle_.reset(raw_op);
      MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (x8)"));
      status = xnn_setup_constant_pad_nd_x8(
          op_handle_.get(), n, dims.data(), before.data(), after.data(),
          in.data, out.data, XnnThreadpool(ctx));
    }
    return XnnStatus(ctx, status, "setup");
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  // The pad value's bytes in the low bytes of pad_value_ (XNNPACK reads an
  // element of its own width from the pointer it is given).
  Status ReadPadValue(const KernelContext& ctx, size_t elem) {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    pad_value_ = 0;
    if (ctx.num_inputs() > 2 && ctx.input(2).present()) {
      const TensorView& value = ctx.input(2);
      if (value.dtype() != in.dtype() || value.num_elements() != 1) {
        return ctx.Error("constant value must be one {} element",
                         DTypeName(in.dtype()));
      }
      if (IsQuantizedDType(in.dtype()) && !out.quant().empty() &&
          !value.quant().empty() &&
          (value.scale() != out.scale() ||
           value.zero_point() != out.zero_point())) {
        return ctx.Unsupported(
            "constant value must have the output's scale and zero point");
      }
      if (!value.tensor->is_constant()) {
        return ctx.Unsupported("the constant value is computed at run time");
      }
      if (value.tensor->data_bytes < elem) {
        return ctx.Error("constant value has no data");
      }
      std::memcpy(&pad_value_, value.tensor->data, elem);
      return Status::Ok();
    }
    if (IsQuantizedDType(in.dtype()) &&
        (!out.quant().empty() || in.dtype() == DType::kUInt8)) {
      // Quantized tensors pad with the real value 0, i.e. the zero point.
      const int32_t zp = out.quant().empty() ? 0 : out.zero_point();
      if (zp < ref::QuantMin(in.dtype()) || zp > ref::QuantMax(in.dtype())) {
        return ctx.Error("zero point {} is outside the {} range", zp,
                         DTypeName(in.dtype()));
      }
      if (elem == 1) {
        const auto v = static_cast<uint8_t>(zp);
        std::memcpy(&pad_value_, &v, 1);
      } else {
        const auto v = static_cast<uint16_t>(zp);
        std::memcpy(&pad_value_, &v, 2);
      }
    }
    return Status::Ok();
  }

  XnnOperator op_handle_;
  uint32_t pad_value_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnPadKernel() {
  return std::make_unique<PadKernel>();
}

}  // namespace mai::backends::xnnpack
