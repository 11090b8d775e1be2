// private_key_jwt: a JWT signed with the client's private key (RFC 7523 §2.2 and §3, OIDC Core
// §9). The provider holds only the public key: nothing it stores lets anyone act as the client.
#include "client_assertion.hpp"
#include "client_auth.hpp"

#include <nlohmann/json.hpp>

namespace authflow::detail {
namespace {

class PrivateKeyJwt final : public ClientAuth {
public:
    PrivateKeyJwt(std::string client_id, SigningKey key, std::shared_ptr<Clock> clock)
        : client_id_(std::move(client_id)), key_(std::move(key)), clock_(std::move(clock)) {
        // RFC 7515 §4.1.4: the kid lets the provider pick the key among the client's jwks; the
        // JWK's own kid, else the RFC 7638 thumbprint (what most registrations use). No `typ`:
        // deployed servers differ on which one they accept, and none requires it.
        nlohmann::json header;
        header["alg"] = to_string(key_.alg());
        header["kid"] = key_.kid().empty() ? key_.thumbprint() : key_.kid();
        header_ = header.dump();
    }

    ClientAuthMethod method() const noexcept override { return ClientAuthMethod::private_key_jwt; }

    void apply(std::string_view audience, QueryParams& form, HttpHeaders&) const override {
        add_client_assertion(
            form, client_id_,
            key_.sign_compact(header_, client_assertion_claims(client_id_, audience, *clock_)));
    }

private:
    std::string client_id_;
    SigningKey key_;
    std::shared_ptr<Clock> clock_;
    std::string header_;
};

} // namespace

std::shared_ptr<const ClientAuth> make_private_key_jwt(std::string client_id, SigningKey key,
                                                       std::shared_ptr<Clock> clock) {
    return std::make_shared<const PrivateKeyJwt>(std::move(client_id), std::move(key),
                                                 clock_or_system(std::move(clock)));
}

} // namespace authflow::detail
