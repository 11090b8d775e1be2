// constant_time_equal, SHA-256 (FIPS 180-2 vectors), hex.
#include <authflow/core/crypto.hpp>

#include <gtest/gtest.h>

#include <string>

namespace authflow {
namespace {

using namespace std::string_view_literals;

TEST(Crypto, ConstantTimeEqual) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "Abc"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_FALSE(constant_time_equal("ab", "abc"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    // Embedded NUL bytes count.
    EXPECT_FALSE(constant_time_equal("a\0b"sv, "a\0c"sv));
    EXPECT_TRUE(constant_time_equal("a\0b"sv, "a\0b"sv));
    EXPECT_FALSE(constant_time_equal("a\0b"sv, "a"sv));
    const std::string long_a(10000, 'x');
    std::string long_b = long_a;
    long_b.back() = 'y';
    EXPECT_FALSE(constant_time_equal(long_a, long_b));
    EXPECT_TRUE(constant_time_equal(long_a, std::string(10000, 'x')));
}

TEST(Crypto, Sha256Vectors) {
    EXPECT_EQ(to_hex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256("abc").size(), 32u);
    EXPECT_EQ(to_hex(sha256("a\0b"sv)), to_hex(sha256(std::string("a\0b", 3))));
    EXPECT_NE(sha256("a\0b"sv), sha256("a"));
}

TEST(Crypto, HmacSha256Rfc4231Vectors) {
    // RFC 4231 §4.2 (test case 1) and §4.3 (test case 2).
    EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(hmac_sha256("", "").size(), 32u);
    EXPECT_NE(hmac_sha256("k1", "m"), hmac_sha256("k2", "m"));
}

TEST(Crypto, ToHex) {
    EXPECT_EQ(to_hex(""), "");
    EXPECT_EQ(to_hex("\x00\xff\x10\xab"sv), "00ff10ab");
    EXPECT_EQ(to_hex("AZ"), "415a");
}

} // namespace
} // namespace authflow
