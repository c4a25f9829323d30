// ReadBudget: caps what the reader allocates at a fixed multiple of the
// file's size.
//
// A flatbuffer may point many tables at one shared vector (or many vector
// entries at one table), so a small hostile file could otherwise make the
// reader copy gigabytes. Every copy out of the file (names, shapes, index
// lists, options, metadata) and every IR tensor/node is paid for here first.
// An honest file needs far less than the limit.
#ifndef MAI_TFLITE_READ_BUDGET_H_
#define MAI_TFLITE_READ_BUDGET_H_

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace mai::tflite {

class ReadBudget {
 public:
  // Bytes the IR may take per byte of file, plus a fixed allowance.
  static constexpr uint64_t kBytesPerFileByte = 32;
  static constexpr uint64_t kAllowance = uint64_t{4} << 20;

  explicit ReadBudget(size_t file_size)
      : limit_(kBytesPerFileByte * static_cast<uint64_t>(file_size) +
               kAllowance),
        file_size_(file_size) {}

  // Takes `count` items of `item_bytes` each; InvalidModel when the total
  // would pass the limit.
  Status Spend(uint64_t count, uint64_t item_bytes) {
    if (item_bytes != 0 && count > (limit_ - used_) / item_bytes) {
      return InvalidModel(
          "model refers to more data than its {} bytes hold (shared or "
          "repeated vectors)",
          file_size_);
    }
    used_ += count * item_bytes;
    return Status::Ok();
  }

  uint64_t used() const { return used_; }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
  size_t file_size_;
};

}  // namespace mai::tflite

#endif  // MAI_TFLITE_READ_BUDGET_H_
