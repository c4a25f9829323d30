// Parsing of the raw TfLitePoolParams struct that MediaPipe's pooling custom
// ops store as custom_options.
#include <cstdint>
#include <cstring>

#include "backends/ref/pool_reduce_kernels.h"

namespace mai::backends::ref {

Result<ir::Pool2DParams> ParseTflitePoolParams(std::span<const uint8_t> bytes) {
  constexpr size_t kFields = 6;  // padding, strides, filters, activation
  if (bytes.size() < kFields * 4) {
    return InvalidModel(
        "pool custom options hold {} bytes, need at least {} "
        "(TfLitePoolParams)",
        bytes.size(), kFields * 4);
  }
  int32_t f[kFields];
  for (size_t i = 0; i < kFields; ++i) {
    // Little-endian, as TFLite writes the struct on every supported target.
    const uint8_t* p = bytes.data() + 4 * i;
    f[i] =
        static_cast<int32_t>(uint32_t{p[0]} | (uint32_t{p[1]} << 8) |
                             (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24));
  }
  ir::Pool2DParams params;
  switch (f[0]) {  // TfLitePadding
    case 1:
      params.padding = ir::Padding::kSame;
      break;
    case 2:
      params.padding = ir::Padding::kValid;
      break;
    default:
      return InvalidModel("pool custom options: unknown padding {}", f[0]);
  }
  params.stride_w = f[1];
  params.stride_h = f[2];
  params.filter_w = f[3];
  params.filter_h = f[4];
  if (params.stride_w < 1 || params.stride_h < 1 || params.filter_w < 1 ||
      params.filter_h < 1) {
    return InvalidModel(
        "pool custom options: invalid window filter {}x{} stride {}x{}",
        params.filter_h, params.filter_w, params.stride_h, params.stride_w);
  }
  switch (f[5]) {  // TfLiteFusedActivation
    case 0:
      params.activation = ir::Activation::kNone;
      break;
    case 1:
      params.activation = ir::Activation::kRelu;
      break;
    case 2:
      params.activation = ir::Activation::kReluN1To1;
      break;
    case 3:
      params.activation = ir::Activation::kRelu6;
      break;
    case 4:
      params.activation = ir::Activation::kTanh;
      break;
    case 5:
      params.activation = ir::Activation::kSignBit;
      break;
    default:
      return InvalidModel("pool custom options: unknown activation {}", f[5]);
  }
  return params;
}

}  // namespace mai::backends::ref
