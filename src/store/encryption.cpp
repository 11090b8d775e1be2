#include "internal/store_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/random.hpp>
#include <authflow/store/encryption.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <sys/stat.h>
#include <vector>

namespace authflow {
namespace {

constexpr std::string_view record_prefix = "afenc1.";
constexpr std::size_t iv_size = 12;
constexpr std::size_t tag_size = 16;
constexpr std::size_t key_id_hex_size = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Fetched once: with EVP_aes_256_gcm() OpenSSL 3 looks the cipher up again on every init.
const EVP_CIPHER* aes_256_gcm() {
    static const std::unique_ptr<EVP_CIPHER, decltype(&EVP_CIPHER_free)> cipher{
        EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr), &EVP_CIPHER_free};
    if (!cipher) {
        throw Error(errc::internal, "OpenSSL has no AES-256-GCM");
    }
    return cipher.get();
}

CipherCtx new_ctx() {
    CipherCtx ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
    if (!ctx) {
        throw Error(errc::internal, "EVP_CIPHER_CTX_new failed");
    }
    return ctx;
}

std::string_view trim(std::string_view text) {
    constexpr std::string_view space = " \t\r\n";
    auto first = text.find_first_not_of(space);
    if (first == std::string_view::npos) {
        return {};
    }
    auto last = text.find_last_not_of(space);
    return text.substr(first, last - first + 1);
}

const unsigned char* bytes_of(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

int int_size(std::size_t size) {
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max() - 64)) {
        throw StoreError(errc::invalid_argument, "record too large to encrypt");
    }
    return static_cast<int>(size);
}

std::string associated_data(std::string_view key_id, std::string_view name) {
    std::string aad{record_prefix};
    aad += key_id;
    aad += '.';
    aad += name;
    return aad;
}

bool is_hex(std::string_view text) {
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

} // namespace

// --- StoreKey --------------------------------------------------------------------------------

StoreKey::StoreKey(std::string_view raw) {
    std::copy(raw.begin(), raw.end(), bytes_.begin());
    key_id_ = to_hex(sha256(raw).substr(0, 8));
}

StoreKey::~StoreKey() {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

StoreKey StoreKey::from_base64(std::string_view text) {
    std::string raw;
    try {
        raw = base64_decode(trim(text));
    } catch (const Error&) {
        throw ConfigError(errc::config_invalid,
                          "the store key is not standard base64 (expected base64 of 32 random "
                          "bytes, e.g. from `openssl rand -base64 32`)");
    }
    if (raw.size() != size) {
        std::size_t got = raw.size();
        OPENSSL_cleanse(raw.data(), raw.size());
        throw ConfigError(errc::config_invalid, "the store key must be 32 bytes (base64 of 32 "
                                                "random bytes), got " +
                                                    std::to_string(got));
    }
    StoreKey key{raw};
    OPENSSL_cleanse(raw.data(), raw.size());
    return key;
}

StoreKey StoreKey::from_file(const std::filesystem::path& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        throw ConfigError(errc::config_invalid,
                          "cannot read the store key file " + file.string() + ": no such file");
    }
    if (!S_ISREG(info.st_mode) || info.st_size > 4096) {
        throw ConfigError(errc::config_invalid,
                          "the store key file " + file.string() + " is not a small regular file");
    }
    if ((info.st_mode & 077) != 0) {
        log(LogLevel::warning,
            "the store key file " + file.string() + " can be read by other users; chmod 600 it");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError(errc::config_invalid, "cannot read the store key file " + file.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string contents = text.str();
    try {
        StoreKey key = from_base64(contents);
        OPENSSL_cleanse(contents.data(), contents.size());
        return key;
    } catch (const ConfigError& error) {
        OPENSSL_cleanse(contents.data(), contents.size());
        throw ConfigError(errc::config_invalid,
                          "the store key file " + file.string() + ": " + error.what());
    }
}

StoreKey StoreKey::generate() {
    std::string raw = random_bytes(size);
    StoreKey key{raw};
    OPENSSL_cleanse(raw.data(), raw.size());
    return key;
}

std::string StoreKey::to_base64() const {
    return base64_encode(bytes());
}

std::string_view StoreKey::bytes() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
}

std::optional<StoreKey> load_store_key(const std::filesystem::path& key_file) {
    const char* env = std::getenv("AUTHFLOW_STORE_KEY");
    if (env != nullptr && *env != '\0') {
        try {
            return StoreKey::from_base64(env);
        } catch (const ConfigError& error) {
            throw ConfigError(errc::config_invalid,
                              std::string{"AUTHFLOW_STORE_KEY: "} + error.what());
        }
    }
    if (!key_file.empty()) {
        return StoreKey::from_file(key_file);
    }
    return std::nullopt;
}

// --- RecordCipher ----------------------------------------------------------------------------

namespace {

constexpr std::string_view binary_prefix = "afbin1.";
// "afbin1." + 16 hex digits + "." before the raw IV.
constexpr std::size_t binary_header_size = 7 + key_id_hex_size + 1;

// AES-256-GCM over `plaintext` with `aad`; returns ciphertext || tag.
std::string seal(const StoreKey& key, std::string_view iv, std::string_view aad,
                 std::string_view plaintext) {
    auto ctx = new_ctx();
    std::string out(plaintext.size() + tag_size, '\0');
    auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
    int written = 0;
    int final_written = 0;
    if (EVP_EncryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, iv_size, nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key.bytes()), bytes_of(iv)) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &written, bytes_of(aad), int_size(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out_bytes, &written, bytes_of(plaintext),
                          int_size(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out_bytes + written, &final_written) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size,
                            out_bytes + plaintext.size()) != 1) {
        throw Error(errc::internal, "AES-256-GCM encryption failed");
    }
    return out;
}

