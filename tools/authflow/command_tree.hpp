#pragma once
// The commands and options of the CLI11 app as plain data, walked from the app itself: what the
// completion scripts and the man page are generated from, so they cannot drift from the parser.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace authflow::cli {

/// One option or positional argument of a command.
struct OptionInfo {
    std::vector<std::string> names; ///< "--device", "-o"; empty for a positional
    std::string positional;         ///< the positional's name ("issuer"); empty for an option
    std::string description;
    bool takes_value = false;
    bool is_file = false;            ///< the value names a file (completed as one)
    std::vector<std::string> values; ///< the accepted values when they are a fixed set
};

/// One command (or the program itself) with its options and subcommands.
struct CommandInfo {
    std::string name;        ///< "verify"; empty for the program itself
    std::string path;        ///< "id-token verify"; empty for the program itself
    std::string description; ///< the one-line summary registered with CLI11
    std::vector<OptionInfo> options;
    std::vector<CommandInfo> subcommands;
};

/// The visible commands of `app` (hidden ones, such as `man`, left out), recursively; the
/// program's own --help and --version included among its options.
CommandInfo describe_commands(const CLI::App& app);

/// The fixed values of an option or positional named `name` ("--provider", "--store", "shell").
std::span<const std::string> option_values(std::string_view name);

} // namespace authflow::cli
