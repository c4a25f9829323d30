// API tokens: randomness and format of NewToken, HashToken against BLAKE2b
// test vectors and an independent libsodium call, constant-time equality and
// Authorization header parsing.
#include "server/tokens.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>
#include <string>

namespace mai::server {
namespace {

bool IsUrlSafeBase64(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(TokensTest, NewTokenKeepsPrefixAndCarries32RandomBytes) {
  for (std::string_view prefix :
       {kParticipantTokenPrefix, kAgentTokenPrefix, std::string_view("")}) {
    std::string token = NewToken(prefix);
    ASSERT_EQ(token.size(), prefix.size() + 43) << token;  // ceil(32*4/3)
    EXPECT_EQ(token.substr(0, prefix.size()), prefix);
    EXPECT_TRUE(IsUrlSafeBase64(token.substr(prefix.size()))) << token;
  }
  EXPECT_EQ(NewToken("mai_p_").substr(0, 6), "mai_p_");
}

TEST(TokensTest, NewTokenIsDistinctOverManyCalls) {
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) seen.insert(NewToken("mai_p_"));
  EXPECT_EQ(seen.size(), 5000u);
}

TEST(TokensTest, HashTokenMatchesBlake2b256Vectors) {
  EXPECT_EQ(HashToken(""),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(HashToken("abc"),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(TokensTest, HashTokenIsDeterministicAndMatchesGenericHash) {
  ASSERT_GE(sodium_init(), 0);
  std::string token = NewToken("mai_a_");
  std::string hash = HashToken(token);
  EXPECT_EQ(hash, HashToken(token));
  ASSERT_EQ(hash.size(), 64u);
  for (char c : hash) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << hash;
  }

  unsigned char digest[32];
  crypto_generichash(digest, sizeof(digest),
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  std::string expected;
  for (unsigned char b : digest) {
    static const char kHex[] = "0123456789abcdef";
    expected += kHex[b >> 4];
    expected += kHex[b & 15];
  }
  EXPECT_EQ(hash, expected);
  EXPECT_NE(HashToken(token + "x"), hash);
  EXPECT_NE(hash, token);  // the stored value is not the token
}

TEST(TokensTest, InitTokensSucceedsRepeatedly) {
  EXPECT_TRUE(InitTokens().ok());
  EXPECT_TRUE(InitTokens().ok());
}

TEST(TokensTest, TokensEqual) {
  std::string a = NewToken("mai_p_");
  std::string b = a;
  EXPECT_TRUE(TokensEqual(a, b));
  b.back() = b.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(TokensEqual(a, b));
  b = a;
  b.front() = 'X';
  EXPECT_FALSE(TokensEqual(a, b));
  EXPECT_FALSE(TokensEqual(a, a.substr(0, a.size() - 1)));
  EXPECT_FALSE(TokensEqual(a, a + "x"));
  EXPECT_FALSE(TokensEqual("", "a"));
  EXPECT_TRUE(TokensEqual("", ""));
}

TEST(TokensTest, BearerTokenAcceptsValidHeaders) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(BearerToken("  Bearer    abc  "), "abc");
  EXPECT_EQ(BearerToken("Bearer\tabc"), "abc");
  EXPECT_EQ(BearerToken("Bearer abc=="), "abc==");
  EXPECT_EQ(BearerToken("Bearer a-b.c_d~e+f/g"), "a-b.c_d~e+f/g");
  std::string token = NewToken(kParticipantTokenPrefix);
  EXPECT_EQ(BearerToken("Bearer " + token), token);
  std::string longest(kMaxTokenLength, 'z');
  EXPECT_EQ(BearerToken("Bearer " + longest), longest);
}

TEST(TokensTest, BearerTokenRefusesInvalidHeaders) {
  EXPECT_EQ(BearerToken(""), std::nullopt);
  EXPECT_EQ(BearerToken("   "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer   \t "), std::nullopt);
  EXPECT_EQ(BearerToken("Basic x"), std::nullopt);
  EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer: abc"), std::nullopt);
  EXPECT_EQ(BearerToken("abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer a b"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer =abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer ab=c"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer abc\r\n"), std::nullopt);
  EXPECT_EQ(BearerToken(std::string("Bearer ab\0c", 11)), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer " + std::string(kMaxTokenLength + 1, 'z')),
            std::nullopt);
  EXPECT_EQ(BearerToken("Bearer " + std::string(100000, 'z')), std::nullopt);
}

}  // namespace
}  // namespace mai::server
