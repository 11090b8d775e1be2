// `authflow id-token verify --issuer URL [--jwks FILE|URL] [--audience CLIENT_ID] [--nonce N]
//  [--max-age S] [--leeway S] [--alg ALG]... TOKEN|-`: validates an ID token as a relying party
// would (OIDC Core §3.1.3.7) and prints its claims.
#include "cli.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/jwks_cache.hpp>
#include <authflow/oidc/provider_metadata.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace authflow::cli {
namespace {

struct VerifyOptions {
    std::string issuer;
    std::string jwks;
    std::string audience;
    std::string nonce;
    long long max_age = -1;
    long long leeway = -1;
    std::vector<std::string> algs;
    std::string token;
};

std::string trim(std::string text) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && space(text.back())) {
        text.pop_back();
    }
    std::size_t start = 0;
    while (start < text.size() && space(text[start])) {
        ++start;
    }
    return text.substr(start);
}

std::string read_token(const std::string& argument) {
    if (argument != "-") {
        return trim(argument);
    }
    std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    return trim(std::move(input));
}

bool is_url(const std::string& text) {
    return text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0;
}

// A key set file: a JWKS, or a single JWK.
Jwks read_jwks_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError(errc::config_invalid, "cannot read --jwks file '" + path + "'");
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
    if (parsed.is_object() && !parsed.contains("keys") && parsed.contains("kty")) {
        Jwks keys;
        keys.add(Jwk::from_json(parsed));
        return keys;
    }
    return Jwks::parse(text.str());
}

std::vector<JwsAlg> parse_algs(const std::vector<std::string>& names) {
    std::vector<JwsAlg> algs;
    for (const auto& name : names) {
        auto alg = parse_jws_alg(name);
        if (!alg) {
            throw ConfigError(errc::unsupported_alg,
                              "--alg '" + name + "' is not an algorithm authflow verifies");
        }
        algs.push_back(*alg);
    }
    return algs;
}

int run_verify(Context& ctx, const VerifyOptions& options) {
    OAuth2Settings settings = ctx.load_settings();
    std::string token = read_token(options.token);
    if (token.empty()) {
        throw ConfigError(errc::config_missing, "no token given (pass it, or - to read stdin)");
    }

    IdTokenValidatorOptions validation;
    validation.issuer = options.issuer.empty() ? settings.issuer_url : options.issuer;
    if (validation.issuer.empty()) {
        throw ConfigError(errc::config_missing, "--issuer is required");
    }
    validation.client_id = options.audience.empty() ? settings.client_id : options.audience;
    if (validation.client_id.empty()) {
        throw ConfigError(errc::config_missing,
                          "no audience: pass --audience or configure client_id");
    }
    validation.leeway =
        std::chrono::seconds{options.leeway >= 0 ? options.leeway : settings.leeway_seconds};
    validation.allowed_algs = parse_algs(options.algs);
    validation.client_secret = settings.client_secret; // used for HS* only, when allowed

    HttpClientOptions http_options;
    http_options.ca_file = settings.ca_file;
    http_options.total_timeout =
        std::chrono::milliseconds{static_cast<long long>(settings.http_timeout_seconds * 1000)};
    std::shared_ptr<HttpClient> http;
    auto client = [&] {
        if (!http) {
            http = make_http_client(http_options);
        }
        return http;
    };

    std::shared_ptr<KeyResolver> keys;
    if (!options.jwks.empty() && !is_url(options.jwks)) {
        keys = std::make_shared<StaticKeyResolver>(read_jwks_file(options.jwks));
    } else {
        std::string jwks_uri = options.jwks;
        if (jwks_uri.empty()) {
            ProviderMetadata metadata = fetch_provider_metadata(validation.issuer, *client());
            if (metadata.jwks_uri.empty()) {
                throw AuthenticationError(errc::discovery_failed,
                                          "the provider's discovery document has no jwks_uri");
            }
            jwks_uri = metadata.jwks_uri;
            if (validation.allowed_algs.empty()) {
                validation.allowed_algs = metadata.id_token_algs();
            }
        }
        keys = std::make_shared<JwksCache>(jwks_uri, client());
    }
    if (validation.allowed_algs.empty()) {
        // A fixed key set, no --alg: the keys decide (a key only verifies algorithms that fit
        // it); HMAC still needs an explicit --alg.
        validation.allowed_algs.assign(asymmetric_jws_algs().begin(), asymmetric_jws_algs().end());
    }

    IdTokenChecks checks;
    if (!options.nonce.empty()) {
        checks.nonce = options.nonce;
    }
    if (options.max_age >= 0) {
        checks.max_age = std::chrono::seconds{options.max_age};
    }
    IdTokenValidator validator(std::move(validation), std::move(keys));
    IdTokenClaims claims = validator.validate(token, checks);
    *ctx.out << claims.raw().dump(2) << "\n";
    return exit_ok;
}

} // namespace

void add_id_token_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<VerifyOptions>();
    auto* group = app.add_subcommand("id-token", "Work with OpenID Connect ID tokens");
    group->require_subcommand(1);
    auto* verify = group->add_subcommand(
        "verify", "Validate an ID token (signature and claims) and print its claims as JSON");
    verify->add_option("--issuer", options->issuer, "The expected iss, exactly");
    verify->add_option("--jwks", options->jwks,
                       "Keys: a JWKS (or JWK) file, or an https URL; default: the issuer's "
                       "discovery document");
    verify->add_option("--audience", options->audience,
                       "The client id aud must contain; default: the configured client_id");
    verify->add_option("--nonce", options->nonce, "The nonce the token must carry");
    verify->add_option("--max-age", options->max_age, "Seconds since authentication (auth_time)")
        ->check(CLI::NonNegativeNumber);
    verify->add_option("--leeway", options->leeway, "Allowed clock skew in seconds (default 60)")
        ->check(CLI::NonNegativeNumber);
    verify->add_option("--alg", options->algs,
                       "An accepted algorithm (repeatable); default: the provider's, or every "
                       "asymmetric one with --jwks");
    verify->add_option("token", options->token, "The ID token, or - to read it from stdin")
        ->required();
    verify->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_verify(ctx, *options); }; });
}

} // namespace authflow::cli
