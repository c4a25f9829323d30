// SHA-256 of bytes or of a file (OpenSSL's implementation), as lowercase
// hex: the identity of a model in reports and in the evaluation server.
#ifndef MAI_CORE_SHA256_H_
#define MAI_CORE_SHA256_H_

#include <cstdint>
#include <span>
#include <string>

#include "core/status.h"

namespace mai {

std::string Sha256Hex(std::span<const uint8_t> bytes);

// Reads the file in blocks; IoError when it cannot be opened or read.
Result<std::string> Sha256HexOfFile(const std::string& path);

}  // namespace mai

#endif  // MAI_CORE_SHA256_H_
