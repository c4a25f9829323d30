// Sparse tensor encoding (TFLite's SparsityParameters): flatbuffer <->
// ir::SparsityParams, and the checks that make the packed data safe to
// expand (see passes that densify constants).
#ifndef MAI_TFLITE_SPARSITY_H_
#define MAI_TFLITE_SPARSITY_H_

#include <cstddef>

#include "core/status.h"
#include "ir/graph.h"
#include "tflite/read_budget.h"
#include "tflite/schema/tflite_schema_generated.h"

namespace mai::tflite {

// Copies a SparsityParameters table. Checks only what conversion needs (known
// dimension formats, CSR levels with both index vectors).
Result<ir::SparsityParams> ReadSparsity(const fb::SparsityParameters& s,
                                        ReadBudget& budget);

// Checks `sparsity` against the dense `shape` and the size of the packed
// values: traversal order is a permutation of the n tensor dims followed by
// a permutation of the k block dims; block_map names k distinct tensor dims,
// each divisible by its (dense) block size; dense levels have the expected
// size; CSR segments start at 0, never decrease and end at the index count;
// indices are in range and strictly increasing within a segment; the number
// of stored values times `element_size` equals `packed_bytes`.
Status ValidateSparsity(const ir::SparsityParams& sparsity, const Shape& shape,
                        size_t element_size, size_t packed_bytes);

flatbuffers::Offset<fb::SparsityParameters> WriteSparsity(
    flatbuffers::FlatBufferBuilder& fbb, const ir::SparsityParams& sparsity);

}  // namespace mai::tflite

#endif  // MAI_TFLITE_SPARSITY_H_
