// base64url (RFC 4648 §5, strict) and standard base64 (§4), with the §10 test vectors.
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace authflow {
namespace {

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error, nothing thrown";
    return errc::internal;
}

// RFC 4648 §10.
const std::vector<std::pair<std::string, std::string>> rfc_vectors = {{"", ""},
                                                                      {"f", "Zg=="},
                                                                      {"fo", "Zm8="},
                                                                      {"foo", "Zm9v"},
                                                                      {"foob", "Zm9vYg=="},
                                                                      {"fooba", "Zm9vYmE="},
                                                                      {"foobar", "Zm9vYmFy"}};

std::string unpadded(std::string text) {
    while (!text.empty() && text.back() == '=') {
        text.pop_back();
    }
    return text;
}

std::string all_bytes() {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
    }
    return bytes;
}

TEST(Encoding, Base64Rfc4648Vectors) {
    for (const auto& [plain, encoded] : rfc_vectors) {
        EXPECT_EQ(base64_encode(plain), encoded) << plain;
        EXPECT_EQ(base64_decode(encoded), plain) << encoded;
        EXPECT_EQ(base64_decode(unpadded(encoded)), plain) << "unpadded " << encoded;
    }
}

TEST(Encoding, Base64UrlRfc4648Vectors) {
    for (const auto& [plain, encoded] : rfc_vectors) {
        EXPECT_EQ(base64url_encode(plain), unpadded(encoded)) << plain;
        EXPECT_EQ(base64url_decode(unpadded(encoded)), plain) << encoded;
    }
}

TEST(Encoding, UrlAlphabet) {
    const std::string bytes = "\xfb\xff\xbf";
    EXPECT_EQ(base64_encode(bytes), "+/+/");
    EXPECT_EQ(base64url_encode(bytes), "-_-_");
    EXPECT_EQ(base64url_decode("-_-_"), bytes);
    EXPECT_EQ(base64_decode("+/+/"), bytes);
}

TEST(Encoding, RoundTripsEveryByte) {
    const std::string bytes = all_bytes();
    for (std::size_t n = 0; n <= bytes.size(); n += 7) {
        const std::string piece = bytes.substr(0, n);
        EXPECT_EQ(base64url_decode(base64url_encode(piece)), piece) << n;
        EXPECT_EQ(base64_decode(base64_encode(piece)), piece) << n;
    }
}

TEST(Encoding, Base64UrlIsStrict) {
    for (auto bad : {
             "Zg==",         // padding
             "Zm8=",         // padding
             "Zm 9v",        // whitespace
             "Zm9v\n",       // newline
             " Zm9v",        // leading space
             "Zm9v\t",       // tab
             "+/8",          // standard alphabet
             "Zm9v/A",       // '/'
             "Zm9v+A",       // '+'
             "Zh",           // non-zero trailing bits ("Zg" is "f")
             "Zm9",          // non-zero trailing bits ("Zm8" is "fo")
             "Zm9vY",        // length % 4 == 1
             "A",            // length % 4 == 1
             "Zm9v!",        // foreign character
             "Zm9v.",        // foreign character
             "Zm9v\xc3\xa9", // non-ASCII
         }) {
        EXPECT_EQ(error_code([&] { base64url_decode(bad); }), errc::bad_base64) << bad;
        std::string out = "keep";
        EXPECT_FALSE(base64url_decode_to(bad, out)) << bad;
    }
    EXPECT_EQ(error_code([] { base64url_decode(std::string("Zm\0v", 4)); }), errc::bad_base64);
}

TEST(Encoding, Base64UrlDecodeToAppends) {
    std::string out = "x";
    EXPECT_TRUE(base64url_decode_to("Zm9v", out));
    EXPECT_EQ(out, "xfoo");
    EXPECT_TRUE(base64url_decode_to("", out));
    EXPECT_EQ(out, "xfoo");
}

TEST(Encoding, Base64RejectsBadInput) {
    for (auto bad : {"Zm 8=", "Zm8=\n", "-_8=", "Zm9v!", "Zm8==", "Z===", "=", "Zg=a", "A"}) {
        EXPECT_EQ(error_code([&] { base64_decode(bad); }), errc::bad_base64) << bad;
    }
}

TEST(Encoding, Base64DecodesA32ByteKey) {
    // The store key format: standard base64 of 32 bytes, padding allowed.
    const std::string key(32, '\x5a');
    const std::string text = base64_encode(key);
    EXPECT_EQ(text.size(), 44u);
    EXPECT_EQ(base64_decode(text), key);
    EXPECT_EQ(base64_decode(unpadded(text)), key);
}

} // namespace
} // namespace authflow
