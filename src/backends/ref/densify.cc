#include "backends/ref/densify.h"

#include <cstring>
#include <memory>

#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

// One storage level of the encoding, validated.
struct Level {
  bool dense = true;
  int64_t size = 0;    // number of possible indices
  int64_t stride = 0;  // dense-tensor elements per index step
  const std::vector<int32_t>* segments = nullptr;
  const std::vector<int32_t>* indices = nullptr;
};

class Expander {
 public:
  Expander(const std::vector<Level>& levels, const uint8_t* values,
           int64_t num_values, size_t elem, uint8_t* dense)
      : levels_(levels),
        values_(values),
        num_values_(num_values),
        elem_(elem),
        dense_(dense) {}

  // Visits level `l` under parent position `parent` with the dense offset
  // accumulated so far.
  Status Visit(size_t l, int64_t parent, int64_t offset) {
    if (l == levels_.size()) {
      if (next_value_ >= num_values_) {
        return InvalidModel(
            "sparse tensor has fewer values ({}) than "
            "present elements",
            num_values_);
      }
      std::memcpy(dense_ + offset * elem_, values_ + next_value_ * elem_,
                  elem_);
      ++next_value_;
      return Status::Ok();
    }
    const Level& level = levels_[l];
    if (level.dense) {
      for (int64_t i = 0; i < level.size; ++i) {
        MAI_RETURN_IF_ERROR(
            Visit(l + 1, parent * level.size + i, offset + i * level.stride));
      }
      return Status::Ok();
    }
    const std::vector<int32_t>& segments = *level.segments;
    const std::vector<int32_t>& indices = *level.indices;
    for (int64_t p = segments[parent]; p < segments[parent + 1]; ++p) {
      MAI_RETURN_IF_ERROR(Visit(l + 1, p, offset + indices[p] * level.stride));
    }
    return Status::Ok();
  }

 private:
  const std::vector<Level>& levels_;
  const uint8_t* values_;
  int64_t num_values_;
  size_t elem_;
  uint8_t* dense_;
  int64_t next_value_ = 0;
};

}  // namespace

