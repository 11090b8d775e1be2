// `authflow discover [ISSUER] [--json]`: fetches an OpenID Provider's discovery document
// (OpenID Connect Discovery 1.0 §4), checks it, and prints what matters to a client.
#include "cli.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/oidc/provider_metadata.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace authflow::cli {
namespace {

struct DiscoverOptions {
    std::string issuer;
    bool json = false;
};

std::string joined(const std::vector<std::string>& values) {
    if (values.empty()) {
        return "(not advertised)";
    }
    std::string out;
    for (const auto& value : values) {
        if (!out.empty()) {
            out += ", "; // response types contain spaces ("code id_token")
        }
        out += value;
    }
    return out;
}

int run_discover(Context& ctx, const DiscoverOptions& options) {
    const OAuth2Settings settings = ctx.load_settings();
    const std::string issuer = options.issuer.empty() ? settings.issuer_url : options.issuer;
    if (issuer.empty()) {
        throw ConfigError(errc::config_missing, "no issuer: pass ISSUER (or --issuer)");
    }
    HttpClientOptions http_options;
    http_options.ca_file = settings.ca_file;
    http_options.total_timeout = std::chrono::milliseconds{
        static_cast<long long>(std::llround(settings.http_timeout_seconds * 1000.0))};
    http_options.connect_timeout =
        std::min(http_options.connect_timeout, http_options.total_timeout);
    auto http = make_http_client(http_options);
    // Throws discovery_failed (exit 1) for a broken provider: unreachable, not JSON, another
    // issuer, endpoints that are not https.
    const ProviderMetadata md = fetch_provider_metadata(issuer, *http);

    std::ostream& out = *ctx.out;
    if (options.json) {
        out << md.raw.dump(2) << "\n";
        return exit_ok;
    }
    auto line = [&](const char* name, const std::string& value) {
        out << name << ": " << (value.empty() ? "(none)" : value) << "\n";
    };
    line("issuer", md.issuer);
    line("authorization_endpoint", md.authorization_endpoint);
    line("token_endpoint", md.token_endpoint);
    line("userinfo_endpoint", md.userinfo_endpoint);
    line("jwks_uri", md.jwks_uri);
    line("revocation_endpoint", md.revocation_endpoint);
    line("introspection_endpoint", md.introspection_endpoint);
    line("device_authorization_endpoint", md.device_authorization_endpoint);
    line("end_session_endpoint", md.end_session_endpoint);
    line("pushed_authorization_request_endpoint", md.pushed_authorization_request_endpoint);
    line("id_token_signing_alg_values_supported", joined(md.id_token_signing_alg_values_supported));
    line("grant_types_supported", joined(md.grant_types_supported));
    line("response_types_supported", joined(md.response_types_supported));
    line("code_challenge_methods_supported", joined(md.code_challenge_methods_supported));
    line("token_endpoint_auth_methods_supported", joined(md.token_endpoint_auth_methods_supported));
    line("scopes_supported", joined(md.scopes_supported));
    line("authorization_response_iss_parameter_supported",
         md.authorization_response_iss_parameter_supported ? "true" : "false");
    return exit_ok;
}

} // namespace

void add_discover_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<DiscoverOptions>();
    auto* command = app.add_subcommand(
        "discover", "Fetch and check an OpenID Provider's metadata and print its summary");
    command->add_option("issuer", options->issuer,
                        "The issuer URL (default: the configured issuer_url)");
    command->add_flag("--json", options->json, "Print the whole discovery document as JSON");
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_discover(ctx, *options); }; });
}

} // namespace authflow::cli
