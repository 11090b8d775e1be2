#pragma once
// base64url (RFC 4648 §5) and standard base64 (§4).

#include <string>
#include <string_view>

namespace authflow {

/// base64url without padding.
std::string base64url_encode(std::string_view bytes);
/// Strict base64url: no padding, no whitespace, no character outside the alphabet, and no
/// non-zero trailing bits. Throws Error (bad_base64).
std::string base64url_decode(std::string_view text);
/// As base64url_decode, appending to `out`; returns false instead of throwing.
bool base64url_decode_to(std::string_view text, std::string& out);

/// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
/// Standard base64; padding optional, whitespace rejected. Throws Error (bad_base64).
std::string base64_decode(std::string_view text);

} // namespace authflow
