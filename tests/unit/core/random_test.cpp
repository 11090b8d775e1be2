// Randomness from RAND_bytes: lengths, alphabet, uniqueness.
#include <authflow/core/random.hpp>

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace authflow {
namespace {

bool is_base64url(std::string_view text) {
    for (char c : text) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

TEST(Random, BytesHaveTheRequestedLength) {
    EXPECT_EQ(random_bytes(0).size(), 0u);
    EXPECT_EQ(random_bytes(1).size(), 1u);
    EXPECT_EQ(random_bytes(32).size(), 32u);
    EXPECT_EQ(random_bytes(4096).size(), 4096u);
}

TEST(Random, BytesDiffer) {
    EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(Random, BytesUseTheWholeRange) {
    // 64 KiB of good randomness hits every byte value (a miss has probability < 1e-100).
    const std::string bytes = random_bytes(65536);
    std::array<bool, 256> seen{};
    for (char c : bytes) {
        seen[static_cast<unsigned char>(c)] = true;
    }
    for (int i = 0; i < 256; ++i) {
        EXPECT_TRUE(seen[static_cast<std::size_t>(i)]) << i;
    }
}

TEST(Random, TokensAreBase64UrlOfTheRequestedBytes) {
    EXPECT_EQ(random_token().size(), 43u); // 32 bytes
    EXPECT_EQ(random_token(16).size(), 22u);
    EXPECT_EQ(random_token(48).size(), 64u);
    EXPECT_TRUE(is_base64url(random_token()));
}

TEST(Random, TokensAreDistinct) {
    std::set<std::string> tokens;
    for (int i = 0; i < 1000; ++i) {
        tokens.insert(random_token());
    }
    EXPECT_EQ(tokens.size(), 1000u);
}

} // namespace
} // namespace authflow
