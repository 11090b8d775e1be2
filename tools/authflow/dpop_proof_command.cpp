// `authflow dpop-proof METHOD URL [--nonce N]`: prints a DPoP proof (RFC 9449 §4.2, §7) for one
// request with the profile's current access token, the one `authflow token` prints, e.g.
//   curl -H "Authorization: DPoP $(authflow token)"
//        -H "DPoP: $(authflow dpop-proof GET https://api.example/x)" https://api.example/x
#include "cli.hpp"
#include "profile.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/resource_request.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

namespace authflow::cli {

namespace {

struct DpopProofOptions {
    std::string method;
    std::string url;
    std::string nonce;
};

int run_dpop_proof(Context& ctx, const DpopProofOptions& options) {
    const OpenedProfile profile = open_profile(ctx);
    // The same token as `authflow token` (fresh by the same rule), so that ath matches it.
    const OAuthTokenSet tokens = fresh_profile_tokens(profile);
    *ctx.out << make_resource_dpop_proof(tokens, options.method, options.url, system_clock(),
                                         options.nonce)
             << "\n";
    return exit_ok;
}

} // namespace

void add_dpop_proof_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<DpopProofOptions>();
    auto* command = app.add_subcommand(
        "dpop-proof", "Print a DPoP proof for one request with the profile's access token");
    command->add_option("METHOD", options->method, "The request's HTTP method, e.g. GET")
        ->required();
    command->add_option("URL", options->url, "The request's URL")->required();
    command->add_option("--nonce", options->nonce,
                        "The resource server's DPoP-Nonce, when it asked for one");
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_dpop_proof(ctx, *options); }; });
}

} // namespace authflow::cli
