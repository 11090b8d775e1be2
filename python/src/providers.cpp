// The providers: the original's constructors, blocking calls run without the GIL (the async
// forms are added in authflow/providers.py).

#include "common.hpp"

#include <authflow/core/settings.hpp>
#include <authflow/core/url.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/google_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace authflow::python {
namespace {

using release = py::call_guard<py::gil_scoped_release>;

QueryParams to_params(const std::optional<std::map<std::string, std::string>>& params) {
    QueryParams out;
    if (params) {
        for (const auto& [name, value] : *params) {
            out.add(name, value);
        }
    }
    return out;
}

ProviderConfig make_config(const std::string& client_id, const std::string& client_secret,
                           const std::optional<std::vector<std::string>>& scopes) {
    ProviderConfig config;
    config.client_id = client_id;
    config.client_secret = client_secret;
    if (scopes) {
        config.scopes = *scopes;
    }
    return config;
}

py::dict endpoints_dict(const ProviderEndpoints& e) {
    py::dict d;
    d["issuer"] = e.issuer;
    d["authorization_endpoint"] = e.authorization_endpoint;
    d["token_endpoint"] = e.token_endpoint;
    d["userinfo_endpoint"] = e.userinfo_endpoint;
    d["revocation_endpoint"] = e.revocation_endpoint;
    d["introspection_endpoint"] = e.introspection_endpoint;
    d["device_authorization_endpoint"] = e.device_authorization_endpoint;
    d["end_session_endpoint"] = e.end_session_endpoint;
    d["jwks_uri"] = e.jwks_uri;
    d["client_auth_method"] = std::string(to_string(e.client_auth_method));
    return d;
}

} // namespace

