// Element types of tensors. The numeric values are TFLite's TensorType values,
// so the reader and writer convert by cast after a range check.
#ifndef MAI_CORE_DTYPE_H_
#define MAI_CORE_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mai {

enum class DType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUInt64 = 12,
  kResource = 13,
  kVariant = 14,
  kUInt32 = 15,
  kUInt16 = 16,
  kInt4 = 17,
};
inline constexpr int kMaxDTypeValue = 17;

// Bytes per element; 0 for types without a fixed size (string, resource,
// variant) and for int4 (packed; mai does not run it).
size_t DTypeSize(DType dtype);

// Lower-case numpy-style name: "float32", "int8", "uint8", "bool", ...
std::string_view DTypeName(DType dtype);

// Inverse of DTypeName; nullopt for unknown names.
std::optional<DType> DTypeFromName(std::string_view name);

// True when `value` is a valid DType enumerator.
inline bool IsValidDType(int value) {
  return value >= 0 && value <= kMaxDTypeValue;
}

// The C++ type of a dtype, for kernels: DTypeOf<float>() == kFloat32.
template <typename T>
constexpr DType DTypeOf();
template <>
constexpr DType DTypeOf<float>() {
  return DType::kFloat32;
}
template <>
constexpr DType DTypeOf<double>() {
  return DType::kFloat64;
}
template <>
constexpr DType DTypeOf<int32_t>() {
  return DType::kInt32;
}
template <>
constexpr DType DTypeOf<uint8_t>() {
  return DType::kUInt8;
}
template <>
constexpr DType DTypeOf<int8_t>() {
  return DType::kInt8;
}
template <>
constexpr DType DTypeOf<int16_t>() {
  return DType::kInt16;
}
template <>
constexpr DType DTypeOf<int64_t>() {
  return DType::kInt64;
}
template <>
constexpr DType DTypeOf<bool>() {
  return DType::kBool;
}
template <>
constexpr DType DTypeOf<uint16_t>() {
  return DType::kUInt16;
}
template <>
constexpr DType DTypeOf<uint32_t>() {
  return DType::kUInt32;
}

}  // namespace mai

#endif  // MAI_CORE_DTYPE_H_
