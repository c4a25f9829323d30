// Content-addressed, crash-safe storage of uploaded models on local disk.
//
// Every blob is stored under the SHA-256 of its bytes, never under a name a
// user chose: `<dir>/ab/abcdef...` (64 lowercase hex digits; the first two
// are a subdirectory so no directory grows huge).
//
// Durability contract of Put: when it returns OK, the bytes and the directory
// entry are on stable storage (file fsync'd, then renamed from a temp file in
// the same directory, then the directory fsync'd). A crash at any moment
// leaves either no file or the complete file under the final name, never a
// partial one; the only debris is temp files named `<hex>.tmp-*`, which Open
// removes. Several threads or processes may Put concurrently (temp names are
// unique, rename is atomic and all writers of a name write the same bytes),
// but Open must not run while another process is writing to the same store:
// it would delete that writer's temp file (its Put then fails cleanly).
//
// Every hex argument is validated (exactly 64 chars of [0-9a-f]) before it
// reaches the filesystem, so `../../etc/passwd`, '/', uppercase, embedded NUL
// or wrong lengths are InvalidArgument. Get re-hashes what it reads, so a blob
// damaged on disk is reported (Internal, "corrupt blob"), never returned.
#ifndef MAI_SERVER_BLOB_STORE_H_
#define MAI_SERVER_BLOB_STORE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mai::server {

struct BlobStoreOptions {
  // Largest blob Put/PutFile accept (OutOfRange beyond it, before writing).
  uint64_t max_blob_bytes = uint64_t{1} << 30;
};

class BlobStore {
 public:
  // Creates `dir` (and parents) if needed and removes leftover temp files
  // (`*.tmp-*`) from interrupted Puts. dir() and PathOf use its absolute,
  // normalised form. IoError when the directory cannot be
  // created or read; InvalidArgument when `dir` is empty or not a directory.
  static Result<BlobStore> Open(const std::string& dir,
                                BlobStoreOptions options = {});

  // Stores `bytes` durably; returns their lowercase hex SHA-256. Idempotent:
  // an existing blob with the right size and hash is not rewritten (only
  // re-synced, in case an earlier Put crashed before its directory fsync);
  // one that is damaged is replaced. OutOfRange over the size limit, IoError
  // when the OS refuses a write.
  Result<std::string> Put(std::span<const uint8_t> bytes) const;

  // Put of a file's contents. NotFound when it cannot be opened, OutOfRange
  // over the size limit (checked before reading it all).
  Result<std::string> PutFile(const std::string& path) const;

  // The bytes of a stored blob. InvalidArgument for a malformed hex,
  // NotFound when absent, Internal ("corrupt blob") when the bytes on disk no
  // longer hash to `sha256_hex`, IoError when reading fails.
  Result<std::vector<uint8_t>> Get(const std::string& sha256_hex) const;

  // Whether a blob file exists under that name (false for malformed hex). It
  // does not verify the contents; Get does.
  bool Contains(const std::string& sha256_hex) const;

  // `<dir>/ab/abcdef...` for a valid hex, InvalidArgument otherwise. The file
  // need not exist.
  Result<std::string> PathOf(const std::string& sha256_hex) const;

  // Exactly 64 characters, each in [0-9a-f].
  static bool IsValidHex(std::string_view sha256_hex);

  const std::string& dir() const { return dir_; }
  const BlobStoreOptions& options() const { return options_; }

 private:
  BlobStore(std::string dir, BlobStoreOptions options)
      : dir_(std::move(dir)), options_(options) {}

  std::string dir_;
  BlobStoreOptions options_;
};

}  // namespace mai::server

#endif  // MAI_SERVER_BLOB_STORE_H_
