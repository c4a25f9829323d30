#include <array>
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {

Result<size_t> MovableElementSize(const KernelContext& ctx, DType dtype) {
  const size_t size = DTypeSize(dtype);
  if (size == 1 || size == 2 || size == 4 || size == 8) return size;
  return ctx.UnsupportedDType(dtype);
}

Result<std::vector<int64_t>> ConstInputInts(const KernelContext& ctx, int i) {
  if (i >= ctx.num_inputs() || !ctx.input(i).present()) {
    return ctx.Error("input {} is missing", i);
  }
  const TensorView& view = ctx.input(i);
  if (!view.tensor->is_constant() || view.data == nullptr) {
    return ctx.Unsupported("input {} must be constant", i);
  }
  const DType dtype = view.dtype();
  if (dtype != DType::kInt16 && dtype != DType::kInt32 &&
      dtype != DType::kInt64) {
    return ctx.Error("input {} must be int32 or int64, is {}", i,
                     DTypeName(dtype));
  }
  const int64_t n = view.num_elements();
  const size_t size = DTypeSize(dtype);
  if (view.tensor->data_bytes < static_cast<size_t>(n) * size) {
    return ctx.Error("constant input {} holds {} bytes, needs {}", i,
                     view.tensor->data_bytes, n * size);
  }
  std::vector<int64_t> values(n);
  const auto* bytes = static_cast<const uint8_t*>(view.data);
  for (int64_t k = 0; k < n; ++k) {
    if (dtype == DType::kInt16) {
      int16_t v;
      std::memcpy(&v, bytes + k * 2, 2);
      values[k] = v;
    } else if (dtype == DType::kInt32) {
      int32_t v;
      std::memcpy(&v, bytes + k * 4, 4);
      values[k] = v;
    } else {
      std::memcpy(&values[k], bytes + k * 8, 8);
    }
  }
  return values;
}

std::vector<int64_t> ContiguousStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

int64_t DimProduct(const Shape& shape, int begin, int end) {
  int64_t p = 1;
  for (int d = begin; d < end; ++d) p *= shape[d];
  return p;
}

Result<StridedCopyPlan> StridedCopyPlan::Make(
    size_t element_size, const Shape& shape,
    const std::vector<int64_t>& strides, int64_t base) {
  if (element_size != 1 && element_size != 2 && element_size != 4 &&
      element_size != 8) {
    return Internal("strided copy of {}-byte elements", element_size);
  }
  if (strides.size() != shape.size()) {
    return Internal("strided copy: {} strides for rank {}", strides.size(),
                    shape.size());
  }
  StridedCopyPlan plan;
  plan.element_size_ = element_size;
  plan.base_ = base;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) plan.empty_ = true;
    if (shape[d] == 1) continue;
    if (!plan.shape_.empty() && plan.strides_.back() == strides[d] * shape[d]) {
      plan.shape_.back() *= shape[d];
      plan.strides_.back() = strides[d];
    } else {
      plan.shape_.push_back(shape[d]);
      plan.strides_.push_back(strides[d]);
    }
  }
  if (plan.shape_.size() > static_cast<size_t>(kMaxRank)) {
    return Unimplemented("strided copy of rank {} (max {})", plan.shape_.size(),
                         kMaxRank);
  }
  return plan;
}

namespace {

template <typename T>
void CopyRow(const uint8_t* in, int64_t stride, int64_t n, uint8_t* out) {
  const T* src = reinterpret_cast<const T*>(in);
  T* dst = reinterpret_cast<T*>(out);
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
}

}  // namespace

void StridedCopyPlan::Run(const void* input, void* output) const {
  if (empty_) return;
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  const size_t es = element_size_;
  const int rank = static_cast<int>(shape_.size());
  if (rank == 0) {
    std::memcpy(out, in + base_ * static_cast<int64_t>(es), es);
    return;
  }
  const int64_t n = shape_[rank - 1];
  const int64_t s = strides_[rank - 1];
  std::array<int64_t, kMaxRank> index{};
  int64_t offset = base_;
  while (true) {
    const uint8_t* row = in + offset * static_cast<int64_t>(es);
    if (s == 1) {
      std::memcpy(out, row, n * es);
    } else {
      switch (es) {
        case 1:
          CopyRow<uint8_t>(row, s, n, out);
          break;
        case 2:
          CopyRow<uint16_t>(row, s, n, out);
          break;
        case 4:
          CopyRow<uint32_t>(row, s, n, out);
          break;
        default:
          CopyRow<uint64_t>(row, s, n, out);
          break;
      }
    }
    out += n * es;
    int d = rank - 2;
    for (; d >= 0; --d) {
      offset += strides_[d];
      if (++index[d] < shape_[d]) break;
      offset -= strides_[d] * shape_[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace mai::backends::ref
