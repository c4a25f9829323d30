// Reads a .tflite flatbuffer (schema version 3) into mai's IR.
//
// Untrusted input: the flatbuffer verifier runs first, then every tensor
// index, buffer range, shape, dtype, quantization and op parameter is checked
// before use. Errors are one-line Status messages naming what is wrong
// (subgraph, node index, op, tensor). The reader never aborts and never
// allocates more than the file justifies.
//
// Constants are not copied: tensors point into the file's bytes, which the
// returned Model keeps alive (Model::storage; a read-only mmap for files).
#ifndef MAI_TFLITE_MODEL_READER_H_
#define MAI_TFLITE_MODEL_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::tflite {

// Memory-maps `path` and reads it.
Result<ir::Model> ReadModelFile(const std::string& path);

// Reads a model from bytes; the Model takes ownership of them.
Result<ir::Model> ReadModelBytes(std::vector<uint8_t> bytes);

// Reads a model from bytes held by `storage` (kept alive by the Model).
Result<ir::Model> ReadModelStorage(
    std::shared_ptr<const ir::ModelStorage> storage);

}  // namespace mai::tflite

#endif  // MAI_TFLITE_MODEL_READER_H_
