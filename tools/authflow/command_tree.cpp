#include "command_tree.hpp"

#include <authflow/core/settings.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

namespace authflow::cli {

namespace {

const std::map<std::string, std::vector<std::string>, std::less<>>& value_table() {
    static const std::map<std::string, std::vector<std::string>, std::less<>> table = [] {
        std::vector<std::string> providers;
        for (ProviderKind kind :
             {ProviderKind::google, ProviderKind::github, ProviderKind::microsoft,
              ProviderKind::oidc, ProviderKind::custom}) {
            providers.emplace_back(to_string(kind));
        }
        std::vector<std::string> stores;
        for (TokenStoreBackend backend :
             {TokenStoreBackend::automatic, TokenStoreBackend::memory, TokenStoreBackend::sqlite,
              TokenStoreBackend::redis, TokenStoreBackend::keyring}) {
            stores.emplace_back(to_string(backend));
        }
        return std::map<std::string, std::vector<std::string>, std::less<>>{
            {"--provider", providers},
            {"--store", stores},
            {"--session-store", {"memory", "sqlite", "redis"}},
            {"shell", {"bash", "zsh", "fish"}},
        };
    }();
    return table;
}

// Options whose value is a file name (completed as one).
constexpr std::string_view file_options[] = {
    "--config", "--client-secret-file", "--private-key-file", "--jwks", "--session-db", "--output"};

OptionInfo describe_option(const CLI::Option& option) {
    OptionInfo info;
    info.description = option.get_description();
    info.takes_value = option.get_items_expected_max() != 0 || option.get_positional();
    if (option.get_positional() && option.get_lnames().empty() && option.get_snames().empty()) {
        info.positional = option.get_name(true);
    } else {
        for (const auto& name : option.get_lnames()) {
            info.names.push_back("--" + name);
        }
        for (const auto& name : option.get_snames()) {
            info.names.push_back("-" + name);
        }
    }
    const std::string key = info.positional.empty() ? info.names.front() : info.positional;
    info.values.assign(option_values(key).begin(), option_values(key).end());
    info.is_file =
        std::find(std::begin(file_options), std::end(file_options), key) != std::end(file_options);
    return info;
}

CommandInfo describe(const CLI::App& app, const std::string& path) {
    CommandInfo info;
    info.name = app.get_parent() == nullptr ? "" : app.get_name();
    info.path = path;
    info.description = app.get_description();
    for (const CLI::Option* option : app.get_options()) {
        // A subcommand's own --help is listed once, with the program's options.
        if (app.get_parent() != nullptr && option == app.get_help_ptr()) {
            continue;
        }
        info.options.push_back(describe_option(*option));
    }
    for (const CLI::App* sub : app.get_subcommands(
             [](const CLI::App* candidate) { return !candidate->get_group().empty(); })) {
        info.subcommands.push_back(
            describe(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name()));
    }
    return info;
}

} // namespace

std::span<const std::string> option_values(std::string_view name) {
    const auto& table = value_table();
    const auto it = table.find(name);
    if (it == table.end()) {
        return {};
    }
    return it->second;
}

CommandInfo describe_commands(const CLI::App& app) {
    return describe(app, "");
}

} // namespace authflow::cli
