#pragma once
// Randomness, always from OpenSSL's RAND_bytes.

#include <cstddef>
#include <string>

namespace authflow {

/// `count` cryptographically random bytes. Throws Error (internal) if the generator fails.
std::string random_bytes(std::size_t count);
/// A base64url string of `bytes` random bytes: states, nonces, session ids.
std::string random_token(std::size_t bytes = 32);

} // namespace authflow
