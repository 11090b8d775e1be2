// ID-token claims and validation: OpenID Connect Core 1.0 §2, §3.1.3.7, §3.1.3.8, §12.2.
#include "../jose/internal/jose.hpp"
#include "token_checks.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/oidc/id_token.hpp>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>

namespace authflow {

struct IdTokenClaims::Data {
    std::string payload;
    std::string iss;
    std::string sub;
    std::vector<std::string> aud;
    bool has_iss = false;
    bool has_sub = false;
    bool has_aud = false;
    std::optional<time_point> exp;
    std::optional<time_point> iat;
    std::optional<time_point> nbf;
    std::optional<time_point> auth_time;
    std::optional<std::string> nonce;
    std::optional<std::string> azp;
    std::optional<std::string> at_hash;
    std::optional<std::string> c_hash;
    std::optional<std::string> acr;
    std::optional<std::string> sid;
    std::optional<std::string> email;
    std::optional<std::string> name;
    std::optional<std::string> given_name;
    std::optional<std::string> family_name;
    std::optional<std::string> preferred_username;
    std::optional<std::string> picture;
    std::optional<std::string> locale;
    std::optional<std::string> tid;
    std::optional<bool> email_verified;
    std::vector<std::string> amr;

    mutable std::once_flag raw_once;
    mutable nlohmann::json raw;
};

namespace {

using Data = IdTokenClaims::Data;
using simdjson::dom::element;
using simdjson::dom::element_type;

[[noreturn]] void invalid(errc code, const std::string& message) {
    throw TokenError(code, message);
}

// NumericDate (RFC 7519 §2): seconds, possibly fractional. Years beyond ±300000 are nonsense
// and would overflow the arithmetic with leeways.
constexpr double max_date_seconds = 1e13;

IdTokenClaims::time_point read_date(element value, std::string_view name) {
    std::int64_t whole = 0;
    double seconds = 0;
    switch (value.type()) {
    case element_type::INT64:
        if (value.get_int64().get(whole)) {
            invalid(errc::token_invalid, "claim '" + std::string{name} + "' is not a NumericDate");
        }
        seconds = static_cast<double>(whole);
        break;
    case element_type::DOUBLE:
        if (value.get_double().get(seconds)) {
            invalid(errc::token_invalid, "claim '" + std::string{name} + "' is not a NumericDate");
        }
        whole = std::isfinite(seconds) && std::fabs(seconds) <= max_date_seconds
                    ? static_cast<std::int64_t>(std::floor(seconds))
                    : 0;
        break;
    default: // strings, and integers beyond int64 (UINT64)
        invalid(errc::token_invalid, "claim '" + std::string{name} + "' is not a NumericDate");
    }
    if (!std::isfinite(seconds) || std::fabs(seconds) > max_date_seconds) {
        invalid(errc::token_invalid, "claim '" + std::string{name} + "' is out of range");
    }
    return IdTokenClaims::time_point{std::chrono::seconds{whole}};
}

std::string_view read_string(element value, std::string_view name) {
    std::string_view text;
    if (value.get_string().get(text)) {
        invalid(errc::token_invalid, "claim '" + std::string{name} + "' is not a string");
    }
    return text;
}

// Claims that validation depends on: a wrong type or a repetition rejects the token.
enum class Kind { strict_string, date, profile_string };
struct Field {
    std::string_view name;
    Kind kind;
    std::optional<std::string> Data::*text = nullptr;
    std::optional<IdTokenClaims::time_point> Data::*date = nullptr;
};
constexpr std::array<Field, 18> fields{{
    {"nonce", Kind::strict_string, &Data::nonce},
    {"azp", Kind::strict_string, &Data::azp},
    {"at_hash", Kind::strict_string, &Data::at_hash},
    {"c_hash", Kind::strict_string, &Data::c_hash},
    {"tid", Kind::strict_string, &Data::tid},
    {"exp", Kind::date, nullptr, &Data::exp},
    {"iat", Kind::date, nullptr, &Data::iat},
    {"nbf", Kind::date, nullptr, &Data::nbf},
    {"auth_time", Kind::date, nullptr, &Data::auth_time},
    {"acr", Kind::profile_string, &Data::acr},
    {"sid", Kind::profile_string, &Data::sid},
    {"email", Kind::profile_string, &Data::email},
    {"name", Kind::profile_string, &Data::name},
    {"given_name", Kind::profile_string, &Data::given_name},
    {"family_name", Kind::profile_string, &Data::family_name},
    {"preferred_username", Kind::profile_string, &Data::preferred_username},
    {"picture", Kind::profile_string, &Data::picture},
    {"locale", Kind::profile_string, &Data::locale},
}};

[[noreturn]] void repeated(std::string_view name) {
    invalid(errc::malformed_jws, "claim '" + std::string{name} + "' is repeated");
}

void read_claims(const std::string& payload, Data& data) {
    element root;
    simdjson::dom::object object;
    if (detail::json_parser().parse(payload.data(), payload.size(), false).get(root) ||
        root.get_object().get(object)) {
        invalid(errc::malformed_jws, "the token's payload is not a JSON object");
    }
    for (auto [name, value] : object) {
        if (name == "iss") {
            if (data.has_iss) {
                repeated(name);
            }
            data.iss = read_string(value, name);
            data.has_iss = true;
        } else if (name == "sub") {
            if (data.has_sub) {
                repeated(name);
            }
            data.sub = read_string(value, name);
            data.has_sub = true;
        } else if (name == "aud") {
            if (data.has_aud) {
                repeated(name);
            }
            data.has_aud = true;
            simdjson::dom::array list;
            if (value.is_string()) {
                data.aud.emplace_back(read_string(value, name));
            } else if (!value.get_array().get(list)) {
                for (element entry : list) {
                    data.aud.emplace_back(read_string(entry, name));
                }
            } else {
                invalid(errc::token_invalid, "claim 'aud' is neither a string nor an array");
            }
        } else if (name == "email_verified") {
            bool flag = false;
            std::string_view text;
            if (!value.get_bool().get(flag)) {
                data.email_verified = flag;
            } else if (!value.get_string().get(text) && (text == "true" || text == "false")) {
                data.email_verified = text == "true";
            }
        } else if (name == "amr") {
            simdjson::dom::array list;
            if (!value.get_array().get(list)) {
                data.amr.clear();
                for (element entry : list) {
                    std::string_view text;
                    if (!entry.get_string().get(text)) {
                        data.amr.emplace_back(text);
                    }
                }
            }
        } else {
            for (const Field& field : fields) {
                if (field.name != name) {
                    continue;
                }
                switch (field.kind) {
                case Kind::strict_string:
                    if (data.*field.text) {
                        repeated(name);
                    }
                    data.*field.text = std::string{read_string(value, name)};
                    break;
                case Kind::date:
                    if (data.*field.date) {
                        repeated(name);
                    }
                    data.*field.date = read_date(value, name);
                    break;
                case Kind::profile_string: {
                    // Informational claims of another type are left out, not fatal.
                    std::string_view text;
                    if (!value.get_string().get(text)) {
                        data.*field.text = std::string{text};
                    }
                    break;
                }
                }
                break;
            }
        }
    }
}

// Explicitly typed JWTs of other kinds (RFC 8725 §3.11) signed by the same keys must not pass
// as ID tokens.
bool is_foreign_typ(std::string_view typ) {
    static constexpr std::array foreign{
        std::string_view{"at+jwt"},
        std::string_view{"application/at+jwt"},
        std::string_view{"logout+jwt"},
        std::string_view{"application/logout+jwt"},
        std::string_view{"dpop+jwt"},
        std::string_view{"secevent+jwt"},
        std::string_view{"token-introspection+jwt"},
    };
    std::string lower;
    for (char c : typ) {
        lower += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return std::find(foreign.begin(), foreign.end(), lower) != foreign.end();
}

// Chooses the client secret for HS* and the resolver for everything else.
} // namespace

IdTokenClaims IdTokenClaims::from_payload(std::string payload) {
    auto data = std::make_shared<Data>();
    if (payload.capacity() < payload.size() + simdjson::SIMDJSON_PADDING) {
        payload.reserve(payload.size() + simdjson::SIMDJSON_PADDING);
    }
    data->payload = std::move(payload);
    read_claims(data->payload, *data);
    return IdTokenClaims(std::move(data));
}

const std::string& IdTokenClaims::iss() const noexcept {
    return data_->iss;
}
const std::string& IdTokenClaims::sub() const noexcept {
    return data_->sub;
}
const std::vector<std::string>& IdTokenClaims::aud() const noexcept {
    return data_->aud;
}
std::optional<IdTokenClaims::time_point> IdTokenClaims::exp() const noexcept {
    return data_->exp;
}
std::optional<IdTokenClaims::time_point> IdTokenClaims::iat() const noexcept {
    return data_->iat;
}
std::optional<IdTokenClaims::time_point> IdTokenClaims::nbf() const noexcept {
    return data_->nbf;
}
std::optional<IdTokenClaims::time_point> IdTokenClaims::auth_time() const noexcept {
    return data_->auth_time;
}
const std::optional<std::string>& IdTokenClaims::nonce() const noexcept {
    return data_->nonce;
}
const std::optional<std::string>& IdTokenClaims::azp() const noexcept {
    return data_->azp;
}
const std::optional<std::string>& IdTokenClaims::at_hash() const noexcept {
    return data_->at_hash;
}
const std::optional<std::string>& IdTokenClaims::c_hash() const noexcept {
    return data_->c_hash;
}
const std::optional<std::string>& IdTokenClaims::acr() const noexcept {
    return data_->acr;
}
const std::vector<std::string>& IdTokenClaims::amr() const noexcept {
    return data_->amr;
}
const std::optional<std::string>& IdTokenClaims::sid() const noexcept {
    return data_->sid;
}
const std::optional<std::string>& IdTokenClaims::email() const noexcept {
    return data_->email;
}
std::optional<bool> IdTokenClaims::email_verified() const noexcept {
    return data_->email_verified;
}
const std::optional<std::string>& IdTokenClaims::name() const noexcept {
    return data_->name;
}
const std::optional<std::string>& IdTokenClaims::given_name() const noexcept {
    return data_->given_name;
}
const std::optional<std::string>& IdTokenClaims::family_name() const noexcept {
    return data_->family_name;
}
const std::optional<std::string>& IdTokenClaims::preferred_username() const noexcept {
    return data_->preferred_username;
}
const std::optional<std::string>& IdTokenClaims::picture() const noexcept {
    return data_->picture;
}
const std::optional<std::string>& IdTokenClaims::locale() const noexcept {
    return data_->locale;
}
const std::optional<std::string>& IdTokenClaims::tid() const noexcept {
    return data_->tid;
}
bool IdTokenClaims::has_iss() const noexcept {
    return data_->has_iss;
}
bool IdTokenClaims::has_sub() const noexcept {
    return data_->has_sub;
}
bool IdTokenClaims::has_aud() const noexcept {
    return data_->has_aud;
}
const std::string& IdTokenClaims::payload() const noexcept {
    return data_->payload;
}

const nlohmann::json& IdTokenClaims::raw() const {
    std::call_once(data_->raw_once, [this] { data_->raw = nlohmann::json::parse(data_->payload); });
    return data_->raw;
}

std::string oidc_token_hash(std::string_view value, JwsAlg alg, std::string_view crv) {
    std::array<unsigned char, 114> digest{};
    std::size_t size = 0;
    const unsigned char* input = reinterpret_cast<const unsigned char*>(value.data());
    bool ok = false;
    if ((alg == JwsAlg::EdDSA && crv == "Ed448")) {
        detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
        size = 114;
        ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_shake256(), nullptr) == 1 &&
             EVP_DigestUpdate(ctx.get(), input, value.size()) == 1 &&
             EVP_DigestFinalXOF(ctx.get(), digest.data(), size) == 1;
    } else {
        const EVP_MD* md = detail::jws_digest(alg);
        if (md == nullptr) { // EdDSA with Ed25519, and Ed25519
            md = detail::jws_digest(JwsAlg::HS512);
        }
        unsigned int length = 0;
        ok = EVP_Digest(input, value.size(), digest.data(), &length, md, nullptr) == 1;
        size = length;
    }
    if (!ok) {
        throw Error(errc::internal, "hashing failed");
    }
    return base64url_encode(
        std::string_view{reinterpret_cast<const char*>(digest.data()), size / 2});
}

IssuerResolver tenant_issuer_template(std::string issuer_template) {
    return [issuer_template = std::move(issuer_template)](const IdTokenClaims& claims) {
        constexpr std::string_view placeholder = "{tenantid}";
        auto at = issuer_template.find(placeholder);
        if (at == std::string::npos) {
            return issuer_template;
        }
        const auto& tid = claims.tid();
        bool valid = tid && !tid->empty() && tid->size() <= 64 &&
                     std::all_of(tid->begin(), tid->end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
                     });
        if (!valid) {
            throw TokenError(errc::bad_issuer, "the token has no tenant id (tid) for the issuer "
                                               "template");
        }
        std::string issuer = issuer_template;
        issuer.replace(at, placeholder.size(), *tid);
        return issuer;
    };
}

