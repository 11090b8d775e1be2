#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>

#include <array>
#include <cstddef>
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

/// A code's name and family.
struct CodeInfo {
    std::string_view name;
    error_family family;
};

constexpr CodeInfo unknown_code{"unknown", error_family::internal};

/// The one list of codes. A switch without default: -Wswitch (an error here) stops a code added
/// to errc without a name and a family.
constexpr CodeInfo info(errc code) noexcept {
    switch (code) {
    case errc::internal:
        return {"internal", error_family::internal};
    case errc::invalid_argument:
        return {"invalid_argument", error_family::usage};
    case errc::config_invalid:
        return {"config_invalid", error_family::configuration};
    case errc::config_missing:
        return {"config_missing", error_family::configuration};
    case errc::bad_base64:
        return {"bad_base64", error_family::malformed};
    case errc::bad_url:
        return {"bad_url", error_family::malformed};
    case errc::bad_json:
        return {"bad_json", error_family::malformed};
    case errc::bad_pkce:
        return {"bad_pkce", error_family::malformed};
    case errc::token_invalid:
        return {"token_invalid", error_family::verification};
    case errc::token_missing:
        return {"token_missing", error_family::not_signed_in};
    case errc::token_expired:
        return {"token_expired", error_family::token_state};
    case errc::refresh_failed:
        return {"refresh_failed", error_family::token_state};
    case errc::reauth_required:
        return {"reauth_required", error_family::not_signed_in};
    case errc::provider_error:
        return {"provider_error", error_family::provider};
    case errc::invalid_response:
        return {"invalid_response", error_family::provider};
    case errc::timeout:
        return {"timeout", error_family::unreachable};
    case errc::connect:
        return {"connect", error_family::unreachable};
    case errc::resolve:
        return {"resolve", error_family::unreachable};
    case errc::tls:
        return {"tls", error_family::transport};
    case errc::too_large:
        return {"too_large", error_family::transport};
    case errc::proxy:
        return {"proxy", error_family::transport};
    case errc::transport:
        return {"transport", error_family::unreachable};
    case errc::insecure_url:
        return {"insecure_url", error_family::configuration};
    case errc::malformed_jws:
        return {"malformed_jws", error_family::verification};
    case errc::token_too_large:
        return {"token_too_large", error_family::verification};
    case errc::alg_none:
        return {"alg_none", error_family::verification};
    case errc::alg_not_allowed:
        return {"alg_not_allowed", error_family::verification};
    case errc::unsupported_alg:
        return {"unsupported_alg", error_family::verification};
    case errc::bad_signature:
        return {"bad_signature", error_family::verification};
    case errc::unknown_key:
        return {"unknown_key", error_family::verification};
    case errc::ambiguous_key:
        return {"ambiguous_key", error_family::verification};
    case errc::bad_key:
        return {"bad_key", error_family::verification};
    case errc::weak_key:
        return {"weak_key", error_family::verification};
    case errc::unsupported_key:
        return {"unsupported_key", error_family::verification};
    case errc::crit_header:
        return {"crit_header", error_family::verification};
    case errc::duplicate_member:
        return {"duplicate_member", error_family::verification};
    case errc::discovery_failed:
        return {"discovery_failed", error_family::provider_metadata};
    case errc::jwks_failed:
        return {"jwks_failed", error_family::provider_metadata};
    case errc::bad_issuer:
        return {"bad_issuer", error_family::other_party};
    case errc::bad_audience:
        return {"bad_audience", error_family::other_party};
    case errc::bad_azp:
        return {"bad_azp", error_family::other_party};
    case errc::expired:
        return {"expired", error_family::verification};
    case errc::not_yet_valid:
        return {"not_yet_valid", error_family::verification};
    case errc::issued_in_future:
        return {"issued_in_future", error_family::verification};
    case errc::missing_claim:
        return {"missing_claim", error_family::verification};
    case errc::bad_nonce:
        return {"bad_nonce", error_family::verification};
    case errc::bad_at_hash:
        return {"bad_at_hash", error_family::verification};
    case errc::bad_c_hash:
        return {"bad_c_hash", error_family::verification};
    case errc::auth_too_old:
        return {"auth_too_old", error_family::verification};
    case errc::bad_subject:
        return {"bad_subject", error_family::other_party};
    case errc::invalid_state:
        return {"invalid_state", error_family::callback};
    case errc::missing_code:
        return {"missing_code", error_family::callback};
    case errc::bad_iss_param:
        return {"bad_iss_param", error_family::verification};
    case errc::userinfo_mismatch:
        return {"userinfo_mismatch", error_family::verification};
    case errc::cancelled:
        return {"cancelled", error_family::cancelled};
    case errc::auth_timeout:
        return {"auth_timeout", error_family::local_flow};
    case errc::port_in_use:
        return {"port_in_use", error_family::local_flow};
    case errc::browser:
        return {"browser", error_family::local_flow};
    case errc::store_failed:
        return {"store_failed", error_family::store};
    case errc::store_unavailable:
        return {"store_unavailable", error_family::store};
    case errc::store_corrupt:
        return {"store_corrupt", error_family::store};
    case errc::decrypt_failed:
        return {"decrypt_failed", error_family::store};
    case errc::lease_lost:
        return {"lease_lost", error_family::store};
    case errc::csrf:
        return {"csrf", error_family::request_refused};
    case errc::rate_limited:
        return {"rate_limited", error_family::request_refused};
    case errc::invalid_session:
        return {"invalid_session", error_family::request_refused};
    case errc::forbidden:
        return {"forbidden", error_family::request_refused};
    }
    return unknown_code;
}

/// How many codes there are: errc counts up from `internal` without gaps (checked below).
constexpr std::size_t code_count = [] {
    int value = static_cast<int>(errc::internal);
    while (info(static_cast<errc>(value)).name != unknown_code.name) {
        ++value;
    }
    return static_cast<std::size_t>(value - static_cast<int>(errc::internal));
}();

constexpr std::array<errc, code_count> codes = [] {
    std::array<errc, code_count> all{};
    for (std::size_t i = 0; i < all.size(); ++i) {
        all[i] = static_cast<errc>(static_cast<int>(errc::internal) + static_cast<int>(i));
    }
    return all;
}();

// The walk above stops at the first value without a name: a gap in errc would hide the codes
// after it. Adding a code after the last one means updating this line too.
static_assert(codes.back() == errc::forbidden, "errc has a gap, or a new last code");

} // namespace

std::string_view to_string(errc code) noexcept {
    return info(code).name;
}

error_family family(errc code) noexcept {
    return info(code).family;
}

std::span<const errc> all_error_codes() noexcept {
    return codes;
}

std::string_view to_string(error_family value) noexcept {
    switch (value) {
    case error_family::internal:
        return "internal";
    case error_family::usage:
        return "usage";
    case error_family::configuration:
        return "configuration";
    case error_family::malformed:
        return "malformed";
    case error_family::not_signed_in:
        return "not_signed_in";
    case error_family::token_state:
        return "token_state";
    case error_family::provider:
        return "provider";
    case error_family::provider_metadata:
        return "provider_metadata";
    case error_family::verification:
        return "verification";
    case error_family::other_party:
        return "other_party";
    case error_family::unreachable:
        return "unreachable";
    case error_family::transport:
        return "transport";
    case error_family::callback:
        return "callback";
    case error_family::cancelled:
        return "cancelled";
    case error_family::local_flow:
        return "local_flow";
    case error_family::store:
        return "store";
    case error_family::request_refused:
        return "request_refused";
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
