// Writes mai's IR as a .tflite flatbuffer (schema version 3) that real
// TensorFlow Lite loads. Read → write → read preserves tensors (names, dtypes,
// shapes, signatures, quantization, sparsity, constant bytes), nodes (op,
// version, inputs, outputs, params, custom options), subgraphs and signatures.
#ifndef MAI_TFLITE_MODEL_WRITER_H_
#define MAI_TFLITE_MODEL_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::tflite {

struct WriteOptions {
  // Store constant buffers past the end of the flatbuffer (Buffer.offset /
  // Buffer.size, as TFLite does for models over 2 GB) instead of inline.
  // WriteModel does this by itself when the constants would not fit in a
  // flatbuffer's 2 GB.
  bool buffers_after_flatbuffer = false;
};

// Serializes `model`. It writes what it is given: indices are not checked
// against the graph (so tests can build malformed files); an error only
// when the IR cannot be expressed (params of the wrong type for an op).
// Buffer 0 is the empty sentinel; operator codes are deduplicated by
// (op, custom name, version) and carry both builtin_code and
// deprecated_builtin_code = min(code, 127).
Result<std::vector<uint8_t>> WriteModel(const ir::Model& model);
Result<std::vector<uint8_t>> WriteModel(const ir::Model& model,
                                        const WriteOptions& options);

Status WriteModelFile(const ir::Model& model, const std::string& path,
                      const WriteOptions& options = {});

}  // namespace mai::tflite

#endif  // MAI_TFLITE_MODEL_WRITER_H_
