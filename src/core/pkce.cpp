#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/core/random.hpp>

#include <algorithm>
#include <utility>

namespace authflow {
namespace {

// RFC 7636 §4.1: unreserved characters [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
bool is_unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

} // namespace

std::string pkce_s256_challenge(std::string_view verifier) {
    return base64url_encode(sha256(verifier));
}

PKCEChallenge::PKCEChallenge(std::string verifier, std::string challenge)
    : verifier_(std::move(verifier)), challenge_(std::move(challenge)) {}

PKCEChallenge PKCEChallenge::generate(std::size_t bytes) {
    // 32 bytes give the minimum 43 characters, 96 bytes the maximum 128 (RFC 7636 §4.1).
    if (bytes < 32 || bytes > 96) {
        throw Error(errc::bad_pkce, "PKCE verifier length must be 32 to 96 random bytes, got " +
                                        std::to_string(bytes));
    }
    std::string verifier = base64url_encode(random_bytes(bytes));
    std::string challenge = pkce_s256_challenge(verifier);
    return PKCEChallenge(std::move(verifier), std::move(challenge));
}

PKCEChallenge PKCEChallenge::from_verifier(std::string_view verifier) {
    // RFC 7636 §4.1: code_verifier = 43*128unreserved
    if (verifier.size() < 43 || verifier.size() > 128) {
        throw Error(errc::bad_pkce, "PKCE verifier must have 43 to 128 characters, got " +
                                        std::to_string(verifier.size()));
    }
    if (!std::all_of(verifier.begin(), verifier.end(), is_unreserved)) {
        throw Error(errc::bad_pkce,
                    "PKCE verifier may contain only A-Z a-z 0-9 - . _ ~ (RFC 7636 section 4.1)");
    }
    return PKCEChallenge(std::string{verifier}, pkce_s256_challenge(verifier));
}

} // namespace authflow
