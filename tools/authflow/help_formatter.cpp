#include "help_formatter.hpp"

#include "help_text.hpp"

#include <CLI/CLI.hpp>

#include <sstream>
#include <string>

namespace authflow::cli {

namespace {

/// "id-token verify" for the `verify` subcommand of `id-token`; empty for the program.
std::string command_path(const CLI::App* app) {
    std::string path;
    for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
        path = path.empty() ? app->get_name() : app->get_name() + " " + path;
    }
    return path;
}

class HelpFormatter : public CLI::Formatter {
public:
    std::string make_help(const CLI::App* app, std::string name,
                          CLI::AppFormatMode mode) const override {
        if (mode == CLI::AppFormatMode::Sub) {
            return make_expanded(app);
        }
        std::ostringstream out;
        out << make_description(app) << make_usage(app, std::move(name)) << make_positionals(app)
            << make_groups(app, mode);
        if (app->get_parent() != nullptr) {
            const CLI::App* root = app;
            while (root->get_parent() != nullptr) {
                root = root->get_parent();
            }
            const auto global = root->get_options([root](const CLI::Option* option) {
                return option->nonpositional() && option != root->get_help_ptr() &&
                       !option->get_group().empty();
            });
            out << make_group("Global options (before or after the command)", false, global);
        }
        out << make_subcommands(app, mode);
        if (app->get_parent() == nullptr) {
            // The program's examples; every variable and file is in the commands' help and the
            // man page.
            out << format_help_sections({"", "", program_help().examples, {}, {}});
        } else if (const CommandHelp* help = find_command_help(command_path(app))) {
            out << format_help_sections(*help);
        }
        out << '\n' << make_footer(app);
        return out.str();
    }
};

} // namespace

std::shared_ptr<CLI::FormatterBase> make_help_formatter() {
    auto formatter = std::make_shared<HelpFormatter>();
    formatter->column_width(34);
    return formatter;
}

} // namespace authflow::cli