IdTokenValidator::IdTokenValidator(IdTokenValidatorOptions options,
                                   std::shared_ptr<KeyResolver> keys, std::shared_ptr<Clock> clock)
    : options_(std::move(options)), keys_(std::move(keys)),
      clock_(clock_or_system(std::move(clock))) {
    if (options_.client_id.empty()) {
        throw ConfigError(errc::config_missing, "ID-token validation needs the client id");
    }
    if (options_.issuer.empty() && !options_.issuer_resolver) {
        throw ConfigError(errc::config_missing, "ID-token validation needs the issuer");
    }
    if (options_.allowed_algs.empty()) {
        options_.allowed_algs = {JwsAlg::RS256}; // §3.1.3.7 step 7: the default is RS256
    }
    bool wants_hmac = std::any_of(options_.allowed_algs.begin(), options_.allowed_algs.end(),
                                  [](JwsAlg alg) { return is_symmetric(alg); });
    bool wants_public = std::any_of(options_.allowed_algs.begin(), options_.allowed_algs.end(),
                                    [](JwsAlg alg) { return !is_symmetric(alg); });
    if (wants_hmac) {
        if (options_.client_secret.empty()) {
            throw ConfigError(errc::config_invalid,
                              "HS256/384/512 ID tokens need the client secret (OIDC Core §10.1)");
        }
        try {
            secret_key_ = Jwk::from_shared_secret(options_.client_secret);
        } catch (const TokenError& e) {
            throw ConfigError(e.code(), e.what());
        }
    }
    if (wants_public && !keys_) {
        throw ConfigError(errc::config_missing, "ID-token validation needs the provider's keys");
    }
    jws_options_.allowed_algs = options_.allowed_algs;
    jws_options_.max_token_bytes = options_.max_token_bytes;
}

