#pragma once
// DPoP proofs (RFC 9449): a fresh JWT per HTTP request, signed by the key the tokens are bound to.

#include <authflow/core/clock.hpp>
#include <authflow/jose/signing_key.hpp>

#include <string>
#include <string_view>

namespace authflow {

/// What one proof is for.
struct DpopRequest {
    std::string_view method{}; ///< `htm`: the HTTP method, e.g. "POST"
    std::string_view url{};    ///< `htu`: the target URI; its query and fragment are dropped
    std::string_view nonce{};  ///< `nonce`: the server's last DPoP-Nonce, empty for none
    std::string_view
        access_token{}; ///< for `ath` on resource requests; empty at the token endpoint
};

/// Makes DPoP proofs with one key. The header (`typ` "dpop+jwt", `alg`, the public `jwk`) is
/// encoded once. Safe to use from several threads.
class DpopProofMaker {
public:
    /// Throws TokenError (unsupported_alg) for a key whose algorithm DPoP does not allow
    /// (RFC 9449 §4.2: asymmetric only).
    explicit DpopProofMaker(SigningKey key);

    /// A proof for `request` with a random `jti` and `iat` from `clock` (RFC 9449 §4.2; `ath`
    /// is base64url(SHA-256(access token)), §4.3). Throws Error (invalid_argument) for an empty
    /// method, a URL that is not absolute http(s), or text that could break the JSON.
    std::string make(const DpopRequest& request, const Clock& clock) const;

    /// The key's RFC 7638 thumbprint (`dpop_jkt` in an authorization request, §10).
    const std::string& thumbprint() const noexcept { return key_.thumbprint(); }
    const SigningKey& key() const noexcept { return key_; }

private:
    SigningKey key_;
    std::string encoded_header_; ///< BASE64URL(header) "."
};

/// `url` without its query and fragment, as `htu` must be (RFC 9449 §4.2; RFC 3986 §6.2.2/§6.2.3
/// normalisation is left to the server, which compares after normalising).
std::string dpop_htu(std::string_view url);

} // namespace authflow
