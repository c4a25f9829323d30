#include "tflite/model_storage.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mai::tflite {

Result<std::shared_ptr<const MappedFileStorage>> MappedFileStorage::Open(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return IoError("cannot open '{}': {}", path, std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return IoError("cannot stat '{}': {}", path, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return IoError("'{}' is not a regular file", path);
  }
  if (st.st_size <= 0) {
    ::close(fd);
    return IoError("'{}' is empty", path);
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) {
    return IoError("cannot map '{}': {}", path, std::strerror(err));
  }
  return std::shared_ptr<const MappedFileStorage>(
      new MappedFileStorage(static_cast<const uint8_t*>(p), size));
}

MappedFileStorage::~MappedFileStorage() {
  ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace mai::tflite
