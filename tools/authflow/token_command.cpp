// `authflow token [--min-ttl S] [--header [--method M] [--url U] [--nonce N]]`: prints a valid
// access token of the profile and nothing else, refreshing it first when needed (like `gcloud auth
// print-access-token`); with --header, the header lines that present it to an API
// (`Authorization: DPoP …` and `DPoP: …` for DPoP-bound tokens, RFC 9449 §7.1;
// `Authorization: Bearer …` otherwise).
#include "cli.hpp"
#include "profile.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/providers/resource_request.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

namespace authflow::cli {

namespace {

struct TokenOptions {
    std::int64_t min_ttl = 0;
    bool header = false;
    std::string method = "GET";
    std::string url;
    std::string nonce;
};

int run_token(Context& ctx, const TokenOptions& options) {
    const OpenedProfile profile = open_profile(ctx);
    const OAuthTokenSet tokens = fresh_profile_tokens(profile, options.min_ttl);
    if (!options.header) {
        *ctx.out << tokens.access_token << "\n";
        return exit_ok;
    }
    if (is_dpop_bound(tokens) && options.url.empty()) {
        // The proof names the request it is for (RFC 9449 §4.2: htm and htu).
        throw ConfigError(errc::invalid_argument,
                          "the tokens are DPoP-bound: --header needs --url (and --method unless "
                          "GET) of the request the proof is for");
    }
    for (const auto& [name, value] : resource_authorization_headers(
             tokens, options.method, options.url, system_clock(), options.nonce)) {
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
        ->add_option("--min-ttl", options->min_ttl,
                     "Seconds the token must still be valid for (refresh otherwise)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400}));
    command->add_flag("--header", options->header,
                      "Print the header lines for a request instead: Authorization (and DPoP "
                      "for DPoP-bound tokens)");
    auto* method =
        command->add_option("--method", options->method, "With --header: the request's method")
            ->capture_default_str();
    auto* url = command->add_option("--url", options->url,
                                    "With --header: the request's URL (needed for DPoP)");
    auto* nonce =
        command->add_option("--nonce", options->nonce,
                            "With --header: the resource server's DPoP-Nonce, if it sent one");
    method->needs(command->get_option("--header"));
    url->needs(command->get_option("--header"));
    nonce->needs(command->get_option("--header"));
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_token(ctx, *options); }; });
}

} // namespace authflow::cli
