// client_secret_jwt: a JWT signed with HS256 under the client secret (RFC 7523 §2.2 and §3,
// OIDC Core §9). The secret itself never travels, so a request captured on the way (a logging
// proxy, a TLS-terminating middlebox) cannot be replayed after a minute or used elsewhere.
#include "client_assertion.hpp"
#include "client_auth.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/log.hpp>

namespace authflow::detail {
namespace {

class ClientSecretJwt final : public ClientAuth {
public:
    ClientSecretJwt(std::string client_id, std::string client_secret, std::shared_ptr<Clock> clock)
        : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)),
          clock_(std::move(clock)) {}

    ClientAuthMethod method() const noexcept override {
        return ClientAuthMethod::client_secret_jwt;
    }

    void apply(std::string_view audience, QueryParams& form, HttpHeaders&) const override {
        // RFC 7515 §5.1 with RFC 7518 §3.2: HMAC-SHA-256 over BASE64URL(header).BASE64URL(claims).
        std::string jws = base64url_encode(R"({"alg":"HS256"})");
        jws += '.';
        jws += base64url_encode(client_assertion_claims(client_id_, audience, *clock_));
        const std::string mac = hmac_sha256(client_secret_, jws);
        jws += '.';
        jws += base64url_encode(mac);
        add_client_assertion(form, client_id_, std::move(jws));
    }

private:
    std::string client_id_;
    std::string client_secret_;
    std::shared_ptr<Clock> clock_;
};

} // namespace

std::shared_ptr<const ClientAuth> make_client_secret_jwt(std::string client_id,
                                                         std::string client_secret,
                                                         std::shared_ptr<Clock> clock) {
    if (client_secret.size() < 32) {
        // RFC 7518 §3.2 wants an HS256 key of at least 256 bits; the secret is the provider's
        // choice, so a shorter one is used, with a word in the log (its length only).
        log(LogLevel::warning, "client_secret_jwt: the client secret is shorter than 32 bytes, "
                               "weaker than HS256 is meant to be (RFC 7518 §3.2)");
    }
    return std::make_shared<const ClientSecretJwt>(std::move(client_id), std::move(client_secret),
                                                   clock_or_system(std::move(clock)));
}

} // namespace authflow::detail
