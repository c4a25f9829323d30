// Shapes: a vector of int32 dims, outermost first (NHWC for images).
#ifndef MAI_CORE_SHAPE_H_
#define MAI_CORE_SHAPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace mai {

using Shape = std::vector<int32_t>;

// Largest element count mai accepts for one tensor (2^31 - 1): guards every
// size computation against overflow and hostile models.
inline constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

// Number of elements; error when a dim is negative or the product exceeds
// kMaxElements. A rank-0 shape has one element.
Result<int64_t> NumElements(const Shape& shape);

// Product of dims without checks; only for shapes already validated.
int64_t NumElementsUnchecked(const Shape& shape);

// "[1,224,224,3]"
std::string ShapeToString(const Shape& shape);

// Normalizes a possibly negative axis into [0, rank). Error when out of range.
Result<int> NormalizeAxis(int axis, int rank);

// NumPy-style broadcast of two shapes; error when incompatible.
Result<Shape> BroadcastShapes(const Shape& a, const Shape& b);

}  // namespace mai

#endif  // MAI_CORE_SHAPE_H_
