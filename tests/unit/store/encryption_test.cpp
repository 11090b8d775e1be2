#include "support/test_env.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/store/encryption.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <sys/stat.h>
#include <vector>

namespace authflow::test {
namespace {

// base64 of the 32 bytes 0x00..0x1f.
const std::string key_text = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

std::string key_bytes() {
    std::string bytes;
    for (int i = 0; i < 32; ++i) {
        bytes += static_cast<char>(i);
    }
    return bytes;
}

template <class Body> errc error_of(Body&& body) {
    try {
        body();
    } catch (const Error& error) {
        return error.code();
    }
    return errc::internal;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        auto at = text.find(separator, start);
        parts.push_back(text.substr(start, at - start));
        if (at == std::string::npos) {
            return parts;
        }
        start = at + 1;
    }
}

TEST(StoreKey, ReadsBase64Of32Bytes) {
    auto key = StoreKey::from_base64(key_text);
    EXPECT_EQ(key.bytes(), key_bytes());
    // The key id is the first 8 bytes of SHA-256 of the key, in hex.
    EXPECT_EQ(key.key_id(), to_hex(sha256(key_bytes()).substr(0, 8)));
    EXPECT_EQ(key.key_id().size(), 16u);
    EXPECT_EQ(key.to_base64(), key_text);
    // Without padding, and with the newline a key file usually ends with.
    EXPECT_EQ(StoreKey::from_base64(key_text.substr(0, key_text.size() - 1)).key_id(),
              key.key_id());
    EXPECT_EQ(StoreKey::from_base64("  " + key_text + "\n").key_id(), key.key_id());
}

TEST(StoreKey, DifferentKeysHaveDifferentIds) {
    auto one = StoreKey::generate();
    auto two = StoreKey::generate();
    EXPECT_NE(one.bytes(), two.bytes());
    EXPECT_NE(one.key_id(), two.key_id());
}

TEST(StoreKey, RejectsWhatIsNotA32ByteKey) {
    std::string short_key = base64_encode(std::string(31, 'k'));
    std::string long_key = base64_encode(std::string(33, 'k'));
    for (const std::string& bad :
         {std::string{}, std::string{"   "}, std::string{"not base64 at all!"}, short_key, long_key,
          key_text.substr(0, 20) + " " + key_text.substr(20),
          base64url_encode(std::string(32, '\xff'))}) {
        try {
            StoreKey::from_base64(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const ConfigError& error) {
            EXPECT_EQ(error.code(), errc::config_invalid);
            if (bad.size() > 8) {
                EXPECT_EQ(std::string{error.what()}.find(bad), std::string::npos);
            }
        }
    }
}

TEST(StoreKey, ReadsAKeyFile) {
    TempDir dir;
    auto file = dir.path() / "store.key";
    write_file(file, key_text + "\n");
    ::chmod(file.c_str(), 0600);
    EXPECT_EQ(StoreKey::from_file(file).bytes(), key_bytes());
}

TEST(StoreKey, RejectsBadKeyFiles) {
    TempDir dir;
    EXPECT_EQ(error_of([&] { StoreKey::from_file(dir.path() / "missing"); }), errc::config_invalid);
    EXPECT_EQ(error_of([&] { StoreKey::from_file(dir.path()); }), errc::config_invalid);
    write_file(dir.path() / "big", std::string(10000, 'A'));
    EXPECT_EQ(error_of([&] { StoreKey::from_file(dir.path() / "big"); }), errc::config_invalid);
    write_file(dir.path() / "short", "c2hvcnQ=");
    EXPECT_EQ(error_of([&] { StoreKey::from_file(dir.path() / "short"); }), errc::config_invalid);
}

TEST(LoadStoreKey, EnvironmentFirstThenFile) {
    TempDir dir;
    auto file = dir.path() / "store.key";
    auto file_key = StoreKey::generate();
    write_file(file, file_key.to_base64());
    ::unsetenv("AUTHFLOW_STORE_KEY");
    EXPECT_FALSE(load_store_key().has_value());
    EXPECT_EQ(load_store_key(file)->key_id(), file_key.key_id());
    ::setenv("AUTHFLOW_STORE_KEY", key_text.c_str(), 1);
    EXPECT_EQ(load_store_key(file)->bytes(), key_bytes());
    EXPECT_EQ(load_store_key()->bytes(), key_bytes());
    ::setenv("AUTHFLOW_STORE_KEY", "", 1);
    EXPECT_EQ(load_store_key(file)->key_id(), file_key.key_id());
    ::setenv("AUTHFLOW_STORE_KEY", "bm90IDMyIGJ5dGVz", 1);
    EXPECT_EQ(error_of([&] { load_store_key(file); }), errc::config_invalid);
    ::unsetenv("AUTHFLOW_STORE_KEY");
}

TEST(RecordCipher, RoundTripsAndUsesAFreshIvEachTime) {
    RecordCipher cipher{StoreKey::generate()};
    // Long enough that the ciphertext's base64 cannot contain it by chance.
    std::string secret = "the-access-token-that-must-not-show";
    std::string plain = R"({"access_token":")" + secret + R"("})";
    auto one = cipher.encrypt("alice", plain);
    auto two = cipher.encrypt("alice", plain);
    EXPECT_NE(one, two);
    EXPECT_TRUE(RecordCipher::is_encrypted(one));
    EXPECT_FALSE(RecordCipher::is_encrypted(plain));
    EXPECT_EQ(one.find(secret), std::string::npos);
    EXPECT_EQ(cipher.decrypt("alice", one), plain);
    EXPECT_EQ(cipher.decrypt("alice", two), plain);
    EXPECT_EQ(cipher.decrypt("empty", cipher.encrypt("empty", "")), "");
}

// Decrypts a record with OpenSSL directly, following the documented format: a second,
// independent reading of what RecordCipher writes.
TEST(RecordCipher, WritesTheDocumentedFormat) {
    auto key = StoreKey::from_base64(key_text);
    RecordCipher cipher{key};
    std::string plain = "tokens for bob";
    auto record = cipher.encrypt("bob", plain);
    auto parts = split(record, '.');
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[0], "afenc1");
    EXPECT_EQ(parts[1], key.key_id());
    std::string iv = base64url_decode(parts[2]);
    std::string sealed = base64url_decode(parts[3]);
    ASSERT_EQ(iv.size(), 12u);
    ASSERT_EQ(sealed.size(), plain.size() + 16);
    std::string aad = "afenc1." + key.key_id() + ".bob";
    std::string tag = sealed.substr(plain.size());
    std::string out(plain.size(), '\0');
    auto* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr), 1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr), 1);
    std::string raw_key = key_bytes();
    ASSERT_EQ(EVP_DecryptInit_ex(ctx, nullptr, nullptr, u(raw_key), u(iv)), 1);
    ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &n, u(aad), static_cast<int>(aad.size())), 1);
    ASSERT_EQ(EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n, u(sealed),
                                static_cast<int>(plain.size())),
              1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
    int final_n = 0;
    EXPECT_EQ(EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &final_n),
              1);
    EVP_CIPHER_CTX_free(ctx);
    EXPECT_EQ(out, plain);
}

