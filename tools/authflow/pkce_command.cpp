// `authflow pkce [--verifier V]`: prints a PKCE verifier and its S256 challenge.
#include "cli.hpp"

#include <authflow/core/pkce.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

namespace authflow::cli {

void add_pkce_command(CLI::App& app, Context& ctx) {
    auto verifier = std::make_shared<std::string>();
    auto* command = app.add_subcommand("pkce", "Print a PKCE code verifier and its S256 challenge");
    command->add_option("--verifier", *verifier,
                        "Compute the challenge of this verifier instead of a new one");
    command->callback([&ctx, verifier] {
        ctx.run = [&ctx, verifier] {
            auto pkce = verifier->empty() ? PKCEChallenge::generate()
                                          : PKCEChallenge::from_verifier(*verifier);
            *ctx.out << "verifier: " << pkce.verifier() << "\n"
                     << "challenge: " << pkce.challenge() << "\n"
                     << "method: " << pkce.method() << "\n";
            return static_cast<int>(exit_ok);
        };
    });
}

} // namespace authflow::cli
