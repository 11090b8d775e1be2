#pragma once
// `--help` that teaches: a command's own options, then the global options (accepted before or
// after the command), then its EXAMPLES, ENVIRONMENT and FILES from the help table.

#include <memory>

namespace CLI {
class FormatterBase;
}

namespace authflow::cli {

/// The formatter for the program and every subcommand (set it before adding subcommands: CLI11
/// copies the parent's formatter into each new subcommand).
std::shared_ptr<CLI::FormatterBase> make_help_formatter();

} // namespace authflow::cli
