#pragma once
// Small cryptographic helpers shared by every layer.

#include <string>
#include <string_view>

namespace authflow {

/// Compares two secrets in time that depends only on their lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
/// SHA-256 of `data` (32 raw bytes).
std::string sha256(std::string_view data);
/// Lower-case hex of `bytes`.
std::string to_hex(std::string_view bytes);

} // namespace authflow
