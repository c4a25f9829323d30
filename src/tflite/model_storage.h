// Byte storage behind a model's constants: a read-only memory map of a
// .tflite file, or a vector of bytes the model owns. Constant tensors point
// into it; ir::Model::storage keeps it alive as long as any copy of the model
// exists.
#ifndef MAI_TFLITE_MODEL_STORAGE_H_
#define MAI_TFLITE_MODEL_STORAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::tflite {

// A read-only, private memory map of a whole file. Unmapped on destruction.
class MappedFileStorage final : public ir::ModelStorage {
 public:
  // IoError when the file cannot be opened, is empty, or cannot be mapped.
  static Result<std::shared_ptr<const MappedFileStorage>> Open(
      const std::string& path);

  ~MappedFileStorage() override;
  MappedFileStorage(const MappedFileStorage&) = delete;
  MappedFileStorage& operator=(const MappedFileStorage&) = delete;

  const uint8_t* data() const override { return data_; }
  size_t size() const override { return size_; }

 private:
  MappedFileStorage(const uint8_t* data, size_t size)
      : data_(data), size_(size) {}
  const uint8_t* data_;
  size_t size_;
};

// Bytes held in a vector (data() is aligned as operator new aligns, 16 bytes
// on the platforms mai targets).
class VectorStorage final : public ir::ModelStorage {
 public:
  explicit VectorStorage(std::vector<uint8_t> bytes)
      : bytes_(std::move(bytes)) {}
  const uint8_t* data() const override { return bytes_.data(); }
  size_t size() const override { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace mai::tflite

#endif  // MAI_TFLITE_MODEL_STORAGE_H_
