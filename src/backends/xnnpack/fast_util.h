// Building blocks of mai's own fast kernels (the ops XNNPACK's operator API
// lacks): work splitting on the session's thread pool, and two copy plans
// that most data-movement ops reduce to.
//
//   StridedCopyPlan plan;                       // in Prepare
//   MAI_RETURN_IF_ERROR(plan.Init(4, out_dims, in_strides, base));
//   plan.Run(ctx, in, out);                     // in Invoke, no allocation
//
// Plans are built in Prepare (they allocate) and run in Invoke (they do
// not). Every plan produces exactly the same bytes whatever the number of
// threads: threads split the output, never an accumulation.
#ifndef MAI_BACKENDS_XNNPACK_FAST_UTIL_H_
#define MAI_BACKENDS_XNNPACK_FAST_UTIL_H_

#include <pthreadpool.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backends/kernel.h"
#include "core/status.h"

namespace mai::backends::xnnpack::fast {

// Work below this many bytes (read plus written) runs on the calling thread:
// waking the pool costs more than it saves.
inline constexpr int64_t kParallelMinBytes = int64_t{256} << 10;

// Calls fn(begin, end) on disjoint ranges covering [0, range). The ranges
// run on the session's thread pool when there is one, `range` > 1 and
// `work_bytes` >= kParallelMinBytes; otherwise fn(0, range) runs here.
template <typename F>
void ParallelFor(const KernelContext& ctx, int64_t range, int64_t work_bytes,
                 const F& fn) {
  if (range <= 0) return;
  auto pool = static_cast<pthreadpool_t>(ctx.threadpool);
  const int64_t threads =
      pool == nullptr
          ? 1
          : static_cast<int64_t>(pthreadpool_get_threads_count(pool));
  if (threads <= 1 || range == 1 || work_bytes < kParallelMinBytes) {
    fn(int64_t{0}, range);
    return;
  }
  const int64_t pieces = std::min<int64_t>(range, threads * 4);
  auto task = [&](size_t p) {
    const int64_t i = static_cast<int64_t>(p);
    fn(range * i / pieces, range * (i + 1) / pieces);
  };
  pthreadpool_parallelize_1d(pool, task, static_cast<size_t>(pieces));
}

// The normalized axis for `axis` in [-rank, rank), or -1 when out of range.
inline int NormalizeAxis(int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) return -1;
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// A dense, row-major output of shape `dims` gathered from an input: output
// element (i_0, ..., i_{r-1}) is input element base + sum_d i_d *
// in_strides[d] (strides in elements; negative or zero allowed). This is
// SLICE, STRIDED_SLICE, TRANSPOSE and TILE. Init() drops size-1 dims and
// merges dims contiguous in the input, then picks a strategy:
//   - rows: the last dim is contiguous in the input → one memcpy per row;
//   - transpose: another dim is contiguous in the input → 2-D tiles that
//     read and write whole cache lines;
//   - gather: a strided element loop per row;
// and a leading dim read with stride 0 (TILE's outermost repeat) fills one
// block and replicates it with doubling memcpys.
class StridedCopyPlan {
 public:
  static constexpr int kMaxRank = 16;  // after merging dims

  // Error (Internal) when the element size is not 1, 2, 4 or 8 or the spans
  // differ in length; Unimplemented above kMaxRank merged dims.
  Status Init(size_t element_size, std::span<const int64_t> dims,
              std::span<const int64_t> in_strides, int64_t base);

  // Copies `in` to `out` (distinct buffers) on ctx's thread pool.
  void Run(const KernelContext& ctx, const void* in, void* out) const;

 private:
  enum class Kind { kEmpty, kScalar, kRows, kTranspose, kGather };

  // The outer loop: dims other than the copied ones, with the element
  // offsets they add on each side.
  struct OuterDim {
    int64_t size;
    int64_t in_stride;
    int64_t out_stride;
  };

