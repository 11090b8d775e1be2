#include <authflow/core/errors.hpp>

#include <exception>
#include <utility>

namespace authflow {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "authflow"; }
    std::string message(int value) const override {
        return std::string{to_string(static_cast<errc>(value))};
    }
};

} // namespace

std::string_view to_string(errc code) noexcept {
    // A switch without default: -Wswitch (an error here) catches a code added without a name.
    switch (code) {
    case errc::internal:
        return "internal";
    case errc::invalid_argument:
        return "invalid_argument";
    case errc::config_invalid:
        return "config_invalid";
    case errc::config_missing:
        return "config_missing";
    case errc::bad_base64:
        return "bad_base64";
    case errc::bad_url:
        return "bad_url";
    case errc::bad_json:
        return "bad_json";
    case errc::bad_pkce:
        return "bad_pkce";
    case errc::token_invalid:
        return "token_invalid";
    case errc::token_missing:
        return "token_missing";
    case errc::token_expired:
        return "token_expired";
    case errc::refresh_failed:
        return "refresh_failed";
    case errc::reauth_required:
        return "reauth_required";
    case errc::provider_error:
        return "provider_error";
    case errc::invalid_response:
        return "invalid_response";
    case errc::timeout:
        return "timeout";
    case errc::connect:
        return "connect";
    case errc::resolve:
        return "resolve";
    case errc::tls:
        return "tls";
    case errc::too_large:
        return "too_large";
    case errc::proxy:
        return "proxy";
    case errc::transport:
        return "transport";
    case errc::insecure_url:
        return "insecure_url";
    case errc::malformed_jws:
        return "malformed_jws";
    case errc::token_too_large:
        return "token_too_large";
    case errc::alg_none:
        return "alg_none";
    case errc::alg_not_allowed:
        return "alg_not_allowed";
    case errc::unsupported_alg:
        return "unsupported_alg";
    case errc::bad_signature:
        return "bad_signature";
    case errc::unknown_key:
        return "unknown_key";
    case errc::ambiguous_key:
        return "ambiguous_key";
    case errc::bad_key:
        return "bad_key";
    case errc::weak_key:
        return "weak_key";
    case errc::unsupported_key:
        return "unsupported_key";
    case errc::crit_header:
        return "crit_header";
    case errc::discovery_failed:
        return "discovery_failed";
    case errc::jwks_failed:
        return "jwks_failed";
    case errc::bad_issuer:
        return "bad_issuer";
    case errc::bad_audience:
        return "bad_audience";
    case errc::bad_azp:
        return "bad_azp";
    case errc::expired:
        return "expired";
    case errc::not_yet_valid:
        return "not_yet_valid";
    case errc::issued_in_future:
        return "issued_in_future";
    case errc::missing_claim:
        return "missing_claim";
    case errc::bad_nonce:
        return "bad_nonce";
    case errc::bad_at_hash:
        return "bad_at_hash";
    case errc::bad_c_hash:
        return "bad_c_hash";
    case errc::auth_too_old:
        return "auth_too_old";
    case errc::bad_subject:
        return "bad_subject";
    case errc::invalid_state:
        return "invalid_state";
    case errc::missing_code:
        return "missing_code";
    case errc::bad_iss_param:
        return "bad_iss_param";
    case errc::userinfo_mismatch:
        return "userinfo_mismatch";
    case errc::cancelled:
        return "cancelled";
    case errc::auth_timeout:
        return "auth_timeout";
    case errc::port_in_use:
        return "port_in_use";
    case errc::browser:
        return "browser";
    case errc::store_failed:
        return "store_failed";
    case errc::store_unavailable:
        return "store_unavailable";
    case errc::store_corrupt:
        return "store_corrupt";
    case errc::decrypt_failed:
        return "decrypt_failed";
    case errc::lease_lost:
        return "lease_lost";
    case errc::csrf:
        return "csrf";
    case errc::rate_limited:
        return "rate_limited";
    case errc::invalid_session:
        return "invalid_session";
    case errc::forbidden:
        return "forbidden";
    }
    return "unknown";
}

const std::error_category& authflow_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(errc code) noexcept {
    return {static_cast<int>(code), authflow_category()};
}

Error::Error(errc code, const std::string& message, ProviderAnswer answer)
    : std::runtime_error(message), code_(code), answer_(std::move(answer)) {}

std::string_view Error::display_code() const noexcept {
    return answer_.error.empty() ? to_string(code_) : std::string_view{answer_.error};
}

void rethrow_copy(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        e.throw_copy();
    }
    // Not reached: either branch throws. Keeps [[noreturn]] provable to the compiler.
    std::terminate();
}

} // namespace authflow
