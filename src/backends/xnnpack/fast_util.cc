#include "backends/xnnpack/fast_util.h"

#include <cstring>

namespace mai::backends::xnnpack::fast {
namespace {

template <typename T>
void GatherRow(const uint8_t* in, int64_t stride, int64_t n, uint8_t* out) {
  const T* __restrict src = reinterpret_cast<const T*>(in);
  T* __restrict dst = reinterpret_cast<T*>(out);
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
}

void GatherRowBytes(size_t es, const uint8_t* in, int64_t stride, int64_t n,
                    uint8_t* out) {
  switch (es) {
    case 1:
      GatherRow<uint8_t>(in, stride, n, out);
      break;
    case 2:
      GatherRow<uint16_t>(in, stride, n, out);
      break;
    case 4:
      GatherRow<uint32_t>(in, stride, n, out);
      break;
    default:
      GatherRow<uint64_t>(in, stride, n, out);
      break;
  }
}

// out[a * out_a_stride + b] = in[a + b * in_b_stride] for a < a_count,
// b < b_count, in tiles of kTile columns (the lines read for one a are read
// again for a + 1), moved as 4x4 blocks held in registers where both sides
// allow.
template <typename T>
void TransposeTile(const uint8_t* in_bytes, uint8_t* out_bytes, int64_t a_count,
                   int64_t b_count, int64_t in_b_stride, int64_t out_a_stride) {
  constexpr int64_t kTile = 32;
  const T* __restrict in = reinterpret_cast<const T*>(in_bytes);
  T* __restrict out = reinterpret_cast<T*>(out_bytes);
  for (int64_t b0 = 0; b0 < b_count; b0 += kTile) {
    const int64_t nb = std::min(kTile, b_count - b0);
    int64_t a = 0;
    if (nb >= 4) {
      for (; a + 4 <= a_count; a += 4) {
        int64_t b = 0;
        for (; b + 4 <= nb; b += 4) {
          const T* src = in + a + (b0 + b) * in_b_stride;
          T* dst = out + a * out_a_stride + b0 + b;
          T v[4][4];
          for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 4; ++j) v[i][j] = src[i * in_b_stride + j];
          }
          for (int j = 0; j < 4; ++j) {
            for (int i = 0; i < 4; ++i) dst[j * out_a_stride + i] = v[i][j];
          }
        }
        for (; b < nb; ++b) {
          for (int i = 0; i < 4; ++i) {
            out[(a + i) * out_a_stride + b0 + b] =
                in[a + i + (b0 + b) * in_b_stride];
          }
        }
      }
    }
    for (; a < a_count; ++a) {
      const T* src = in + a + b0 * in_b_stride;
      T* dst = out + a * out_a_stride + b0;
      for (int64_t b = 0; b < nb; ++b) dst[b] = src[b * in_b_stride];
    }
  }
}

}  // namespace

Status StridedCopyPlan::Init(size_t element_size, std::span<const int64_t> dims,
                             std::span<const int64_t> in_strides,
                             int64_t base) {
  if (element_size != 1 && element_size != 2 && element_size != 4 &&
      element_size != 8) {
    return Internal("strided copy of {}-byte elements", element_size);
  }
  if (dims.size() != in_strides.size()) {
    return Internal("strided copy: {} strides for rank {}", in_strides.size(),
                    dims.size());
  }
  element_size_ = element_size;
  base_ = base;
  outer_.clear();
  outer_count_ = 1;
  // Merge dims that are contiguous in the input (the output is dense).
  std::vector<int64_t> size, stride;
  int64_t total = 1;
  for (size_t d = 0; d < dims.size(); ++d) {
    total *= dims[d];
    if (dims[d] == 1) continue;
    if (!size.empty() && stride.back() == in_strides[d] * dims[d]) {
      size.back() *= dims[d];
      stride.back() = in_strides[d];
    } else {
      size.push_back(dims[d]);
      stride.push_back(in_strides[d]);
    }
  }
  total_bytes_ = total * static_cast<int64_t>(element_size);
  repeat_ = 1;
  block_bytes_ = total_bytes_;
  if (total == 0) {
    kind_ = Kind::kEmpty;
    return Status::Ok();
  }
  const int rank = static_cast<int>(size.size());
  if (rank > kMaxRank) {
    return Unimplemented("strided copy of rank {} (max {})", rank, kMaxRank);
  }
  if (rank == 0) {
    kind_ = Kind::kScalar;
    return Status::Ok();
  }
  // A leading broadcast dim (input stride 0, as TILE makes): build one
  // block, then replicate it.
  if (size.size() >= 2 && stride[0] == 0) {
    repeat_ = size[0];
    size.erase(size.begin());
    stride.erase(stride.begin());
  }
  block_bytes_ = total_bytes_ / repeat_;
  return InitBlock(size, stride);
}

