#include "server/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

#include "core/sha256.h"

namespace mai::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempMarker = ".tmp-";

// Closes the descriptor on scope exit unless released.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the error close(2) gives (a late write error).
  int Close() {
    int fd = fd_;
    fd_ = -1;
    return fd >= 0 ? ::close(fd) : 0;
  }

 private:
  int fd_;
};

std::string Errno() { return std::strerror(errno); }

// A hostile argument made safe for an error message: printable ASCII only,
// at most 80 characters.
std::string Printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 80; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

Status CheckHex(std::string_view hex) {
  if (BlobStore::IsValidHex(hex)) return Status::Ok();
  return InvalidArgument(
      "'{}' is not a SHA-256 digest (64 lowercase hex digits, {} given)",
      Printable(hex), hex.size());
}

int OpenNoIntr(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

Status WriteAll(int fd, std::span<const uint8_t> bytes,
                const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write '{}': {}", path, Errno());
    }
    if (n == 0) return IoError("cannot write '{}': no progress", path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status Fsync(int fd, const std::string& path) {
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc < 0 && errno == EINTR);
  // EINVAL: the filesystem cannot sync this kind of file (some directories).
  if (rc < 0 && errno != EINVAL) {
    return IoError("cannot fsync '{}': {}", path, Errno());
  }
  return Status::Ok();
}

Status FsyncPath(const std::string& path, int flags) {
  UniqueFd fd(OpenNoIntr(path.c_str(), flags | O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return IoError("cannot open '{}': {}", path, Errno());
  return Fsync(fd.get(), path);
}

Status FsyncDir(const std::string& dir) { return FsyncPath(dir, O_DIRECTORY); }

// Creates `dir` if missing and makes its entry durable in `parent`.
Status EnsureDir(const std::string& dir, const std::string& parent) {
  if (::mkdir(dir.c_str(), 0755) == 0) return FsyncDir(parent);
  if (errno != EEXIST) {
    return IoError("cannot create directory '{}': {}", dir, Errno());
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return IoError("'{}' exists but is not a directory", dir);
  }
  return Status::Ok();
}

// Reads a whole regular file of at most `max_bytes` (InvalidArgument for
// anything else, a symlink too unless `follow_symlinks`). `missing` is the
// status for a file that does not exist.
Result<std::vector<uint8_t>> ReadRegularFile(const std::string& path,
                                             uint64_t max_bytes,
                                             bool follow_symlinks,
                                             Status missing) {
  UniqueFd fd(OpenNoIntr(
      path.c_str(), O_RDONLY | O_CLOEXEC | (follow_symlinks ? 0 : O_NOFOLLOW)));
  if (fd.get() < 0) {
    if (errno == ENOENT) return missing;
    if (errno == ELOOP) return InvalidArgument("'{}' is a symlink", path);
    return IoError("cannot open '{}': {}", path, Errno());
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return IoError("cannot stat '{}': {}", path, Errno());
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument("'{}' is not a regular file", path);
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    return OutOfRange("'{}' has {} bytes, more than the limit of {} bytes",
                      path, size, max_bytes);
  }
  std::vector<uint8_t> bytes(size);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read '{}': {}", path, Errno());
    }
    if (n == 0) break;  // shrank meanwhile; the caller's checks catch it
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

// `<final>.tmp-<pid>-<counter>-<random>`: unique within the process by the
// counter, across processes by the pid and a per-process random value.
std::string TempName(const std::string& final_path) {
  static const uint64_t kProcessRandom = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }();
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}{}{}-{}-{:016x}", final_path, kTempMarker, ::getpid(),
                     counter.fetch_add(1), kProcessRandom);
}

bool IsTempName(const std::string& name) {
  return name.find(kTempMarker) != std::string::npos;
}

// Removes leftover temp files directly inside `dir`.
Status RemoveTempFiles(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!IsTempName(it->path().filename().string())) continue;
    if (!it->is_regular_file(ec) || ec) continue;
    fs::remove(it->path(), ec);
    if (ec) {
      return IoError("cannot remove temp file '{}': {}", it->path().string(),
                     ec.message());
    }
  }
  if (ec) return IoError("cannot list '{}': {}", dir.string(), ec.message());
  return Status::Ok();
}

bool IsHexShard(const std::string& name) {
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  };
  return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

}  // namespace

