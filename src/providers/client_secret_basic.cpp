// client_secret_basic: the client id and secret in an HTTP Basic Authorization header
// (RFC 6749 §2.3.1).
#include "client_auth.hpp"
#include "provider_internal.hpp"

#include <authflow/core/encoding.hpp>

namespace authflow::detail {
namespace {

class ClientSecretBasic final : public ClientAuth {
public:
    ClientSecretBasic(std::string client_id, std::string client_secret)
        : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)) {}

    ClientAuthMethod method() const noexcept override {
        return ClientAuthMethod::client_secret_basic;
    }

    void apply(std::string_view, QueryParams&, HttpHeaders& headers) const override {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and
        // base64-encoded, so ':' or '%' in either survive.
        headers.emplace_back("Authorization",
                             "Basic " + base64_encode(form_urlencode(client_id_) + ":" +
                                                      form_urlencode(client_secret_)));
    }

private:
    std::string client_id_;
    std::string client_secret_;
};

} // namespace

std::shared_ptr<const ClientAuth> make_client_secret_basic(std::string client_id,
                                                           std::string client_secret) {
    return std::make_shared<const ClientSecretBasic>(std::move(client_id),
                                                     std::move(client_secret));
}

} // namespace authflow::detail
