#include "core/dtype.h"

#include <array>

namespace mai {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeInfo, kMaxDTypeValue + 1> kDTypes = {{
    {DType::kFloat32, "float32", 4},
    {DType::kFloat16, "float16", 2},
    {DType::kInt32, "int32", 4},
    {DType::kUInt8, "uint8", 1},
    {DType::kInt64, "int64", 8},
    {DType::kString, "string", 0},
    {DType::kBool, "bool", 1},
    {DType::kInt16, "int16", 2},
    {DType::kComplex64, "complex64", 8},
    {DType::kInt8, "int8", 1},
    {DType::kFloat64, "float64", 8},
    {DType::kComplex128, "complex128", 16},
    {DType::kUInt64, "uint64", 8},
    {DType::kResource, "resource", 0},
    {DType::kVariant, "variant", 0},
    {DType::kUInt32, "uint32", 4},
    {DType::kUInt16, "uint16", 2},
    {DType::kInt4, "int4", 0},
}};

}  // namespace

size_t DTypeSize(DType dtype) {
  int i = static_cast<int>(dtype);
  return IsValidDType(i) ? kDTypes[i].size : 0;
}

std::string_view DTypeName(DType dtype) {
  int i = static_cast<int>(dtype);
  return IsValidDType(i) ? kDTypes[i].name : std::string_view("invalid");
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.name == name) return info.dtype;
  }
  return std::nullopt;
}

}  // namespace mai
