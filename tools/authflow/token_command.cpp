// `authflow token [--min-valid S] [--id-token] [--scope S]... [--resource URI]... [--audience A]
// [--header [--method M] [--url U] [--nonce N]]`: prints a valid access token of the profile (or
// its ID token) and nothing else, refreshing it first when needed (like `gcloud auth
// print-access-token` and `oidc-token`); with --header, the header lines that present it to an API
// (`Authorization: DPoP …` and `DPoP: …` for DPoP-bound tokens, RFC 9449 §7.1;
// `Authorization: Bearer …` otherwise).
#include "cli.hpp"
#include "profile.hpp"
#include "profile_summary.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/providers/resource_request.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace authflow::cli {

namespace {

struct TokenOptions {
    std::int64_t min_valid = 0;
    bool id_token = false;
    std::vector<std::string> scopes;
    std::vector<std::string> resources;
    std::string audience;
    bool header = false;
    std::string method = "GET";
    std::string url;
    std::string nonce;
};

bool id_token_serves(const OAuthTokenSet& tokens, double now, std::int64_t min_valid) {
    const auto claims = stored_id_token_claims(tokens);
    const auto exp = claims ? claims->exp() : std::nullopt;
    return exp && now + static_cast<double>(min_valid) <
                      static_cast<double>(exp->time_since_epoch().count());
}

int print_id_token(const OpenedProfile& profile, const OAuthTokenSet& stored,
                   const TokenOptions& options, std::ostream& out) {
    const std::int64_t wanted =
        std::max<std::int64_t>(options.min_valid, profile.settings.refresh_buffer_seconds);
    if (id_token_serves(stored, system_clock().unix_seconds(), wanted)) {
        out << *stored.id_token << "\n";
        return exit_ok;
    }
    if (!stored.id_token) {
        throw TokenError(errc::token_missing,
                         "the profile has no ID token: sign in with the openid scope (run `" +
                             login_command_for(profile.name) + "`)");
    }
    // A refresh usually brings a new ID token (OIDC Core §12.2).
    const OAuthTokenSet refreshed = make_profile_session(profile)->refresh();
    if (!id_token_serves(refreshed, system_clock().unix_seconds(), options.min_valid)) {
        throw TokenExpiredError(errc::token_expired,
                                "the provider gave no new ID token on refresh: run `" +
                                    login_command_for(profile.name) + "` for a new one");
    }
    out << *refreshed.id_token << "\n";
    return exit_ok;
}

int run_token(Context& ctx, const TokenOptions& options) {
    const OpenedProfile profile = open_profile(ctx);
    const OAuthTokenSet tokens = require_tokens(profile);
    if (options.id_token) {
        return print_id_token(profile, tokens, options, *ctx.out);
    }
    if (!options.scopes.empty() || !options.resources.empty() || !options.audience.empty()) {
        if (!tokens.refresh_token || tokens.refresh_token->empty()) {
            throw ConfigError(errc::invalid_argument,
                              "--scope, --resource and --audience need a refresh token, and the "
                              "provider gave none to profile '" +
                                  profile.name + "'");
        }
        // `--scope "a b"` and `--scope a --scope b` alike.
        std::vector<std::string> scopes;
        for (const std::string& given : options.scopes) {
            std::istringstream words(given);
            for (std::string scope; words >> scope;) {
                scopes.push_back(scope);
            }
        }
        // A narrower token each time, straight from the provider; never stored.
        *ctx.out << make_profile_session(profile)
                        ->narrowed_tokens({scopes, options.resources, options.audience})
                        .access_token
                 << "\n";
        return exit_ok;
    }
    const OAuthTokenSet fresh = fresh_profile_tokens(profile, options.min_valid);
    if (!options.header) {
        *ctx.out << fresh.access_token << "\n";
        return exit_ok;
    }
    if (is_dpop_bound(fresh) && options.url.empty()) {
        // The proof names the request it is for (RFC 9449 §4.2: htm and htu).
        throw ConfigError(errc::invalid_argument,
                          "the tokens are DPoP-bound: --header needs --url (and --method unless "
                          "GET) of the request the proof is for");
    }
    for (const auto& [name, value] : resource_authorization_headers(
             fresh, options.method, options.url, system_clock(), options.nonce)) {
        *ctx.out << name << ": " << value << "\n";
    }
    return exit_ok;
}

} // namespace

void add_token_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<TokenOptions>();
    auto* command = app.add_subcommand(
        "token", "Print a valid access token of the profile (refreshed when needed)");
    command
        ->add_option("--min-valid,--min-ttl", options->min_valid,
                     "Seconds the token must still be valid for (refreshed first otherwise)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400}));
    auto* id_token = command->add_flag(
        "--id-token", options->id_token,
        "Print the ID token instead (refreshed first when it expires within the buffer)");
    auto* scope = command->add_option(
        "--scope", options->scopes,
        "A narrower access token for this scope, by a refresh (RFC 6749 §6); repeatable");
    auto* resource = command->add_option(
        "--resource", options->resources,
        "An access token for this API (RFC 8707 resource indicator, an absolute URI); repeatable");
    auto* audience = command->add_option(
        "--audience", options->audience,
        "An access token for this audience (the `audience` parameter of Auth0 and Okta)");
    for (auto* narrowing : {scope, resource, audience}) {
        narrowing->excludes(id_token);
    }
    auto* header = command->add_flag("--header", options->header,
                                     "Print the header lines for a request instead: Authorization "
                                     "(and DPoP for DPoP-bound tokens)");
    auto* method =
        command->add_option("--method", options->method, "With --header: the request's method")
            ->capture_default_str();
    auto* url = command->add_option("--url", options->url,
                                    "With --header: the request's URL (needed for DPoP)");
    auto* nonce =
        command->add_option("--nonce", options->nonce,
                            "With --header: the resource server's DPoP-Nonce, if it sent one");
    for (auto* with_header : {method, url, nonce}) {
        with_header->needs(header);
    }
    header->excludes(id_token);
    for (auto* narrowing : {scope, resource, audience}) {
        header->excludes(narrowing); // a narrower token is printed bare
    }
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_token(ctx, *options); }; });
}

} // namespace authflow::cli
