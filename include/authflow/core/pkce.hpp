#pragma once
// PKCE (RFC 7636), S256 only.

#include <cstddef>
#include <string>
#include <string_view>

namespace authflow {

/// A code verifier and its S256 challenge. Immutable; safe to share between threads.
class PKCEChallenge {
public:
    /// A new verifier of `bytes` random bytes (32–96, giving 43–128 characters; RFC 7636 §4.1).
    /// Throws Error (bad_pkce) for any other length.
    static PKCEChallenge generate(std::size_t bytes = 64);
    /// The challenge of a given verifier. Throws Error (bad_pkce) unless the verifier has 43–128
    /// characters from RFC 7636's unreserved alphabet (§4.1).
    static PKCEChallenge from_verifier(std::string_view verifier);

    const std::string& verifier() const noexcept { return verifier_; }
    const std::string& challenge() const noexcept { return challenge_; }
    /// Always "S256".
    std::string_view method() const noexcept { return "S256"; }

private:
    PKCEChallenge(std::string verifier, std::string challenge);
    std::string verifier_;
    std::string challenge_;
};

/// base64url(SHA-256(verifier)) without padding (RFC 7636 §4.2).
std::string pkce_s256_challenge(std::string_view verifier);

} // namespace authflow