Result<std::vector<uint8_t>> DensifyToBytes(const ir::Tensor& tensor) {
  if (!tensor.sparsity.has_value()) {
    return InvalidModel("tensor '{}' has no sparsity parameters", tensor.name);
  }
  if (!tensor.is_constant()) {
    return InvalidModel("sparse tensor '{}' has no data", tensor.name);
  }
  const size_t elem = DTypeSize(tensor.dtype);
  if (elem == 0) {
    return Unimplemented("sparse tensor '{}' of dtype {} is not supported",
                         tensor.name, DTypeName(tensor.dtype));
  }
  auto context = [&](const Status& s) {
    return s.WithContext("sparse tensor '" + tensor.name + "'");
  };
  const ir::SparsityParams& sp = *tensor.sparsity;
  const Shape& shape = tensor.shape;
  const int rank = static_cast<int>(shape.size());
  const int blocks = static_cast<int>(sp.block_map.size());
  const int num_levels = rank + blocks;
  auto total = NumElements(shape);
  if (!total.ok()) return context(total.status());

  if (static_cast<int>(sp.traversal_order.size()) != num_levels ||
      static_cast<int>(sp.dim_metadata.size()) != num_levels) {
    return context(InvalidModel(
        "traversal_order ({}) and dim_metadata ({}) must have rank + blocks "
        "= {} entries",
        sp.traversal_order.size(), sp.dim_metadata.size(), num_levels));
  }
  // traversal_order: a permutation of the dims, then of the block dims.
  std::vector<int> level_of(num_levels, -1);
  for (int l = 0; l < num_levels; ++l) {
    const int32_t t = sp.traversal_order[l];
    const bool in_range =
        l < rank ? (t >= 0 && t < rank) : (t >= rank && t < num_levels);
    if (!in_range || level_of[t] != -1) {
      return context(InvalidModel("invalid traversal_order"));
    }
    level_of[t] = l;
  }
  // block_map: distinct original dims; each block level is dense.
  std::vector<int64_t> block_of_dim(rank, 1);
  std::vector<bool> blocked(rank, false);
  std::vector<int64_t> block_size(blocks, 1);
  for (int k = 0; k < blocks; ++k) {
    const int32_t d = sp.block_map[k];
    if (d < 0 || d >= rank || blocked[d]) {
      return context(InvalidModel("invalid block_map"));
    }
    const ir::SparseDimension& m = sp.dim_metadata[level_of[rank + k]];
    if (!m.dense) return context(InvalidModel("block dims must be dense"));
    if (m.dense_size < 1 || shape[d] % m.dense_size != 0) {
      return context(InvalidModel("block size {} does not divide dim {} ({})",
                                  m.dense_size, d, shape[d]));
    }
    blocked[d] = true;
    block_size[k] = m.dense_size;
    block_of_dim[d] = m.dense_size;
  }
  std::vector<int64_t> dim_stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d)
    dim_stride[d] = dim_stride[d + 1] * shape[d + 1];

  // Levels in storage order, with their sizes and dense strides; check the
  // CSR arrays level by level (`positions` = number of parent positions).
  std::vector<Level> levels(num_levels);
  int64_t positions = 1;
  for (int l = 0; l < num_levels; ++l) {
    const int32_t t = sp.traversal_order[l];
    const ir::SparseDimension& m = sp.dim_metadata[l];
    Level& level = levels[l];
    if (t < rank) {
      level.size = shape[t] / block_of_dim[t];
      level.stride = dim_stride[t] * block_of_dim[t];
    } else {
      const int k = t - rank;
      level.size = block_size[k];
      level.stride = dim_stride[sp.block_map[k]];
    }
    level.dense = m.dense;
    if (m.dense) {
      if (m.dense_size != level.size) {
        return context(InvalidModel("dense level {} has size {}, expected {}",
                                    l, m.dense_size, level.size));
      }
      positions *= level.size;
      continue;
    }
    level.segments = &m.segments;
    level.indices = &m.indices;
    if (static_cast<int64_t>(m.segments.size()) < positions + 1) {
      return context(InvalidModel("level {} has {} segments, needs {}", l,
                                  m.segments.size(), positions + 1));
    }
    for (int64_t p = 0; p <= positions; ++p) {
      const int32_t s = m.segments[p];
      if (s < 0 || s > static_cast<int64_t>(m.indices.size()) ||
          (p > 0 && s < m.segments[p - 1])) {
        return context(InvalidModel("level {} has invalid segments", l));
      }
    }
    for (int64_t i = m.segments[0]; i < m.segments[positions]; ++i) {
      if (m.indices[i] < 0 || m.indices[i] >= level.size) {
        return context(InvalidModel("level {} index {} is out of range [0, {})",
                                    l, m.indices[i], level.size));
      }
    }
    positions = m.segments[positions];
  }

  std::vector<uint8_t> dense(static_cast<size_t>(*total) * elem, 0);
  if (*total == 0) return dense;
  const int64_t num_values = static_cast<int64_t>(tensor.data_bytes / elem);
  Expander expander(levels, tensor.data, num_values, elem, dense.data());
  MAI_RETURN_IF_ERROR(context(expander.Visit(0, 0, 0)));
  return dense;
}

namespace {

class DensifyKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    if (in.shape() != out.shape()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(in.shape()));
    }
    auto dense = DensifyToBytes(*in.tensor);
    if (!dense.ok()) {
      return dense.status().WithContext(ctx.graph->NodeLabel(ctx.node_index));
    }
    dense_ = std::move(dense).value();
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& out = ctx.output(0);
    if (out.bytes < dense_.size())
      return ctx.Error("output buffer is too small");
    if (!dense_.empty()) std::memcpy(out.data, dense_.data(), dense_.size());
    return Status::Ok();
  }

 private:
  std::vector<uint8_t> dense_;
};

}  // namespace

std::unique_ptr<OpKernel> NewDensifyKernel() {
  return std::make_unique<DensifyKernel>();
}

}  // namespace mai::backends::ref
