// none: a public client names itself in the form body and proves nothing (OIDC Core §9; PKCE
// protects its authorization codes, RFC 7636).
#include "client_auth.hpp"

namespace authflow::detail {
namespace {

class ClientAuthNone final : public ClientAuth {
public:
    explicit ClientAuthNone(std::string client_id) : client_id_(std::move(client_id)) {}

    ClientAuthMethod method() const noexcept override { return ClientAuthMethod::none; }

    void apply(std::string_view, QueryParams& form, HttpHeaders&) const override {
        form.add("client_id", client_id_);
    }

private:
    std::string client_id_;
};

} // namespace

std::shared_ptr<const ClientAuth> make_client_auth_none(std::string client_id) {
    return std::make_shared<const ClientAuthNone>(std::move(client_id));
}

} // namespace authflow::detail