// Checks the tag and decrypts ciphertext || tag; false when authentication fails.
bool open_sealed(const StoreKey& key, std::string_view iv, std::string_view aad,
                 std::string_view sealed, std::string& plain) {
    std::size_t length = sealed.size() - tag_size;
    std::string tag{sealed.substr(length)};
    plain.assign(length, '\0');
    auto* plain_bytes = reinterpret_cast<unsigned char*>(plain.data());
    auto ctx = new_ctx();
    int written = 0;
    int final_written = 0;
    bool ok =
        EVP_DecryptInit_ex(ctx.get(), aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, iv_size, nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key.bytes()), bytes_of(iv)) == 1 &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &written, bytes_of(aad), int_size(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), plain_bytes, &written, bytes_of(sealed), int_size(length)) ==
            1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), plain_bytes + written, &final_written) == 1;
    if (!ok) {
        OPENSSL_cleanse(plain.data(), plain.size());
        plain.clear();
    }
    return ok;
}

[[noreturn]] void malformed() {
    throw StoreError(errc::store_corrupt, "malformed encrypted record");
}

} // namespace

RecordCipher::RecordCipher(StoreKey key) : key_(std::move(key)) {}

bool RecordCipher::is_encrypted(std::string_view record) noexcept {
    return record.substr(0, record_prefix.size()) == record_prefix ||
           record.substr(0, binary_prefix.size()) == binary_prefix;
}

std::string RecordCipher::encrypt(std::string_view name, std::string_view plaintext,
                                  RecordEncoding encoding) const {
    std::string iv = random_bytes(iv_size);
    std::string sealed = seal(key_, iv, associated_data(key_.key_id(), name), plaintext);
    std::string record;
    if (encoding == RecordEncoding::binary) {
        record.reserve(binary_header_size + iv.size() + sealed.size());
        record += binary_prefix;
        record += key_.key_id();
        record += '.';
        record += iv;
        record += sealed;
        return record;
    }
    record += record_prefix;
    record += key_.key_id();
    record += '.';
    record += base64url_encode(iv);
    record += '.';
    record += base64url_encode(sealed);
    return record;
}

std::string RecordCipher::decrypt(std::string_view name, std::string_view record) const {
    std::string_view key_id;
    std::string_view iv;
    std::string_view sealed;
    std::string iv_text_decoded;
    std::string sealed_text_decoded;
    if (record.substr(0, binary_prefix.size()) == binary_prefix) {
        if (record.size() < binary_header_size + iv_size + tag_size ||
            record[binary_header_size - 1] != '.') {
            malformed();
        }
        key_id = record.substr(binary_prefix.size(), key_id_hex_size);
        iv = record.substr(binary_header_size, iv_size);
        sealed = record.substr(binary_header_size + iv_size);
    } else if (record.substr(0, record_prefix.size()) == record_prefix) {
        std::string_view rest = record.substr(record_prefix.size());
        std::vector<std::string_view> parts;
        while (true) {
            auto dot = rest.find('.');
            parts.push_back(rest.substr(0, dot));
            if (dot == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(dot + 1);
        }
        if (parts.size() != 3 || !base64url_decode_to(parts[1], iv_text_decoded) ||
            !base64url_decode_to(parts[2], sealed_text_decoded)) {
            malformed();
        }
        key_id = parts[0];
        iv = iv_text_decoded;
        sealed = sealed_text_decoded;
    } else {
        throw StoreError(errc::store_corrupt, "not an encrypted record");
    }
    if (key_id.size() != key_id_hex_size || !is_hex(key_id) || iv.size() != iv_size ||
        sealed.size() < tag_size) {
        malformed();
    }
    if (key_id != key_.key_id()) {
        throw StoreError(errc::decrypt_failed,
                         "encrypted with store key id " + std::string{key_id} +
                             ", but the configured key has id " + key_.key_id());
    }
    std::string plain;
    if (!open_sealed(key_, iv, associated_data(key_id, name), sealed, plain)) {
        throw StoreError(errc::decrypt_failed,
                         "authentication failed: the record was altered, or belongs to another "
                         "name (key id " +
                             std::string{key_id} + ")");
    }
    return plain;
}

} // namespace authflow