Status StridedCopyPlan::InitBlock(const std::vector<int64_t>& size,
                                  const std::vector<int64_t>& stride) {
  const int rank = static_cast<int>(size.size());
  std::vector<int64_t> out_stride(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    out_stride[d] = s;
    s *= size[d];
  }
  const int last = rank - 1;
  int contiguous = -1;  // a dim before the last one that is unit-stride
  for (int d = 0; d < last; ++d) {
    if (stride[d] == 1) contiguous = d;
  }
  if (stride[last] == 1 || contiguous < 0) {
    kind_ = stride[last] == 1 ? Kind::kRows : Kind::kGather;
    row_size_ = size[last];
    row_stride_ = stride[last];
    for (int d = 0; d < last; ++d) {
      outer_.push_back({size[d], stride[d], out_stride[d]});
      outer_count_ *= size[d];
    }
    return Status::Ok();
  }
  kind_ = Kind::kTranspose;
  a_size_ = size[contiguous];
  a_out_stride_ = out_stride[contiguous];
  b_size_ = size[last];
  b_in_stride_ = stride[last];
  constexpr int64_t kBlockA = 32;
  a_blocks_ = (a_size_ + kBlockA - 1) / kBlockA;
  for (int d = 0; d < last; ++d) {
    if (d == contiguous) continue;
    outer_.push_back({size[d], stride[d], out_stride[d]});
    outer_count_ *= size[d];
  }
  return Status::Ok();
}

void StridedCopyPlan::OuterOffsets(int64_t q, int64_t* in_offset,
                                   int64_t* out_offset) const {
  int64_t in = 0, out = 0;
  for (int d = static_cast<int>(outer_.size()) - 1; d >= 0; --d) {
    const int64_t i = q % outer_[d].size;
    q /= outer_[d].size;
    in += i * outer_[d].in_stride;
    out += i * outer_[d].out_stride;
  }
  *in_offset = in;
  *out_offset = out;
}

void StridedCopyPlan::RunRows(const uint8_t* in, uint8_t* out, int64_t begin,
                              int64_t end) const {
  const int64_t es = static_cast<int64_t>(element_size_);
  const int num_outer = static_cast<int>(outer_.size());
  // Odometer over the outer dims, started at `begin`.
  int64_t index[kMaxRank] = {};
  int64_t in_offset = 0, out_offset = 0;
  {
    int64_t q = begin;
    for (int d = num_outer - 1; d >= 0; --d) {
      index[d] = q % outer_[d].size;
      q /= outer_[d].size;
      in_offset += index[d] * outer_[d].in_stride;
      out_offset += index[d] * outer_[d].out_stride;
    }
  }
  const int64_t row_bytes = row_size_ * es;
  for (int64_t q = begin; q < end; ++q) {
    const uint8_t* src = in + (base_ + in_offset) * es;
    uint8_t* dst = out + out_offset * es;
    if (kind_ == Kind::kRows) {
      std::memcpy(dst, src, row_bytes);
    } else {
      GatherRowBytes(element_size_, src, row_stride_, row_size_, dst);
    }
    for (int d = num_outer - 1; d >= 0; --d) {
      in_offset += outer_[d].in_stride;
      out_offset += outer_[d].out_stride;
      if (++index[d] < outer_[d].size) break;
      in_offset -= outer_[d].in_stride * outer_[d].size;
      out_offset -= outer_[d].out_stride * outer_[d].size;
      index[d] = 0;
    }
  }
}