  // The plan of one block once the leading broadcast dim is set aside.
  Status InitBlock(const std::vector<int64_t>& size,
                   const std::vector<int64_t>& stride);
  void RunRows(const uint8_t* in, uint8_t* out, int64_t begin,
               int64_t end) const;
  void RunTranspose(const uint8_t* in, uint8_t* out, int64_t begin,
                    int64_t end) const;
  // Offsets of outer index `q` (element units).
  void OuterOffsets(int64_t q, int64_t* in_offset, int64_t* out_offset) const;

  Kind kind_ = Kind::kEmpty;
  size_t element_size_ = 1;
  int64_t base_ = 0;
  std::vector<OuterDim> outer_;  // outermost first
  int64_t outer_count_ = 1;
  // kRows / kGather: elements per row and their input stride.
  int64_t row_size_ = 0;
  int64_t row_stride_ = 1;
  // kTranspose: dim A is contiguous in the input (`a_out_stride` apart in
  // the output); dim B is the output's last dim (`b_in_stride` apart in the
  // input). Work items are (outer index, block of A).
  int64_t a_size_ = 0, a_out_stride_ = 0;
  int64_t b_size_ = 0, b_in_stride_ = 0;
  int64_t a_blocks_ = 0;
  int64_t total_bytes_ = 0;
  // A leading dim read with stride 0 is produced by copying the first
  // block (block_bytes_) repeat_ times.
  int64_t repeat_ = 1;
  int64_t block_bytes_ = 0;
};

// Row-block copies between one "whole" tensor [outer, sum(parts), inner]
// and its parts [outer, part_k, inner]: CONCATENATION and PACK gather parts
// into the whole, SPLIT, SPLIT_V and UNPACK scatter the whole into parts.
// Sizes are in elements per outer step; the work is split by ranges of the
// whole tensor, so it parallelizes whether `outer` is large or 1.
class RowBlockPlan {
 public:
  void Init(size_t element_size, int64_t outer, std::vector<int64_t> parts);

  int64_t total() const { return outer_ * row_; }  // elements of the whole
  size_t element_size() const { return element_size_; }

  // parts[k] → whole, or whole → parts[k]. `parts` holds one pointer per
  // part.
  void Gather(const KernelContext& ctx, const uint8_t* const* parts,
              uint8_t* whole) const;
  void Scatter(const KernelContext& ctx, const uint8_t* whole,
               uint8_t* const* parts) const;

  // Visits the elements [begin, end) of the whole tensor part by part:
  // fn(whole_index, part k, index in part k, count). For kernels that
  // transform while they copy (requantizing CONCATENATION).
  template <typename F>
  void ForEachSpan(int64_t begin, int64_t end, const F& fn) const;

 private:
  size_t element_size_ = 1;
  int64_t outer_ = 0;
  int64_t row_ = 0;
  std::vector<int64_t> part_;
  std::vector<int64_t> part_offset_;
};

template <typename F>
void RowBlockPlan::ForEachSpan(int64_t begin, int64_t end, const F& fn) const {
  if (begin >= end) return;
  const int num_parts = static_cast<int>(part_.size());
  int64_t outer = begin / row_;
  int64_t pos = begin % row_;
  int k = static_cast<int>(
              std::upper_bound(part_offset_.begin(), part_offset_.end(), pos) -
              part_offset_.begin()) -
          1;
  int64_t at = begin;
  while (true) {
    const int64_t in_part = pos - part_offset_[k];
    const int64_t n = std::min(part_[k] - in_part, end - at);
    fn(at, k, outer * part_[k] + in_part, n);
    at += n;
    if (at >= end) return;
    pos += n;
    if (pos == part_offset_[k] + part_[k]) {
      do {
        if (++k == num_parts) {
          k = 0;
          pos = 0;
          ++outer;
        }
      } while (part_[k] == 0);
    }
  }
}

}  // namespace mai::backends::xnnpack::fast

#endif  // MAI_BACKENDS_XNNPACK_FAST_UTIL_H_