IdTokenClaims IdTokenValidator::validate(std::string_view id_token,
                                         const IdTokenChecks& checks) const {
    // §3.1.3.7 step 1: encrypted ID tokens are not accepted (a JWE has five parts and is
    // rejected as malformed by verify_jws).
    // Steps 6–8: the signature is verified with the provider's key (or, for HS*, the client
    // secret), with an algorithm from the allow-list; alg none is always rejected.
    detail::ValidatorKeys keys(secret_key_, keys_.get(), checks.from_provider);
    VerifiedJws verified = verify_jws(id_token, keys, jws_options_);
    if (verified.header.typ && is_foreign_typ(*verified.header.typ)) {
        throw TokenError(errc::token_invalid, "a token of type " +
                                                  detail::show(*verified.header.typ) +
                                                  " is not an ID token");
    }
    IdTokenClaims claims = IdTokenClaims::from_payload(std::move(verified.payload));

    const auto now = std::chrono::floor<std::chrono::seconds>(clock_->now());
    const auto leeway = options_.leeway;

    // Step 2: iss (REQUIRED, §2) must exactly match the issuer identifier.
    detail::check_issuer(claims, options_, "ID token");
    // §2: sub is REQUIRED.
    if (!claims.has_sub() || claims.sub().empty()) {
        throw TokenError(errc::missing_claim, "the ID token has no sub");
    }
    // Step 3: aud (REQUIRED, §2) must contain client_id, and no audience the client does not
    // trust.
    detail::check_audience(claims, options_, "ID token");
    const auto& audiences = claims.aud();
    // Step 4: with several audiences, azp must be present.
    if (audiences.size() > 1 && !claims.azp()) {
        throw TokenError(errc::bad_azp, "the ID token has several audiences and no azp");
    }
    // Step 5: azp, when present, must be this client.
    if (claims.azp() && *claims.azp() != options_.client_id) {
        throw TokenError(errc::bad_azp,
                         "azp " + detail::show(*claims.azp()) + " is not this client");
    }
    // Steps 9 and 10: before exp (REQUIRED, §2), iat (REQUIRED) not in the future.
    detail::check_lifetime(claims, now, leeway, "ID token");
    // RFC 7519 §4.1.5: not before nbf.
    if (claims.nbf() && *claims.nbf() > now + leeway) {
        throw TokenError(errc::not_yet_valid, "the ID token is not valid yet (nbf)");
    }
    // Step 11: the nonce sent must come back, unchanged (compared in constant time).
    if (checks.nonce) {
        if (!claims.nonce()) {
            throw TokenError(errc::missing_claim, "the ID token has no nonce, but one was sent");
        }
        if (!constant_time_equal(*claims.nonce(), *checks.nonce)) {
            throw TokenError(errc::bad_nonce, "the ID token's nonce is not the one sent");
        }
    }
    // Step 13: with max_age, auth_time is required and must be recent enough.
    if (checks.max_age) {
        if (!claims.auth_time()) {
            throw TokenError(errc::missing_claim,
                             "the ID token has no auth_time, but max_age was sent");
        }
        if (now > *claims.auth_time() + *checks.max_age + leeway) {
            throw TokenError(errc::auth_too_old, "the authentication is older than max_age");
        }
    }
    // §3.1.3.8 / §3.3.2.9: at_hash, when present, must match the access token.
    const std::string& crv = verified.key.crv();
    if (checks.access_token && claims.at_hash() &&
        !constant_time_equal(*claims.at_hash(),
                             oidc_token_hash(*checks.access_token, verified.header.alg, crv))) {
        throw TokenError(errc::bad_at_hash, "at_hash does not match the access token");
    }
    // §3.3.2.10: c_hash, when present, must match the authorization code.
    if (checks.code && claims.c_hash() &&
        !constant_time_equal(*claims.c_hash(),
                             oidc_token_hash(*checks.code, verified.header.alg, crv))) {
        throw TokenError(errc::bad_c_hash, "c_hash does not match the authorization code");
    }
    return claims;
}

