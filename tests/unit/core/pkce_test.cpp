// PKCE (RFC 7636): the Appendix B vector, generation, verifier validation.
#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

namespace authflow {
namespace {

// RFC 7636 Appendix B.
constexpr std::string_view rfc_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view rfc_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error, nothing thrown";
    return errc::internal;
}

bool is_unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool is_base64url(std::string_view text) {
    for (char c : text) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

TEST(Pkce, Rfc7636AppendixB) {
    EXPECT_EQ(pkce_s256_challenge(rfc_verifier), rfc_challenge);
    const auto pkce = PKCEChallenge::from_verifier(rfc_verifier);
    EXPECT_EQ(pkce.verifier(), rfc_verifier);
    EXPECT_EQ(pkce.challenge(), rfc_challenge);
    EXPECT_EQ(pkce.method(), "S256");
}

TEST(Pkce, GenerateDefaultIs64Bytes) {
    const auto pkce = PKCEChallenge::generate();
    EXPECT_EQ(pkce.verifier().size(), 86u);
    EXPECT_EQ(pkce.challenge().size(), 43u);
    EXPECT_EQ(pkce.method(), "S256");
    EXPECT_TRUE(is_base64url(pkce.verifier())) << pkce.verifier();
    EXPECT_EQ(pkce.challenge(), pkce_s256_challenge(pkce.verifier()));
}

TEST(Pkce, GenerateLengths) {
    for (auto [bytes, chars] : {std::pair{32u, 43u}, std::pair{33u, 44u}, std::pair{64u, 86u},
                                std::pair{95u, 127u}, std::pair{96u, 128u}}) {
        const auto pkce = PKCEChallenge::generate(bytes);
        EXPECT_EQ(pkce.verifier().size(), chars) << bytes;
        EXPECT_EQ(pkce.challenge().size(), 43u);
        EXPECT_TRUE(is_base64url(pkce.verifier()));
        EXPECT_EQ(pkce.challenge(), pkce_s256_challenge(pkce.verifier()));
        // What generate makes, from_verifier accepts.
        EXPECT_EQ(PKCEChallenge::from_verifier(pkce.verifier()).challenge(), pkce.challenge());
    }
}

TEST(Pkce, GenerateRejectsOtherLengths) {
    for (std::size_t bytes : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{97},
                              std::size_t{1024}, static_cast<std::size_t>(-1)}) {
        EXPECT_EQ(error_code([&] { PKCEChallenge::generate(bytes); }), errc::bad_pkce) << bytes;
    }
}

TEST(Pkce, TwoGenerationsDiffer) {
    const auto a = PKCEChallenge::generate();
    const auto b = PKCEChallenge::generate();
    EXPECT_NE(a.verifier(), b.verifier());
    EXPECT_NE(a.challenge(), b.challenge());
}

TEST(Pkce, FromVerifierAcceptsTheWholeUnreservedAlphabet) {
    const std::string all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    for (char c : all) {
        ASSERT_TRUE(is_unreserved(c));
    }
    EXPECT_NO_THROW(PKCEChallenge::from_verifier(all));
    EXPECT_NO_THROW(PKCEChallenge::from_verifier(std::string(43, '~')));
    EXPECT_NO_THROW(PKCEChallenge::from_verifier(std::string(43, '.')));
    EXPECT_NO_THROW(PKCEChallenge::from_verifier(std::string(128, 'a')));
}

TEST(Pkce, FromVerifierRejectsBadLength) {
    for (std::size_t length : {0u, 1u, 42u, 129u, 1000u}) {
        EXPECT_EQ(error_code([&] { PKCEChallenge::from_verifier(std::string(length, 'a')); }),
                  errc::bad_pkce)
            << length;
    }
}

TEST(Pkce, FromVerifierRejectsBadAlphabet) {
    const std::string base(43, 'a');
    const std::vector<std::string> bad_pieces = {
        "+", "/", "=", " ", "%", "!", "\n", "\t", "*", "\\", "\xc3\xa9", std::string(1, '\0')};
    for (const auto& bad : bad_pieces) {
        std::string verifier = base;
        verifier.replace(20, bad.size(), bad);
        EXPECT_EQ(error_code([&] { PKCEChallenge::from_verifier(verifier); }), errc::bad_pkce)
            << "character code " << static_cast<int>(static_cast<unsigned char>(bad[0]));
    }
}

TEST(Pkce, ErrorsNeverEchoTheVerifier) {
    const std::string verifier = "VERIFIER" + std::string(40, 'x') + "+";
    try {
        PKCEChallenge::from_verifier(verifier);
        FAIL() << "expected bad_pkce";
    } catch (const Error& e) {
        EXPECT_EQ(std::string{e.what()}.find("VERIFIER"), std::string::npos) << e.what();
    }
}

TEST(Pkce, IsImmutable) {
    // Only const accessors: there is nothing to assign through.
    static_assert(
        std::is_same_v<decltype(std::declval<PKCEChallenge&>().verifier()), const std::string&>);
    static_assert(
        std::is_same_v<decltype(std::declval<PKCEChallenge&>().challenge()), const std::string&>);
    static_assert(!std::is_default_constructible_v<PKCEChallenge>);
    SUCCEED();
}

} // namespace
} // namespace authflow