void init_providers(py::module_& m) {
    py::class_<OAuthProvider, std::shared_ptr<OAuthProvider>>(
        m, "OAuthProvider",
        "One OAuth 2.0 client at one provider. Safe to use from several threads. Construct a "
        "concrete provider or use create_provider_from_settings.")
        .def_property_readonly("name", [](const OAuthProvider& p) { return std::string(p.name()); })
        .def_property_readonly("client_id", &OAuthProvider::client_id)
        .def_property_readonly("scopes", &OAuthProvider::scopes)
        .def_property_readonly("authorize_url",
                               [](const OAuthProvider& p) { return p.config().authorize_url; })
        .def_property_readonly("token_url",
                               [](const OAuthProvider& p) { return p.config().token_url; })
        .def_property_readonly("userinfo_url",
                               [](const OAuthProvider& p) { return p.config().userinfo_url; })
        .def_property_readonly("revocation_url",
                               [](const OAuthProvider& p) { return p.config().revocation_url; })
        .def_property_readonly("is_openid_connect", &OAuthProvider::is_openid_connect)
        .def(
            "endpoints_sync",
            [](OAuthProvider& p) {
                ProviderEndpoints e;
                {
                    py::gil_scoped_release released;
                    e = p.endpoints();
                }
                return endpoints_dict(e);
            },
            "The endpoints in use, after discovery.")
        .def(
            "build_authorize_url",
            [](OAuthProvider& p, const std::string& redirect_uri, const std::string& state,
               const std::optional<PKCEChallenge>& pkce,
               const std::optional<std::map<std::string, std::string>>& extra_params) {
                return p.build_authorize_url(redirect_uri, state, pkce, to_params(extra_params));
            },
            py::arg("redirect_uri"), py::arg("state"), py::arg("pkce") = py::none(),
            py::arg("extra_params") = py::none(), release(),
            "The full authorization URL (runs discovery first when needed). An OpenID Connect "
            "request for `openid` needs a `nonce` among extra_params.")
        .def(
            "exchange_code_sync",
            [](OAuthProvider& p, const std::string& code, const std::string& redirect_uri,
               const std::optional<std::string>& pkce_verifier,
               const std::optional<std::string>& nonce) {
                return p.exchange_code(code, redirect_uri, pkce_verifier, nonce);
            },
            py::arg("code"), py::arg("redirect_uri"), py::arg("pkce_verifier") = py::none(),
            py::arg("nonce") = py::none(), release(),
            "Exchanges an authorization code (RFC 6749 §4.1.3); validates the ID token. Raises "
            "TokenError.")
        .def(
            "refresh_tokens_sync",
            [](OAuthProvider& p, const std::string& refresh_token) {
                return p.refresh_tokens(std::string_view(refresh_token));
            },
            py::arg("refresh_token"), release(),
            "Refreshes tokens (RFC 6749 §6). Raises TokenRefreshError.")
        .def(
            "refresh_token_set_sync",
            [](OAuthProvider& p, const OAuthTokenSet& current) {
                return p.refresh_tokens(current);
            },
            py::arg("tokens"), release(),
            "Refreshes from a token set, checking that a new ID token keeps iss, sub and aud.")
        .def(
            "get_userinfo_sync",
            [](OAuthProvider& p, const std::string& access_token) {
                nlohmann::json info;
                {
                    py::gil_scoped_release released;
                    info = p.get_userinfo(std::string_view(access_token));
                }
                return to_py(info);
            },
            py::arg("access_token"), "The userinfo endpoint's answer (OIDC Core §5.3).")
        .def(
            "revoke_token_sync",
            [](OAuthProvider& p, const std::string& token, const std::string& hint) {
                return p.revoke_token(token, hint);
            },
            py::arg("token"), py::arg("token_type_hint") = "", release(),
            "Revokes a token (RFC 7009). True when the provider confirmed it.")
        .def(
            "introspect_token_sync",
            [](OAuthProvider& p, const std::string& token) {
                IntrospectionResult result;
                {
                    py::gil_scoped_release released;
                    result = p.introspect_token(token);
                }
                return to_py(result.raw);
            },
            py::arg("token"), "The introspection answer (RFC 7662) as a dict.")
        .def(
            "client_credentials_sync",
            [](OAuthProvider& p, const std::vector<std::string>& scopes) {
                return p.client_credentials(scopes);
            },
            py::arg("scopes") = std::vector<std::string>{}, release(),
            "Tokens for the client itself (RFC 6749 §4.4).")
        .def("close_sync", &OAuthProvider::close, release(), "Releases the provider's resources.");

    py::class_<GenericOIDCProvider, OAuthProvider, std::shared_ptr<GenericOIDCProvider>>(
        m, "GenericOIDCProvider",
        "Any OpenID Provider: endpoints from discovery when issuer_url is set. ID tokens are "
        "always validated. Safe to use from several threads.")
        .def(py::init([](const std::string& client_id, const std::string& client_secret,
                         const std::string& issuer_url,
                         const std::optional<std::vector<std::string>>& scopes,
                         const std::string& authorize_url, const std::string& token_url,
                         const std::string& userinfo_url, const std::string& revocation_url,
                         bool require_id_token_validation, const std::string& jwks_uri,
                         const std::string& device_authorization_url,
                         const std::string& token_endpoint_auth_method, bool use_pkce, int leeway) {
                 auto config = make_config(client_id, client_secret, scopes);
                 config.issuer_url = issuer_url;
                 config.authorize_url = authorize_url;
                 config.token_url = token_url;
                 config.userinfo_url = userinfo_url;
                 config.revocation_url = revocation_url;
                 config.jwks_uri = jwks_uri;
                 config.device_authorization_url = device_authorization_url;
                 config.client_auth_method = parse_client_auth_method(token_endpoint_auth_method);
                 config.use_pkce = use_pkce;
                 config.leeway = std::chrono::seconds(leeway);
                 config.insecure_skip_id_token_validation = !require_id_token_validation;
                 const auto discovery = issuer_url.empty()
                                            ? GenericOIDCProvider::Discovery::off
                                            : GenericOIDCProvider::Discovery::from_issuer;
                 return std::make_shared<GenericOIDCProvider>(std::move(config), discovery);
             }),
             py::arg("client_id"), py::arg("client_secret") = "", py::arg("issuer_url") = "",
             py::arg("scopes") = py::none(), py::arg("authorize_url") = "",
             py::arg("token_url") = "", py::arg("userinfo_url") = "",
             py::arg("revocation_url") = "", py::kw_only(),
             py::arg("require_id_token_validation") = true, py::arg("jwks_uri") = "",
             py::arg("device_authorization_url") = "",
             py::arg("token_endpoint_auth_method") = "auto", py::arg("use_pkce") = true,
             py::arg("leeway") = 60)
        .def_property_readonly("issuer_url",
                               [](const GenericOIDCProvider& p) { return p.config().issuer_url; })
        .def_property_readonly("require_id_token_validation",
                               [](const GenericOIDCProvider& p) {
                                   return !p.config().insecure_skip_id_token_validation;
                               })
        .def(
            "validate_id_token_sync",
            [](GenericOIDCProvider& p, const std::string& id_token,
               const std::optional<std::string>& nonce) {
                std::optional<IdTokenClaims> claims;
                {
                    py::gil_scoped_release released;
                    claims.emplace(p.validate_id_token(id_token, nonce));
                }
                return claims_to_py(*claims);
            },
            py::arg("id_token"), py::arg("nonce") = py::none(),
            "Validates an ID token (signature with the provider's keys, iss, aud, azp, exp, iat, "
            "nbf, nonce) and returns its claims. Raises TokenError with the check's code.");

    py::class_<GoogleProvider, GenericOIDCProvider, std::shared_ptr<GoogleProvider>>(
        m, "GoogleProvider",
        "Google sign-in, endpoints preset; asks for offline access. Safe to use from several "
        "threads.")
        .def(py::init([](const std::string& client_id, const std::string& client_secret,
                         const std::optional<std::vector<std::string>>& scopes,
                         const std::string& endpoint_base) {
                 return std::make_shared<GoogleProvider>(
                     make_config(client_id, client_secret, scopes), endpoint_base);
             }),
             py::arg("client_id"), py::arg("client_secret") = "", py::arg("scopes") = py::none(),
             py::kw_only(), py::arg("endpoint_base") = "");

    py::class_<MicrosoftProvider, GenericOIDCProvider, std::shared_ptr<MicrosoftProvider>>(
        m, "MicrosoftProvider",
        "Microsoft identity platform (v2.0), per tenant. Safe to use from several threads.")
        .def(py::init([](const std::string& client_id, const std::string& client_secret,
                         const std::string& tenant_id,
                         const std::optional<std::vector<std::string>>& scopes,
                         const std::string& endpoint_base, const std::string& graph_base) {
                 return std::make_shared<MicrosoftProvider>(
                     make_config(client_id, client_secret, scopes), tenant_id, endpoint_base,
                     graph_base);
             }),
             py::arg("client_id"), py::arg("client_secret") = "", py::arg("tenant_id") = "common",
             py::arg("scopes") = py::none(), py::kw_only(), py::arg("endpoint_base") = "",
             py::arg("graph_base") = "")
        .def_property_readonly("tenant_id", &MicrosoftProvider::tenant_id);

    py::class_<GitHubProvider, OAuthProvider, std::shared_ptr<GitHubProvider>>(
        m, "GitHubProvider",
        "GitHub OAuth apps and GitHub Apps (OAuth 2.0, no ID token). Safe to use from several "
        "threads.")
        .def(py::init([](const std::string& client_id, const std::string& client_secret,
                         const std::optional<std::vector<std::string>>& scopes,
                         const std::string& endpoint_base, const std::string& api_base) {
                 return std::make_shared<GitHubProvider>(
                     make_config(client_id, client_secret, scopes), endpoint_base, api_base);
             }),
             py::arg("client_id"), py::arg("client_secret") = "", py::arg("scopes") = py::none(),
             py::kw_only(), py::arg("endpoint_base") = "", py::arg("api_base") = "")
        .def_property_readonly("api_base", &GitHubProvider::api_base);

    m.def(
        "_create_provider_from_settings",
        [](const std::map<std::string, std::string>& values) {
            OAuth2Settings settings;
            for (const auto& [field, value] : values) {
                settings.set(field, value);
            }
            return create_provider_from_settings(settings);
        },
        py::arg("values"));
    m.def("_settings_fields", [] {
        std::vector<std::string> names;
        for (auto name : OAuth2Settings::field_names()) {
            names.emplace_back(name);
        }
        return names;
    });
    m.def("default_scopes", &default_scopes, py::arg("provider"),
          "The default scopes of a provider type.");
}

} // namespace authflow::python