TEST(RecordCipher, AnotherNameFails) {
    RecordCipher cipher{StoreKey::generate()};
    auto record = cipher.encrypt("alice", "x");
    EXPECT_EQ(error_of([&] { cipher.decrypt("alicf", record); }), errc::decrypt_failed);
    EXPECT_EQ(error_of([&] { cipher.decrypt("", record); }), errc::decrypt_failed);
}

TEST(RecordCipher, WrongKeyFailsNamingKeyIdsOnly) {
    auto right = StoreKey::generate();
    auto wrong = StoreKey::generate();
    auto record = RecordCipher{right}.encrypt("alice", "x");
    try {
        RecordCipher{wrong}.decrypt("alice", record);
        FAIL();
    } catch (const StoreError& error) {
        EXPECT_EQ(error.code(), errc::decrypt_failed);
        std::string text = error.what();
        EXPECT_NE(text.find(right.key_id()), std::string::npos);
        EXPECT_NE(text.find(wrong.key_id()), std::string::npos);
        EXPECT_EQ(text.find(right.to_base64()), std::string::npos);
        EXPECT_EQ(text.find(wrong.to_base64()), std::string::npos);
    }
}

TEST(RecordCipher, AnyAlteredPartFails) {
    auto key = StoreKey::generate();
    RecordCipher cipher{key};
    auto record = cipher.encrypt("alice", "a longer plaintext of several blocks, to alter");
    auto parts = split(record, '.');
    auto join = [](const std::vector<std::string>& p) {
        return p[0] + "." + p[1] + "." + p[2] + "." + p[3];
    };
    auto flip = [](std::string text, std::size_t at) {
        text[at] = text[at] == 'A' ? 'B' : 'A';
        return text;
    };
    // The IV, the ciphertext's first and last characters (the tag's end).
    for (auto [part, at] : std::vector<std::pair<int, std::size_t>>{
             {2, 0}, {2, 10}, {3, 0}, {3, 20}, {3, parts[3].size() - 2}}) {
        auto altered = parts;
        altered[part] = flip(parts[part], at);
        // Changing base64url's final character may only change unused bits: decode to check.
        if (base64url_encode(base64url_decode(altered[part])) != altered[part]) {
            continue;
        }
        EXPECT_EQ(error_of([&] { cipher.decrypt("alice", join(altered)); }), errc::decrypt_failed)
            << "part " << part << " at " << at;
    }
    // Another valid-looking key id: reported as a key mismatch.
    auto other_id = parts;
    other_id[1] = flip(parts[1], 0) == parts[1] ? "0000000000000000" : "ffffffffffffffff";
    EXPECT_EQ(error_of([&] { cipher.decrypt("alice", join(other_id)); }), errc::decrypt_failed);
    // The tag cut short.
    auto truncated = parts;
    std::string sealed = base64url_decode(parts[3]);
    truncated[3] = base64url_encode(sealed.substr(0, sealed.size() - 3));
    EXPECT_EQ(error_of([&] { cipher.decrypt("alice", join(truncated)); }), errc::decrypt_failed);
}

