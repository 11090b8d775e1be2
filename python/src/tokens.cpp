// PKCEChallenge, OAuthTokenSet and the ID-token validator as Python values.

#include "common.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/jose/jwk.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/oidc/id_token.hpp>

#include <optional>
#include <string>
#include <vector>

namespace authflow::python {
namespace {

std::string json_text(py::handle value) {
    if (py::isinstance<py::str>(value)) {
        return value.cast<std::string>();
    }
    return from_py(value).dump();
}

std::vector<JwsAlg> parse_algs(const std::vector<std::string>& names) {
    std::vector<JwsAlg> algs;
    for (const auto& name : names) {
        auto alg = parse_jws_alg(name);
        if (!alg) {
            throw ConfigError(errc::config_invalid, "unknown JWS algorithm in algorithms");
        }
        algs.push_back(*alg);
    }
    return algs;
}

} // namespace

void init_tokens(py::module_& m) {
    py::class_<PKCEChallenge>(m, "PKCEChallenge",
                              "A PKCE code verifier and its S256 challenge (RFC 7636). Immutable.")
        .def(py::init([](const std::string& verifier, std::optional<std::string> challenge,
                         const std::string& method) {
                 if (method != "S256") {
                     throw Error(errc::bad_pkce, "only the S256 PKCE method is supported");
                 }
                 auto pkce = PKCEChallenge::from_verifier(verifier);
                 if (challenge && *challenge != pkce.challenge()) {
                     throw Error(errc::bad_pkce, "the challenge is not the verifier's S256 hash");
                 }
                 return pkce;
             }),
             py::arg("verifier"), py::arg("challenge") = py::none(), py::arg("method") = "S256",
             "The pair of a given verifier (43-128 unreserved characters). Raises AuthflowError "
             "(bad_pkce) for another verifier, a challenge that does not match or a method other "
             "than S256.")
        .def_static("generate", &PKCEChallenge::generate, py::arg("length") = 64,
                    "A new verifier of `length` random bytes (32-96; 64 gives 86 characters).")
        .def_static("from_verifier", &PKCEChallenge::from_verifier, py::arg("verifier"))
        .def_property_readonly("verifier", &PKCEChallenge::verifier)
        .def_property_readonly("challenge", &PKCEChallenge::challenge)
        .def_property_readonly("method", [](const PKCEChallenge&) { return "S256"; })
        .def("__repr__", [](const PKCEChallenge& pkce) {
            return "PKCEChallenge(challenge='" + pkce.challenge() + "', method='S256')";
        });

    py::class_<OAuthTokenSet>(m, "OAuthTokenSet",
                              "The tokens of one sign-in. A plain mutable value; repr() never "
                              "shows a token.")
        .def(
            py::init([](std::string access_token, std::string token_type,
                        std::optional<std::string> refresh_token,
                        std::optional<std::int64_t> expires_in, std::optional<std::string> id_token,
                        std::string scope, py::object raw, std::optional<double> issued_at) {
                OAuthTokenSet tokens;
                tokens.access_token = std::move(access_token);
                tokens.token_type = std::move(token_type);
                tokens.refresh_token = std::move(refresh_token);
                if (expires_in && *expires_in < 0) {
                    throw TokenError(errc::token_invalid, "expires_in must not be negative");
                }
                tokens.expires_in = expires_in;
                tokens.id_token = std::move(id_token);
                tokens.scope = std::move(scope);
                tokens.raw = raw.is_none() ? nlohmann::json::object() : from_py(raw);
                tokens.issued_at = issued_at ? *issued_at : system_clock().unix_seconds();
                return tokens;
            }),
            py::arg("access_token"), py::arg("token_type") = "Bearer",
            py::arg("refresh_token") = py::none(), py::arg("expires_in") = py::none(),
            py::arg("id_token") = py::none(), py::arg("scope") = "", py::arg("raw") = py::none(),
            py::arg("issued_at") = py::none())
        .def_readwrite("access_token", &OAuthTokenSet::access_token)
        .def_readwrite("token_type", &OAuthTokenSet::token_type)
        .def_readwrite("refresh_token", &OAuthTokenSet::refresh_token)
        .def_readwrite("expires_in", &OAuthTokenSet::expires_in)
        .def_readwrite("id_token", &OAuthTokenSet::id_token)
        .def_readwrite("scope", &OAuthTokenSet::scope)
        .def_readwrite("issued_at", &OAuthTokenSet::issued_at)
        .def_property(
            "raw", [](const OAuthTokenSet& tokens) { return to_py(tokens.raw); },
            [](OAuthTokenSet& tokens, py::handle raw) { tokens.raw = from_py(raw); },
            "The full token-endpoint answer (a new dict on each read).")
        .def_property_readonly("expires_at", &OAuthTokenSet::expires_at,
                               "issued_at + expires_in, or None when the lifetime is unknown.")
        .def_property_readonly(
            "is_expired", [](const OAuthTokenSet& tokens) { return tokens.is_expired(); },
            "True once the access token's lifetime has passed (False when unknown).")
        .def(
            "expires_within",
            [](const OAuthTokenSet& tokens, double seconds) {
                return tokens.is_expired(std::chrono::seconds(static_cast<long long>(seconds)));
            },
            py::arg("seconds"), "True when the token expires within `seconds` from now.")
        .def_property_readonly("seconds_left",
                               [](const OAuthTokenSet& t) { return t.seconds_left(); })
        .def("to_json", &OAuthTokenSet::to_json_string,
             "The storage form: a JSON object text with the original's keys and order.")
        .def("to_dict", [](const OAuthTokenSet& tokens) { return to_py(tokens.to_json()); })
        .def_static(
            "from_json",
            [](py::handle value) { return OAuthTokenSet::from_json_string(json_text(value)); },
            py::arg("data"),
            "Reads the storage form (a str or a dict). Raises TokenError (token_invalid).")
        .def_static(
            "from_token_response",
            [](py::handle value) {
                return OAuthTokenSet::from_token_response(nlohmann::json::parse(json_text(value)));
            },
            py::arg("response"), "Reads a token endpoint's answer (RFC 6749 §5.1).")
        .def("copy", [](const OAuthTokenSet& tokens) { return tokens; })
        .def("__copy__", [](const OAuthTokenSet& tokens) { return tokens; })
        .def("__deepcopy__", [](const OAuthTokenSet& tokens, py::dict) { return tokens; })
        .def("__eq__",
             [](const OAuthTokenSet& a, const OAuthTokenSet& b) {
                 return a.to_json_string() == b.to_json_string();
             })
        .def("__repr__", [](const OAuthTokenSet& tokens) { return tokens.to_string(); });

    py::class_<IdTokenValidator, std::shared_ptr<IdTokenValidator>>(
        m, "IdTokenValidator",
        "Validates ID tokens of one client at one provider against a fixed key set (OIDC Core "
        "§3.1.3.7). Immutable; safe to use from several threads.")
        .def(py::init([](const std::string& client_id, const std::string& issuer, py::handle jwks,
                         const std::vector<std::string>& algorithms, int leeway) {
                 IdTokenValidatorOptions options;
                 options.client_id = client_id;
                 options.issuer = issuer;
                 options.allowed_algs = parse_algs(algorithms);
                 options.leeway = std::chrono::seconds(leeway);
                 auto keys = std::make_shared<StaticKeyResolver>(Jwks::parse(json_text(jwks)));
                 return std::make_shared<IdTokenValidator>(std::move(options), std::move(keys));
             }),
             py::arg("client_id"), py::arg("issuer"), py::arg("jwks"),
             py::arg("algorithms") = std::vector<std::string>{"RS256"}, py::arg("leeway") = 60)
        .def(
            "validate",
            [](const IdTokenValidator& validator, const std::string& id_token,
               std::optional<std::string> nonce) {
                IdTokenChecks checks;
                checks.nonce = std::move(nonce);
                std::optional<IdTokenClaims> claims;
                {
                    py::gil_scoped_release released;
                    claims.emplace(validator.validate(id_token, checks));
                }
                return claims_to_py(*claims);
            },
            py::arg("id_token"), py::arg("nonce") = py::none(),
            "Verifies the signature and the claims; returns the claims. Raises TokenError with "
            "the failing check's code (bad_signature, expired, bad_audience, ...).");
}

} // namespace authflow::python
