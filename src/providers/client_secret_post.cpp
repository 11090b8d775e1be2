// client_secret_post: the client id and secret in the form body (RFC 6749 §2.3.1).
#include "client_auth.hpp"

namespace authflow::detail {
namespace {

class ClientSecretPost final : public ClientAuth {
public:
    ClientSecretPost(std::string client_id, std::string client_secret)
        : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)) {}

    ClientAuthMethod method() const noexcept override {
        return ClientAuthMethod::client_secret_post;
    }

    void apply(std::string_view, QueryParams& form, HttpHeaders&) const override {
        form.add("client_id", client_id_);
        form.add("client_secret", client_secret_);
    }

private:
    std::string client_id_;
    std::string client_secret_;
};

} // namespace

std::shared_ptr<const ClientAuth> make_client_secret_post(std::string client_id,
                                                          std::string client_secret) {
    return std::make_shared<const ClientSecretPost>(std::move(client_id), std::move(client_secret));
}

} // namespace authflow::detail