TEST(RecordCipher, BinaryFormRoundTripsAndFollowsTheDocumentedLayout) {
    auto key = StoreKey::from_base64(key_text);
    RecordCipher cipher{key};
    std::string plain = "tokens for carol";
    auto record = cipher.encrypt("carol", plain, RecordEncoding::binary);
    EXPECT_TRUE(RecordCipher::is_encrypted(record));
    EXPECT_EQ(cipher.decrypt("carol", record), plain);
    // afbin1.<key id>.<12-byte IV><ciphertext><16-byte tag>, same associated data as text.
    std::string header = "afbin1." + key.key_id() + ".";
    ASSERT_EQ(record.substr(0, header.size()), header);
    ASSERT_EQ(record.size(), header.size() + 12 + plain.size() + 16);
    std::string iv = record.substr(header.size(), 12);
    std::string sealed = record.substr(header.size() + 12);
    std::string aad = "afenc1." + key.key_id() + ".carol";
    std::string out(plain.size(), '\0');
    auto u = [](const std::string& x) { return reinterpret_cast<const unsigned char*>(x.data()); };
    auto* ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int final_n = 0;
    std::string raw_key = key_bytes();
    std::string tag = sealed.substr(plain.size());
    ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr), 1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr), 1);
    ASSERT_EQ(EVP_DecryptInit_ex(ctx, nullptr, nullptr, u(raw_key), u(iv)), 1);
    ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &n, u(aad), static_cast<int>(aad.size())), 1);
    ASSERT_EQ(EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &n, u(sealed),
                                static_cast<int>(plain.size())),
              1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
    EXPECT_EQ(EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + n, &final_n),
              1);
    EVP_CIPHER_CTX_free(ctx);
    EXPECT_EQ(out, plain);
}

TEST(RecordCipher, BinaryFormRejectsAlterationOtherNamesAndOtherKeys) {
    auto key = StoreKey::generate();
    RecordCipher cipher{key};
    auto record =
        cipher.encrypt("alice", "a plaintext long enough to alter", RecordEncoding::binary);
    std::size_t header = 7 + 16 + 1;
    for (std::size_t at : {header, header + 11, header + 12, record.size() - 1}) {
        std::string altered = record;
        altered[at] = static_cast<char>(altered[at] ^ 0x01);
        EXPECT_EQ(error_of([&] { cipher.decrypt("alice", altered); }), errc::decrypt_failed) << at;
    }
    EXPECT_EQ(error_of([&] { cipher.decrypt("alicf", record); }), errc::decrypt_failed);
    EXPECT_EQ(error_of([&] { RecordCipher{StoreKey::generate()}.decrypt("alice", record); }),
              errc::decrypt_failed);
    // Cut short, a bad key id, a missing separator: not a record.
    EXPECT_EQ(error_of([&] { cipher.decrypt("alice", record.substr(0, header + 12 + 15)); }),
              errc::store_corrupt);
    std::string bad_id = record;
    bad_id[7] = 'z';
    EXPECT_EQ(error_of([&] { cipher.decrypt("alice", bad_id); }), errc::store_corrupt);
    std::string no_dot = record;
    no_dot[header - 1] = '_';
    EXPECT_EQ(error_of([&] { cipher.decrypt("alice", no_dot); }), errc::store_corrupt);
    EXPECT_EQ(error_of([&] { cipher.decrypt("alice", "afbin1."); }), errc::store_corrupt);
}

TEST(RecordCipher, MalformedRecordsAreCorrupt) {
    auto key = StoreKey::generate();
    RecordCipher cipher{key};
    std::string id = key.key_id();
    std::string iv = base64url_encode(std::string(12, 'i'));
    std::string sealed = base64url_encode(std::string(20, 's'));
    for (const std::string& bad : {
             std::string{"{\"access_token\":\"x\"}"},
             std::string{"afenc1"},
             std::string{"afenc1."},
             "afenc1." + id,
             "afenc1." + id + "." + iv,
             "afenc1." + id + "." + iv + "." + sealed + ".extra",
             "afenc1." + id.substr(1) + "." + iv + "." + sealed,
             "afenc1." + std::string(16, 'G') + "." + iv + "." + sealed,
             "afenc1." + id + "." + base64url_encode(std::string(11, 'i')) + "." + sealed,
             "afenc1." + id + "." + iv + "." + base64url_encode(std::string(15, 's')),
             "afenc1." + id + "." + iv + "=" + "." + sealed,
             "afenc1." + id + ".." + sealed,
         }) {
        EXPECT_EQ(error_of([&] { cipher.decrypt("alice", bad); }), errc::store_corrupt) << bad;
    }
}

} // namespace
} // namespace authflow::test
