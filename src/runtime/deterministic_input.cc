#include <cstring>

#include "mai/session.h"

namespace mai {

void FillDeterministic(DType dtype, uint32_t seed, int input_index,
                       std::span<uint8_t> bytes) {
  uint32_t s = seed + static_cast<uint32_t>(input_index) * 0x9E3779B9u;
  auto next = [&s] {
    s = s * 1664525u + 1013904223u;
    return s;
  };
  auto fill = [&](auto value_of) {
    using T = decltype(value_of(0u));
    size_t n = bytes.size() / sizeof(T);
    for (size_t i = 0; i < n; ++i) {
      T v = value_of(next());
      std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
    }
  };
  switch (dtype) {
    case DType::kFloat32:
      fill([](uint32_t x) {
        return static_cast<float>(x >> 8) * 0x1p-23f - 1.0f;
      });
      break;
    case DType::kUInt8:
      fill([](uint32_t x) { return static_cast<uint8_t>(x >> 24); });
      break;
    case DType::kInt8:
      fill([](uint32_t x) {
        return static_cast<int8_t>(static_cast<int32_t>(x >> 24) - 128);
      });
      break;
    case DType::kInt16:
      fill([](uint32_t x) {
        return static_cast<int16_t>(static_cast<int32_t>(x >> 16) - 32768);
      });
      break;
    case DType::kInt32:
      fill([](uint32_t x) { return static_cast<int32_t>(x >> 24); });
      break;
    case DType::kInt64:
      fill([](uint32_t x) { return static_cast<int64_t>(x >> 24); });
      break;
    case DType::kBool:
      fill([](uint32_t x) { return static_cast<uint8_t>(x >> 31); });
      break;
    default:
      std::memset(bytes.data(), 0, bytes.size());
      break;
  }
}

}  // namespace mai