void StridedCopyPlan::RunTranspose(const uint8_t* in, uint8_t* out,
                                   int64_t begin, int64_t end) const {
  constexpr int64_t kBlockA = 32;
  const int64_t es = static_cast<int64_t>(element_size_);
  int64_t in_offset = 0, out_offset = 0;
  for (int64_t q = begin; q < end; ++q) {
    const int64_t block = q % a_blocks_;
    if (q == begin || block == 0) {
      OuterOffsets(q / a_blocks_, &in_offset, &out_offset);
    }
    const int64_t a0 = block * kBlockA;
    const int64_t na = std::min(kBlockA, a_size_ - a0);
    const uint8_t* src = in + (base_ + in_offset + a0) * es;
    uint8_t* dst = out + (out_offset + a0 * a_out_stride_) * es;
    switch (element_size_) {
      case 1:
        TransposeTile<uint8_t>(src, dst, na, b_size_, b_in_stride_,
                               a_out_stride_);
        break;
      case 2:
        TransposeTile<uint16_t>(src, dst, na, b_size_, b_in_stride_,
                                a_out_stride_);
        break;
      case 4:
        TransposeTile<uint32_t>(src, dst, na, b_size_, b_in_stride_,
                                a_out_stride_);
        break;
      default:
        TransposeTile<uint64_t>(src, dst, na, b_size_, b_in_stride_,
                                a_out_stride_);
        break;
    }
  }
}

void StridedCopyPlan::Run(const KernelContext& ctx, const void* in_ptr,
                          void* out_ptr) const {
  const auto* in = static_cast<const uint8_t*>(in_ptr);
  auto* out = static_cast<uint8_t*>(out_ptr);
  switch (kind_) {
    case Kind::kEmpty:
      return;
    case Kind::kScalar:
      std::memcpy(out, in + base_ * static_cast<int64_t>(element_size_),
                  element_size_);
      return;
    case Kind::kRows:
    case Kind::kGather:
      ParallelFor(
          ctx, outer_count_, 2 * block_bytes_,
          [&](int64_t begin, int64_t end) { RunRows(in, out, begin, end); });
      break;
    case Kind::kTranspose:
      ParallelFor(ctx, outer_count_ * a_blocks_, 2 * block_bytes_,
                  [&](int64_t begin, int64_t end) {
                    RunTranspose(in, out, begin, end);
                  });
      break;
  }
  // Replicate the first block by doubling the filled prefix.
  for (int64_t filled = block_bytes_; filled < total_bytes_;) {
    const int64_t n = std::min(filled, total_bytes_ - filled);
    std::memcpy(out + filled, out, n);
    filled += n;
  }
}

void RowBlockPlan::Init(size_t element_size, int64_t outer,
                        std::vector<int64_t> parts) {
  element_size_ = element_size;
  outer_ = outer;
  part_ = std::move(parts);
  part_offset_.assign(part_.size(), 0);
  row_ = 0;
  for (size_t k = 0; k < part_.size(); ++k) {
    part_offset_[k] = row_;
    row_ += part_[k];
  }
}

void RowBlockPlan::Gather(const KernelContext& ctx, const uint8_t* const* parts,
                          uint8_t* whole) const {
  const int64_t es = static_cast<int64_t>(element_size_);
  ParallelFor(ctx, total(), 2 * total() * es, [&](int64_t begin, int64_t end) {
    ForEachSpan(begin, end, [&](int64_t at, int k, int64_t from, int64_t n) {
      std::memcpy(whole + at * es, parts[k] + from * es, n * es);
    });
  });
}

void RowBlockPlan::Scatter(const KernelContext& ctx, const uint8_t* whole,
                           uint8_t* const* parts) const {
  const int64_t es = static_cast<int64_t>(element_size_);
  ParallelFor(ctx, total(), 2 * total() * es, [&](int64_t begin, int64_t end) {
    ForEachSpan(begin, end, [&](int64_t at, int k, int64_t to, int64_t n) {
      std::memcpy(parts[k] + to * es, whole + at * es, n * es);
    });
  });
}

}  // namespace mai::backends::xnnpack::fast
