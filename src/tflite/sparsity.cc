#include "tflite/sparsity.h"

#include <fmt/ranges.h>

#include <algorithm>

namespace mai::tflite {
namespace {

// Copies one SparseIndexVector union member into int32 values.
Status ReadIndexVector(fb::SparseIndexVector type, const void* value,
                       std::vector<int32_t>& out, ReadBudget& budget,
                       const char* what, size_t level) {
  auto copy = [&](const auto* vec) -> Status {
    if (vec == nullptr) {
      return InvalidModel("sparsity level {}: {} has no values", level, what);
    }
    MAI_RETURN_IF_ERROR(budget.Spend(vec->size(), sizeof(int32_t)));
    out.assign(vec->begin(), vec->end());
    return Status::Ok();
  };
  switch (type) {
    case fb::SparseIndexVector::Int32Vector:
      return copy(static_cast<const fb::Int32Vector*>(value)->values());
    case fb::SparseIndexVector::Uint16Vector:
      return copy(static_cast<const fb::Uint16Vector*>(value)->values());
    case fb::SparseIndexVector::Uint8Vector:
      return copy(static_cast<const fb::Uint8Vector*>(value)->values());
    case fb::SparseIndexVector::NONE:
      return InvalidModel("sparsity level {}: CSR dimension has no {}", level,
                          what);
  }
  return InvalidModel("sparsity level {}: {} has unknown vector type {}", level,
                      what, static_cast<int>(type));
}

}  // namespace

Result<ir::SparsityParams> ReadSparsity(const fb::SparsityParameters& s,
                                        ReadBudget& budget) {
  ir::SparsityParams out;
  if (s.traversal_order() != nullptr) {
    MAI_RETURN_IF_ERROR(
        budget.Spend(s.traversal_order()->size(), sizeof(int32_t)));
    out.traversal_order.assign(s.traversal_order()->begin(),
                               s.traversal_order()->end());
  }
  if (s.block_map() != nullptr) {
    MAI_RETURN_IF_ERROR(budget.Spend(s.block_map()->size(), sizeof(int32_t)));
    out.block_map.assign(s.block_map()->begin(), s.block_map()->end());
  }
  if (s.dim_metadata() != nullptr) {
    MAI_RETURN_IF_ERROR(
        budget.Spend(s.dim_metadata()->size(), sizeof(ir::SparseDimension)));
    out.dim_metadata.reserve(s.dim_metadata()->size());
    for (size_t i = 0; i < s.dim_metadata()->size(); ++i) {
      const fb::DimensionMetadata* m = s.dim_metadata()->Get(i);
      ir::SparseDimension dim;
      switch (m->format()) {
        case fb::DimensionType::DENSE:
          dim.dense = true;
          dim.dense_size = m->dense_size();
          break;
        case fb::DimensionType::SPARSE_CSR:
          dim.dense = false;
          MAI_RETURN_IF_ERROR(ReadIndexVector(m->array_segments_type(),
                                              m->array_segments(), dim.segments,
                                              budget, "array_segments", i));
          MAI_RETURN_IF_ERROR(ReadIndexVector(m->array_indices_type(),
                                              m->array_indices(), dim.indices,
                                              budget, "array_indices", i));
          break;
        default:
          return InvalidModel("sparsity level {}: unknown dimension format {}",
                              i, static_cast<int>(m->format()));
      }
      out.dim_metadata.push_back(std::move(dim));
    }
  }
  return out;
}

Status ValidateSparsity(const ir::SparsityParams& sp, const Shape& shape,
                        size_t element_size, size_t packed_bytes) {
  const size_t n = shape.size();
  const size_t total = sp.traversal_order.size();
  if (total < n) {
    return InvalidModel(
        "sparsity traversal_order has {} dims, the shape {} has {}", total,
        ShapeToString(shape), n);
  }
  const size_t k = total - n;
  if (sp.block_map.size() != k) {
    return InvalidModel("sparsity block_map has {} entries, expected {}",
                        sp.block_map.size(), k);
  }
  if (sp.dim_metadata.size() != total) {
    return InvalidModel("sparsity dim_metadata has {} entries, expected {}",
                        sp.dim_metadata.size(), total);
  }
  if (element_size == 0) {
    return InvalidModel("sparse tensors need a fixed-size element type");
  }
  // Traversal order: the first n entries permute [0, n), the rest [n, n + k).
  std::vector<bool> seen(total, false);
  for (size_t i = 0; i < total; ++i) {
    int32_t d = sp.traversal_order[i];
    size_t lo = i < n ? 0 : n, hi = i < n ? n : total;
    if (d < static_cast<int64_t>(lo) || d >= static_cast<int64_t>(hi) ||
        seen[d]) {
      return InvalidModel(
          "sparsity traversal_order {} is not a valid dimension order",
          fmt::join(sp.traversal_order, ","));
    }
    seen[d] = true;
  }
  // Size of each dim (tensor dims first, then block dims), after blocking.
  std::vector<int64_t> size(total);
  for (size_t d = 0; d < n; ++d) size[d] = shape[d];
  std::vector<bool> blocked(n, false);
  for (size_t b = 0; b < k; ++b) {
    int32_t d = sp.block_map[b];
    if (d < 0 || static_cast<size_t>(d) >= n || blocked[d]) {
      return InvalidModel(
          "sparsity block_map {} is not a set of distinct tensor dims",
          fmt::join(sp.block_map, ","));
    }
    blocked[d] = true;
    // The block dim's level (block dims are stored dense).
    size_t level =
        std::find(sp.traversal_order.begin(), sp.traversal_order.end(),
                  static_cast<int32_t>(n + b)) -
        sp.traversal_order.begin();
    const ir::SparseDimension& m = sp.dim_metadata[level];
    if (!m.dense || m.dense_size < 1 || shape[d] % m.dense_size != 0) {
      return InvalidModel(
          "sparsity block dim {} must be dense with a size that divides "
          "dimension {} ({})",
          n + b, d, shape[d]);
    }
    size[n + b] = m.dense_size;
    size[d] = shape[d] / m.dense_size;
  }
  // Walk the levels: `count` is the number of stored positions so far.
  int64_t count = 1;
  for (size_t i = 0; i < total; ++i) {
    const ir::SparseDimension& m = sp.dim_metadata[i];
    int64_t dim_size = size[sp.traversal_order[i]];
    if (m.dense) {
      if (m.dense_size != dim_size) {
        return InvalidModel(
            "sparsity level {}: dense_size {} does not match size {}", i,
            m.dense_size, dim_size);
      }
      count *= dim_size;
      if (count > kMaxElements) {
        return InvalidModel("sparsity level {}: too many elements", i);
      }
      continue;
    }
    if (static_cast<int64_t>(m.segments.size()) != count + 1) {
      return InvalidModel("sparsity level {}: {} array_segments, expected {}",
                          i, m.segments.size(), count + 1);
    }
    if (m.segments.front() != 0 ||
        m.segments.back() != static_cast<int64_t>(m.indices.size())) {
      return InvalidModel(
          "sparsity level {}: array_segments must run from 0 to the {} indices",
          i, m.indices.size());
    }
    for (int64_t s = 0; s < count; ++s) {
      int32_t begin = m.segments[s], end = m.segments[s + 1];
      if (end < begin || end > static_cast<int64_t>(m.indices.size())) {
        return InvalidModel(
            "sparsity level {}: array_segments decrease or overrun at {}", i,
            s);
      }
      for (int32_t j = begin; j < end; ++j) {
        int32_t idx = m.indices[j];
        if (idx < 0 || idx >= dim_size ||
            (j > begin && idx <= m.indices[j - 1])) {
          return InvalidModel(
              "sparsity level {}: array_indices[{}] = {} is out of range [0, "
              "{}) or not "
              "increasing",
              i, j, idx, dim_size);
        }
      }
    }
    count = static_cast<int64_t>(m.indices.size());
  }
  if (static_cast<uint64_t>(count) * element_size != packed_bytes) {
    return InvalidModel(
        "sparse data has {} bytes, the sparsity describes {} values of {} "
        "bytes",
        packed_bytes, count, element_size);
  }
  return Status::Ok();
}

flatbuffers::Offset<fb::SparsityParameters> WriteSparsity(
    flatbuffers::FlatBufferBuilder& fbb, const ir::SparsityParams& sp) {
  std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims;
  for (const ir::SparseDimension& d : sp.dim_metadata) {
    if (d.dense) {
      dims.push_back(fb::CreateDimensionMetadata(fbb, fb::DimensionType::DENSE,
                                                 d.dense_size));
      continue;
    }
    auto segments = fb::CreateInt32Vector(fbb, fbb.CreateVector(d.segments));
    auto indices = fb::CreateInt32Vector(fbb, fbb.CreateVector(d.indices));
    dims.push_back(fb::CreateDimensionMetadata(
        fbb, fb::DimensionType::SPARSE_CSR, 0,
        fb::SparseIndexVector::Int32Vector, segments.Union(),
        fb::SparseIndexVector::Int32Vector, indices.Union()));
  }
  auto traversal = fbb.CreateVector(sp.traversal_order);
  auto block_map = sp.block_map.empty()
                       ? flatbuffers::Offset<flatbuffers::Vector<int32_t>>(0)
                       : fbb.CreateVector(sp.block_map);
  auto dim_vec = fbb.CreateVector(dims);
  return fb::CreateSparsityParameters(fbb, traversal, block_map, dim_vec);
}

}  // namespace mai::tflite
