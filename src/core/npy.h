// Reading and writing NumPy .npy files (format version 1.0/2.0, little-endian,
// C order) for the dtypes mai uses. Untrusted input: the header is parsed
// strictly and the data size must match the shape exactly.
#ifndef MAI_CORE_NPY_H_
#define MAI_CORE_NPY_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"

namespace mai {

struct NpyArray {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<uint8_t> data;
};

Result<NpyArray> ParseNpy(std::span<const uint8_t> bytes);
std::vector<uint8_t> SerializeNpy(DType dtype, const Shape& shape,
                                  std::span<const uint8_t> data);

// Whole-file helpers.
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path,
                                           size_t max_bytes = size_t{1} << 32);
Status WriteFileBytes(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace mai

#endif  // MAI_CORE_NPY_H_
