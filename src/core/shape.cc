#include "core/shape.h"

#include <algorithm>

namespace mai {

Result<int64_t> NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0)
      return InvalidModel("negative dimension in shape {}",
                          ShapeToString(shape));
    n *= d;
    if (n > kMaxElements) {
      return OutOfRange("shape {} has more than 2^31-1 elements",
                        ShapeToString(shape));
    }
  }
  return n;
}

int64_t NumElementsUnchecked(const Shape& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Result<int> NormalizeAxis(int axis, int rank) {
  int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max(rank, 1)) {
    return InvalidModel("axis {} out of range for rank {}", axis, rank);
  }
  return a;
}

Result<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      return InvalidModel("shapes {} and {} cannot be broadcast",
                          ShapeToString(a), ShapeToString(b));
    }
  }
  return out;
}

}  // namespace mai
