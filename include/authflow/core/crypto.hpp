#pragma once
// Small cryptographic helpers shared by every layer.

#include <string>
#include <string_view>

namespace authflow {

/// Compares two secrets in time that depends only on their lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
/// SHA-256 of `data` (32 raw bytes).
std::string sha256(std::string_view data);
/// HMAC-SHA-256 of `data` under `key` (32 raw bytes; RFC 2104, the MAC of JWS HS256, RFC 7518
/// §3.2). Throws Error (internal) if OpenSSL fails.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);

} // namespace authflow
