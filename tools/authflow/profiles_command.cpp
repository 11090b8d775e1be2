// `authflow profiles [--json]`: every profile in the store with its provider, user, token expiry
// and where it is kept (like `gh auth status` for all accounts). Never a token.
#include "cli.hpp"
#include "profile.hpp"
#include "profile_summary.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::cli {

namespace {

constexpr std::string_view settings_suffix = "#settings";

/// The profile names in the store: every key that holds a profile's tokens or its remembered
/// settings (`<profile>#settings`).
std::set<std::string> profile_names(TokenStore& store) {
    std::set<std::string> names;
    for (const std::string& key : store.list_keys()) {
        if (key.size() > settings_suffix.size() && key.ends_with(settings_suffix)) {
            names.insert(key.substr(0, key.size() - settings_suffix.size()));
        } else if (key.find('#') == std::string::npos) {
            names.insert(key);
        }
    }
    return names;
}

/// One profile's summary; a profile whose records cannot be read is reported, not fatal.
ProfileSummary summarize(const OpenedProfile& opened, const std::string& name, double now,
                         std::string& problem) {
    std::optional<ProfileRecord> record;
    std::optional<OAuthTokenSet> tokens;
    OAuth2Settings settings = opened.given.settings();
    try {
        record = load_profile_record(*opened.store, name);
        if (record) {
            settings = opened.given.with_remembered(record->settings, name).settings();
        }
        tokens = opened.store->load(profile_tokens_key(name));
    } catch (const Error& e) {
        problem = e.what();
    }
    ProfileSummary summary = summarize_profile(name, settings, tokens, record, now);
    summary.store_backend = opened.backend;
    summary.store_location = describe_profile_store(opened);
    return summary;
}

int run_profiles(Context& ctx, bool as_json) {
    const OpenedProfile opened = open_profile(ctx);
    const double now = system_clock().unix_seconds();
    nlohmann::json list = nlohmann::json::array();
    std::ostream& out = *ctx.out;
    const std::set<std::string> names = profile_names(*opened.store);
    for (const std::string& name : names) {
        std::string problem;
        const ProfileSummary summary = summarize(opened, name, now, problem);
        if (as_json) {
            nlohmann::json entry = to_json(summary);
            entry["current"] = name == opened.name;
            if (!problem.empty()) {
                entry["problem"] = problem;
            }
            list.push_back(std::move(entry));
            continue;
        }
        const std::string identity = describe_identity(summary);
        out << name << (name == opened.name ? " (current)" : "") << "\n"
            << "  provider: " << summary.provider
            << (summary.issuer.empty() ? "" : " (" + summary.issuer + ")") << "\n"
            << "  user:     " << (identity.empty() ? "unknown" : identity) << "\n";
        if (!problem.empty()) {
            out << "  problem:  " << problem << "\n";
        } else if (!summary.has_tokens) {
            out << "  tokens:   none: run `" << login_command_for(name) << "`\n";
        } else {
            out << "  expires:  " << describe_expiry(summary)
                << (summary.has_refresh_token ? ", refreshable"
                    : summary.signed_in       ? ""
                                              : ": run `" + login_command_for(name) + "`")
                << "\n";
        }
    }
    const std::string location = describe_profile_store(opened);
    if (as_json) {
        const nlohmann::json all = {
            {"store", {{"backend", opened.backend}, {"location", location}}}, {"profiles", list}};
        out << all.dump(2) << "\n";
    } else if (names.empty()) {
        out << "No profiles in " << location << ": run `authflow login`.\n";
    } else {
        out << "Store: " << location << "\n";
    }
    return exit_ok;
}

} // namespace

void add_profiles_command(CLI::App& app, Context& ctx) {
    auto as_json = std::make_shared<bool>(false);
    auto* command = app.add_subcommand(
        "profiles",
        "List every profile in the store: provider, user, token expiry (never a token)");
    command->add_flag("--json", *as_json, "Print the list as JSON");
    command->callback(
        [&ctx, as_json] { ctx.run = [&ctx, as_json] { return run_profiles(ctx, *as_json); }; });
}

} // namespace authflow::cli