bool BlobStore::IsValidHex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<BlobStore> BlobStore::Open(const std::string& dir,
                                  BlobStoreOptions options) {
  if (dir.empty()) return InvalidArgument("blob store directory is empty");
  std::error_code ec;
  bool created = fs::create_directories(dir, ec);
  if (ec) {
    return IoError("cannot create blob store '{}': {}", dir, ec.message());
  }
  if (!fs::is_directory(dir, ec)) {
    return InvalidArgument("blob store '{}' is not a directory", dir);
  }
  fs::path absolute = fs::absolute(dir, ec).lexically_normal();
  if (ec) return IoError("cannot resolve '{}': {}", dir, ec.message());
  std::string root = absolute.string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (created) {
    MAI_RETURN_IF_ERROR(FsyncDir(fs::path(root).parent_path().string()));
  }
  MAI_RETURN_IF_ERROR(RemoveTempFiles(root));
  for (fs::directory_iterator it(root, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code entry_ec;
    if (IsHexShard(it->path().filename().string()) &&
        it->is_directory(entry_ec)) {
      MAI_RETURN_IF_ERROR(RemoveTempFiles(it->path()));
    }
  }
  if (ec) return IoError("cannot list '{}': {}", root, ec.message());
  return BlobStore(std::move(root), options);
}

Result<std::string> BlobStore::PathOf(const std::string& sha256_hex) const {
  MAI_RETURN_IF_ERROR(CheckHex(sha256_hex));
  return fmt::format("{}/{}/{}", dir_,
                     std::string_view(sha256_hex).substr(0, 2), sha256_hex);
}

bool BlobStore::Contains(const std::string& sha256_hex) const {
  if (!IsValidHex(sha256_hex)) return false;
  std::string path = *PathOf(sha256_hex);
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::string> BlobStore::Put(std::span<const uint8_t> bytes) const {
  if (bytes.size() > options_.max_blob_bytes) {
    return OutOfRange("blob of {} bytes is over the limit of {} bytes",
                      bytes.size(), options_.max_blob_bytes);
  }
  const std::string hex = Sha256Hex(bytes);
  const std::string shard = fmt::format("{}/{}", dir_, hex.substr(0, 2));
  const std::string final_path = *PathOf(hex);
  MAI_RETURN_IF_ERROR(EnsureDir(shard, dir_));

  // Already stored: no rewrite, but sync it in case the Put that wrote it
  // crashed between its rename and its directory fsync.
  struct stat st;
  if (::lstat(final_path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) == bytes.size()) {
    Result<std::string> existing = Sha256HexOfFile(final_path);
    if (existing.ok() && *existing == hex) {
      MAI_RETURN_IF_ERROR(FsyncPath(final_path, O_NOFOLLOW));
      MAI_RETURN_IF_ERROR(FsyncDir(shard));
      return hex;
    }
    // Damaged on disk: fall through and replace it atomically.
  }

  std::string temp_path;
  int raw_fd = -1;
  for (int attempt = 0; attempt < 16 && raw_fd < 0; ++attempt) {
    temp_path = TempName(final_path);
    raw_fd =
        OpenNoIntr(temp_path.c_str(),
                   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (raw_fd < 0 && errno != EEXIST) {
      return IoError("cannot create '{}': {}", temp_path, Errno());
    }
  }
  if (raw_fd < 0) return IoError("cannot find a free temp name in '{}'", shard);
  UniqueFd fd(raw_fd);

  auto fail = [&](Status status) {
    fd.Close();
    ::unlink(temp_path.c_str());
    return status;
  };
  if (Status s = WriteAll(fd.get(), bytes, temp_path); !s.ok()) return fail(s);
  if (Status s = Fsync(fd.get(), temp_path); !s.ok()) return fail(s);
  if (fd.Close() != 0) {
    return fail(IoError("cannot close '{}': {}", temp_path, Errno()));
  }
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    return fail(IoError("cannot rename '{}' to '{}': {}", temp_path, final_path,
                        Errno()));
  }
  MAI_RETURN_IF_ERROR(FsyncDir(shard));
  return hex;
}

Result<std::string> BlobStore::PutFile(const std::string& path) const {
  MAI_ASSIGN_OR_RETURN(
      std::vector<uint8_t> bytes,
      ReadRegularFile(path, options_.max_blob_bytes, /*follow_symlinks=*/true,
                      NotFound("cannot open '{}': no such file", path)));
  return Put(bytes);
}

Result<std::vector<uint8_t>> BlobStore::Get(
    const std::string& sha256_hex) const {
  MAI_ASSIGN_OR_RETURN(std::string path, PathOf(sha256_hex));
  Result<std::vector<uint8_t>> bytes =
      ReadRegularFile(path, UINT64_MAX, /*follow_symlinks=*/false,
                      NotFound("no blob {}", sha256_hex));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kInvalidArgument) {
      return Internal("corrupt blob {}: {}", sha256_hex,
                      bytes.status().message());
    }
    return bytes.status();
  }
  std::string actual = Sha256Hex(*bytes);
  if (actual != sha256_hex) {
    return Internal(
        "corrupt blob {}: the {} bytes of '{}' hash to {}; the stored model "
        "is damaged and must be uploaded again",
        sha256_hex, bytes->size(), path, actual);
  }
  return bytes;
}

}  // namespace mai::server
