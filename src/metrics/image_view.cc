#include "metrics/image_view.h"

#include <cmath>
#include <cstddef>

namespace mai::metrics {

Status CheckImageView(const ImageView& view, std::string_view name) {
  if (view.height <= 0 || view.width <= 0 || view.channels <= 0) {
    return InvalidArgument("{}: image must have positive size, got {}x{}x{}",
                           name, view.height, view.width, view.channels);
  }
  const size_t expected = static_cast<size_t>(view.height) *
                          static_cast<size_t>(view.width) *
                          static_cast<size_t>(view.channels);
  if (view.values.size() != expected) {
    return InvalidArgument("{}: a {}x{}x{} image needs {} values, got {}", name,
                           view.height, view.width, view.channels, expected,
                           view.values.size());
  }
  for (size_t i = 0; i < view.values.size(); ++i) {
    if (!std::isfinite(view.values[i])) {
      return InvalidArgument("{}: non-finite value {} at index {}", name,
                             view.values[i], i);
    }
  }
  return Status::Ok();
}

Status CheckSameShape(const ImageView& a, const ImageView& b) {
  MAI_RETURN_IF_ERROR(CheckImageView(a, "a"));
  MAI_RETURN_IF_ERROR(CheckImageView(b, "b"));
  if (a.height != b.height || a.width != b.width || a.channels != b.channels) {
    return InvalidArgument("shape mismatch: a is {}x{}x{}, b is {}x{}x{}",
                           a.height, a.width, a.channels, b.height, b.width,
                           b.channels);
  }
  return Status::Ok();
}

}  // namespace mai::metrics
