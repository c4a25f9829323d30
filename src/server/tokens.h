// API tokens of the evaluation server: generation, storage hash, comparison
// and parsing of the `Authorization: Bearer <token>` header (libsodium).
//
// A token is `<prefix>` + 43 URL-safe base64 characters (32 random bytes from
// randombytes_buf, no padding), e.g. `mai_p_...` for participants and
// `mai_a_...` for admins. The server never stores a token, only
// HashToken(token), and looks a request's token up by that hash.
//
// Why a fast hash and not argon2: a token carries 256 bits of entropy, so
// inverting even a very fast hash is infeasible; password stretching only
// helps low-entropy secrets. Argon2 would add tens of milliseconds and a lot
// of memory to every request (a denial-of-service lever), and its random salt
// would make the hash unusable as a lookup key.
//
// libsodium is initialised on first use (sodium_init, thread-safe). If it
// cannot be (no usable entropy source), generating tokens would be unsafe,
// so the functions abort; call InitTokens() at server start to get that
// failure as a Status instead.
#ifndef MAI_SERVER_TOKENS_H_
#define MAI_SERVER_TOKENS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mai::server {

// Participant (and admin) tokens and device-agent tokens are told apart by
// their prefix for people; the server decides by the token's kind in the
// store, never by the prefix.
inline constexpr std::string_view kParticipantTokenPrefix = "mai_p_";
inline constexpr std::string_view kAgentTokenPrefix = "mai_a_";

// Longest token BearerToken accepts, in characters.
inline constexpr size_t kMaxTokenLength = 256;

// Initialises libsodium once (later calls are cheap). Internal on failure.
Status InitTokens();

// `prefix` followed by 32 random bytes in unpadded URL-safe base64 (43
// characters of [A-Za-z0-9_-]). Never returns the same token twice in
// practice (2^-128 collision odds after 2^64 tokens).
std::string NewToken(std::string_view prefix);

// Lowercase hex of the unkeyed BLAKE2b-256 (crypto_generichash, 32-byte
// output) of the token's bytes: 64 characters, deterministic.
std::string HashToken(std::string_view token);

// Constant-time equality (sodium_memcmp) for equal lengths; strings of
// different lengths are unequal at once (a length is not secret).
bool TokensEqual(std::string_view a, std::string_view b);

// The token of an `Authorization` header value `Bearer <token>`: the scheme
// is case-insensitive, spaces and tabs around the value and between scheme
// and token are ignored. nullopt for another scheme ("Basic ..."), a missing
// or empty token, one over kMaxTokenLength characters, or one with a
// character outside RFC 6750's b64token set ([A-Za-z0-9-._~+/] then '=').
std::optional<std::string> BearerToken(std::string_view header);

}  // namespace mai::server

#endif  // MAI_SERVER_TOKENS_H_
