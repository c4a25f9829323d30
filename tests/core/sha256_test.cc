// SHA-256 against the FIPS 180-2 test vectors, for bytes and for files.
#include "core/sha256.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mai {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(Bytes("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(Bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(Bytes(
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, FileOfAMillionAs) {
  // FIPS 180-2: one million 'a' characters, read across several blocks.
  const auto path = std::filesystem::temp_directory_path() /
                    ("mai_sha256_" + std::to_string(getpid()));
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(1000000, 'a');
  }
  auto hex = Sha256HexOfFile(path.string());
  ASSERT_TRUE(hex.ok()) << hex.status().message();
  EXPECT_EQ(*hex,
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::filesystem::remove(path);
  EXPECT_EQ(Sha256HexOfFile(path.string()).status().code(),
            StatusCode::kIoError);
}

}  // namespace
}  // namespace mai
