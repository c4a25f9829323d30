#include "server/tokens.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace mai::server {
namespace {

constexpr size_t kTokenRandomBytes = 32;

void EnsureSodium() {
  Status s = InitTokens();
  if (!s.ok()) {
    std::fprintf(stderr, "mai: %s\n", s.message().c_str());
    std::abort();
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool IsB64TokenChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

// RFC 6750: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
// "/" ) *"=".
bool IsB64Token(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && IsB64TokenChar(t[i])) ++i;
  if (i == 0) return false;
  while (i < t.size() && t[i] == '=') ++i;
  return i == t.size();
}

}  // namespace

Status InitTokens() {
  // A function-local static is initialised exactly once, thread-safely;
  // sodium_init is itself idempotent (1 when already initialised).
  static const int rc = sodium_init();
  if (rc < 0) return Internal("libsodium could not be initialised");
  return Status::Ok();
}

std::string NewToken(std::string_view prefix) {
  EnsureSodium();
  unsigned char raw[kTokenRandomBytes];
  randombytes_buf(raw, sizeof(raw));
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  char encoded[sodium_base64_ENCODED_LEN(kTokenRandomBytes, kVariant)];
  sodium_bin2base64(encoded, sizeof(encoded), raw, sizeof(raw), kVariant);
  sodium_memzero(raw, sizeof(raw));
  std::string token(prefix);
  token += encoded;
  sodium_memzero(encoded, sizeof(encoded));
  return token;
}

std::string HashToken(std::string_view token) {
  EnsureSodium();
  unsigned char digest[crypto_generichash_BYTES];  // 32
  crypto_generichash(digest, sizeof(digest),
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[2 * sizeof(digest) + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return std::string(hex, 2 * sizeof(digest));
}

bool TokensEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  EnsureSodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  std::string_view value = Trim(header);
  if (value.size() <= kScheme.size() || !IsSpace(value[kScheme.size()])) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (Lower(value[i]) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = Trim(value.substr(kScheme.size()));
  if (token.empty() || token.size() > kMaxTokenLength || !IsB64Token(token)) {
    return std::nullopt;
  }
  return std::string(token);
}

}  // namespace mai::server
