// Expansion of TFLite's sparse tensor encoding (SparsityParameters) into a
// dense tensor, used by the DENSIFY kernel and by prepare-time constant
// folding.
//
// The encoding: a tensor of dense shape S (rank n) may be split into blocks
// along the dims listed in `block_map` (k entries); that gives n + k
// "levels": the n original dims (blocked dims divided by their block size)
// and the k block dims. `traversal_order` lists the levels in storage order
// (the first n are a permutation of 0..n-1, the last k of n..n+k-1), and
// `dim_metadata[l]` describes the l-th level in that order: DENSE (all
// `dense_size` indices present) or SPARSE_CSR (for each position of the
// parent level, the present indices are
// indices[segments[p] .. segments[p+1]) ). The tensor's data holds the
// values of the present elements in traversal order. Block levels must be
// dense; their dense_size is the block size.
//
// Example: the 4x4 matrix [[1 0 0 0] [0 0 2 3] [0 0 0 0] [4 0 0 0]] with
// compressed rows is
//   traversal_order = {0, 1}, block_map = {},
//   dim_metadata = {DENSE(4), CSR(segments {0, 1, 3, 3, 4},
//                                 indices {0, 2, 3, 0})},
//   values = {1, 2, 3, 4}.
//
// Elements not present are zero bytes (for quantized tensors: the raw value
// 0, as TFLite fills them).
#ifndef MAI_BACKENDS_REF_DENSIFY_H_
#define MAI_BACKENDS_REF_DENSIFY_H_

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::backends::ref {

// The dense bytes (NumElements(shape) * DTypeSize(dtype)) of the sparse
// constant `tensor`. Error (InvalidModel) when the tensor is not a constant
// with sparsity parameters, or when the encoding is inconsistent: wrong
// traversal order or block map, a dense level whose size does not match the
// shape, segments out of order or out of range, an index beyond its level,
// or fewer values than present elements. Never reads or writes out of range.
Result<std::vector<uint8_t>> DensifyToBytes(const ir::Tensor& tensor);

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_DENSIFY_H_