void check_refreshed_id_token(const IdTokenClaims& original, const IdTokenClaims& refreshed) {
    // OIDC Core §12.2: iss, sub, aud and azp stay those of the original sign-in.
    if (refreshed.iss() != original.iss()) {
        throw TokenError(errc::bad_issuer, "the refreshed ID token has another issuer");
    }
    if (refreshed.sub() != original.sub()) {
        throw TokenError(errc::bad_subject, "the refreshed ID token is about another subject");
    }
    auto sorted = [](std::vector<std::string> list) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
        return list;
    };
    if (sorted(refreshed.aud()) != sorted(original.aud())) {
        throw TokenError(errc::bad_audience, "the refreshed ID token has other audiences");
    }
    if (refreshed.azp() != original.azp()) {
        throw TokenError(errc::bad_azp, "the refreshed ID token has another azp");
    }
    // A nonce SHOULD be absent; when present it must be the original one.
    if (refreshed.nonce() &&
        (!original.nonce() || !constant_time_equal(*refreshed.nonce(), *original.nonce()))) {
        throw TokenError(errc::bad_nonce, "the refreshed ID token has another nonce");
    }
    // auth_time stays the time of the original authentication.
    if (refreshed.auth_time() && original.auth_time() &&
        *refreshed.auth_time() != *original.auth_time()) {
        throw TokenError(errc::token_invalid, "the refreshed ID token has another auth_time");
    }
}

} // namespace authflow
