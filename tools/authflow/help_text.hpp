#pragma once
// The text that teaches each `authflow` command: examples, the environment variables and the
// files that matter to it. One table, read by `--help`, the man page and the docs; the options
// themselves come from the CLI11 app (each command registers its own), so they cannot drift.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::cli {

/// One example: what it does (a comment line) and the command line.
struct HelpExample {
    std::string_view comment;
    std::string_view command;
};

/// One environment variable or file and what it means to the command.
struct HelpItem {
    std::string_view name;
    std::string_view meaning;
};

/// The teaching text of one command. A command without an entry still gets CLI11's help.
struct CommandHelp {
    /// The command's path below `authflow`: "login", "id-token verify".
    std::string_view command;
    /// A few sentences for the man page's COMMANDS section beyond the one-line summary the
    /// command registers with CLI11; may be empty.
    std::string_view description;
    std::vector<HelpExample> examples;
    std::vector<HelpItem> environment;
    std::vector<HelpItem> files;
};

/// Every command's entry, in the order the man page lists them.
std::span<const CommandHelp> command_help_table();

/// The entry of `command` (its path below `authflow`), or nullptr.
const CommandHelp* find_command_help(std::string_view command);

/// The program's own entry: what every command shares (examples of the whole program, the
/// environment and files of all commands), for `authflow --help` and the man page.
const CommandHelp& program_help();

/// EXAMPLES, ENVIRONMENT and FILES sections as plain text for `--help` (empty sections left
/// out); empty when `help` has nothing.
std::string format_help_sections(const CommandHelp& help);

/// The environment variables the program reads that are not settings (`AUTHFLOW_STORE_KEY`,
/// `AUTHFLOW_CONFIG_FILE`, ...), and prefixes of variables used by its tests and scripts.
std::span<const std::string_view> known_environment_variables();
std::span<const std::string_view> known_environment_prefixes();

} // namespace authflow::cli
