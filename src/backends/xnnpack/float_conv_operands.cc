#include "backends/xnnpack/float_conv_operands.h"

namespace mai::backends::xnnpack {

Result<FloatConvOperands> GetFloatConvOperands(const KernelContext& ctx,
                                               int input_index,
                                               int weights_index,
                                               int bias_index, int min_inputs,
                                               const char* kernel) {
  if (ctx.num_inputs() < min_inputs || ctx.num_outputs() != 1) {
    return ctx.Error("expects at least {} inputs and 1 output", min_inputs);
  }
  FloatConvOperands o;
  o.input = &ctx.input(input_index);
  o.weights = &ctx.input(weights_index);
  if (ctx.num_inputs() > bias_index && ctx.input(bias_index).present()) {
    o.bias = &ctx.input(bias_index);
  }
  o.output = &ctx.output(0);
  if (o.input->dtype() != DType::kFloat32 ||
      o.weights->dtype() != DType::kFloat32 ||
      o.output->dtype() != DType::kFloat32 ||
      (o.bias != nullptr && o.bias->dtype() != DType::kFloat32)) {
    return ctx.Unsupported("{} is float32 only", kernel);
  }
  if (!o.weights->tensor->is_constant() ||
      (o.bias != nullptr && !o.bias->tensor->is_constant())) {
    return ctx.Unsupported("weights are computed at run time");
  }
  return o;
}

}  // namespace mai::backends::xnnpack
