#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>
#include <memory>

namespace authflow {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// Fetched once: EVP_sha256() makes every EVP_Digest call look the algorithm up again, which
// costs more than hashing a session id (one hash per deploy-mode request).
const EVP_MD* sha256_md() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md{
        EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free};
    return md ? md.get() : EVP_sha256();
}

} // namespace

std::string sha256(std::string_view data) {
    std::string digest(32, '\0');
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()),
                   &length, sha256_md(), nullptr) != 1) {
        throw Error(errc::internal, "SHA-256 failed");
    }
    return digest;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw Error(errc::internal, "HMAC key too long");
    }
    std::string mac(32, '\0');
    unsigned int length = 0;
    // HMAC() with a null key pointer would mean "no key": an empty key is a valid, empty buffer.
    static const unsigned char empty = 0;
    const void* key_bytes = key.empty() ? static_cast<const void*>(&empty) : key.data();
    if (HMAC(sha256_md(), key_bytes, static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             reinterpret_cast<unsigned char*>(mac.data()), &length) == nullptr ||
        length != mac.size()) {
        throw Error(errc::internal, "HMAC-SHA-256 failed");
    }
    return mac;
}

std::string to_hex(std::string_view bytes) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

} // namespace authflow
