// `authflow completion bash|zsh|fish`: prints a completion script generated from the CLI11 app
// itself (its commands, their options, the global options and the fixed values of --provider
// and --store), so the script cannot drift from what the parser accepts.
#include "cli.hpp"
#include "command_tree.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace authflow::cli {

namespace {

/// Every command below the program, depth first.
void flatten(const CommandInfo& command, std::vector<const CommandInfo*>& out) {
    for (const CommandInfo& sub : command.subcommands) {
        out.push_back(&sub);
        flatten(sub, out);
    }
}

std::string join_names(const std::vector<OptionInfo>& options, bool with_value) {
    std::string text;
    for (const OptionInfo& option : options) {
        if (option.names.empty() || (with_value && !option.takes_value)) {
            continue;
        }
        for (const std::string& name : option.names) {
            text += (text.empty() ? "" : " ") + name;
        }
    }
    return text;
}

std::string join(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) {
        text += (text.empty() ? "" : " ") + word;
    }
    return text;
}

std::string subcommand_names(const CommandInfo& command) {
    std::vector<std::string> names;
    for (const CommandInfo& sub : command.subcommands) {
        names.push_back(sub.name);
    }
    return join(names);
}

/// The words a positional argument of `command` may take (e.g. the shells of `completion`).
std::string positional_values(const CommandInfo& command) {
    std::vector<std::string> values;
    for (const OptionInfo& option : command.options) {
        if (!option.positional.empty()) {
            values.insert(values.end(), option.values.begin(), option.values.end());
        }
    }
    return join(values);
}

/// The program followed by every command below it.
std::vector<const CommandInfo*> program_and_commands(const CommandInfo& root,
                                                     const std::vector<const CommandInfo*>& all) {
    std::vector<const CommandInfo*> commands{&root};
    commands.insert(commands.end(), all.begin(), all.end());
    return commands;
}

/// Options of every command that take a value (so their values are not taken for commands).
std::string all_value_options(const CommandInfo& root, const std::vector<const CommandInfo*>& all) {
    std::set<std::string> names;
    for (const CommandInfo* command : program_and_commands(root, all)) {
        for (const OptionInfo& option : command->options) {
            if (option.takes_value) {
                names.insert(option.names.begin(), option.names.end());
            }
        }
    }
    return join(std::vector<std::string>(names.begin(), names.end()));
}

/// Text between single quotes in a shell script.
std::string sh_quoted(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    }
    return out + "'";
}

/// The arms of the `case` that follows the command words typed so far: each command's path sets
/// cmd_path (bash and zsh alike).
void write_command_path_cases(std::ostream& out, const std::vector<const CommandInfo*>& all) {
    for (const CommandInfo* command : all) {
        out << "            " << sh_quoted(command->path)
            << ") cmd_path=" << sh_quoted(command->path) << " ;;\n";
    }
}

/// The arms of the `case` on the previous word, one per name of an option that takes a value
/// (each name once, the program's options first): `reply` gives the shell code that completes
/// the option's value, ahead of the `return`.
void write_value_cases(std::ostream& out, const CommandInfo& root,
                       const std::vector<const CommandInfo*>& all,
                       std::string (*reply)(const OptionInfo&)) {
    std::set<std::string> done;
    for (const CommandInfo* command : program_and_commands(root, all)) {
        for (const OptionInfo& option : command->options) {
            if (!option.takes_value || option.names.empty()) {
                continue;
            }
            for (const std::string& name : option.names) {
                if (done.insert(name).second) {
                    out << "        " << name << ") " << reply(option) << "return ;;\n";
                }
            }
        }
    }
}

std::string bash_value_reply(const OptionInfo& option) {
    if (!option.values.empty()) {
        return "COMPREPLY=($(compgen -W " + sh_quoted(join(option.values)) + " -- \"$cur\")); ";
    }
    if (option.is_file) {
        return "COMPREPLY=($(compgen -f -- \"$cur\")); ";
    }
    return "COMPREPLY=(); ";
}

std::string zsh_value_reply(const OptionInfo& option) {
    if (!option.values.empty()) {
        return "compadd -- " + join(option.values) + "; ";
    }
    if (option.is_file) {
        return "_files; ";
    }
    return "";
}

std::string bash_script(const CommandInfo& root) {
    std::vector<const CommandInfo*> all;
    flatten(root, all);
    std::ostringstream out;
    out << "# bash completion for authflow; generated by `authflow completion bash`.\n"
           "# Install: authflow completion bash > "
           "~/.local/share/bash-completion/completions/authflow\n"
           "_authflow() {\n"
           "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\"\n"
           "    [[ $COMP_CWORD -gt 0 ]] && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
           "    local value_options=\" "
        << all_value_options(root, all)
        << " \"\n"
           "    local cmd_path=\"\" word i\n"
           "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "        word=\"${COMP_WORDS[i]}\"\n"
           "        [[ $word == -* ]] && continue\n"
           "        [[ $value_options == *\" ${COMP_WORDS[i-1]} \"* ]] && continue\n"
           "        case \"${cmd_path:+$cmd_path }$word\" in\n";
    write_command_path_cases(out, all);
    out << "        esac\n"
           "    done\n"
           "    case \"$prev\" in\n";
    write_value_cases(out, root, all, bash_value_reply);
    out << "    esac\n"
           "    local words=\"\" options="
        << sh_quoted(join_names(root.options, false)) << "\n"
        << "    case \"$cmd_path\" in\n"
        << "        '') words=" << sh_quoted(subcommand_names(root)) << " ;;\n";
    for (const CommandInfo* command : all) {
        std::string words = subcommand_names(*command);
        const std::string values = positional_values(*command);
        words += (words.empty() || values.empty() ? "" : " ") + values;
        out << "        " << sh_quoted(command->path) << ") words=" << sh_quoted(words)
            << "; options=\"$options \"" << sh_quoted(join_names(command->options, false))
            << " ;;\n";
    }
    out << "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
           "    fi\n"
           "}\n"
           "complete -F _authflow authflow\n";
    return out.str();
}

/// "name:description" for zsh's _describe (colons in the name escaped).
std::string zsh_item(std::string_view name, std::string_view description) {
    std::string item;
    for (char c : name) {
        item += c == ':' ? std::string{"\\:"} : std::string(1, c);
    }
    return sh_quoted(item + ":" + std::string{description});
}

std::string zsh_script(const CommandInfo& root) {
    std::vector<const CommandInfo*> all;
    flatten(root, all);
    std::ostringstream out;
    out << "#compdef authflow\n"
           "# zsh completion for authflow; generated by `authflow completion zsh`.\n"
           "# Install: authflow completion zsh > \"${fpath[1]}/_authflow\"\n"
           "_authflow() {\n"
           "    local cur=${words[CURRENT]} prev=${words[CURRENT-1]}\n"
           "    local value_options=\" "
        << all_value_options(root, all)
        << " \"\n"
           "    local cmd_path=\"\" word i\n"
           "    for ((i = 2; i < CURRENT; i++)); do\n"
           "        word=${words[i]}\n"
           "        [[ $word == -* ]] && continue\n"
           "        [[ $value_options == *\" ${words[i-1]} \"* ]] && continue\n"
           "        case \"${cmd_path:+$cmd_path }$word\" in\n";
    write_command_path_cases(out, all);
    out << "        esac\n"
           "    done\n"
           "    case $prev in\n";
    write_value_cases(out, root, all, zsh_value_reply);
    out << "    esac\n"
           "    local -a commands options\n"
           "    options=(";
    for (const OptionInfo& option : root.options) {
        for (const std::string& name : option.names) {
            out << " " << zsh_item(name, option.description);
        }
    }
    out << " )\n"
           "    case $cmd_path in\n"
           "        '') commands=(";
    for (const CommandInfo& sub : root.subcommands) {
        out << " " << zsh_item(sub.name, sub.description);
    }
    out << " ) ;;\n";
    for (const CommandInfo* command : all) {
        out << "        " << sh_quoted(command->path) << ") commands=(";
        for (const CommandInfo& sub : command->subcommands) {
            out << " " << zsh_item(sub.name, sub.description);
        }
        for (const OptionInfo& option : command->options) {
            for (const std::string& value :
                 option.positional.empty() ? std::vector<std::string>{} : option.values) {
                out << " " << zsh_item(value, option.description);
            }
        }
        out << " ); options+=(";
        for (const OptionInfo& option : command->options) {
            for (const std::string& name : option.names) {
                out << " " << zsh_item(name, option.description);
            }
        }
        out << " ) ;;\n";
    }
    out << "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        _describe -t options 'option' options\n"
           "    else\n"
           "        _describe -t commands 'command' commands\n"
           "    fi\n"
           "}\n"
           "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then\n"
           "    _authflow \"$@\"\n"
           "else\n"
           "    compdef _authflow authflow\n"
           "fi\n";
    return out.str();
}

void fish_option(std::ostream& out, const OptionInfo& option, const std::string& condition) {
    for (const std::string& name : option.names) {
        out << "complete -c authflow";
        if (!condition.empty()) {
            out << " -n " << sh_quoted(condition);
        }
        out << (name.rfind("--", 0) == 0 ? " -l " + name.substr(2) : " -s " + name.substr(1));
        if (!option.values.empty()) {
            out << " -x -a " << sh_quoted(join(option.values));
        } else if (option.is_file) {
            out << " -r -F";
        } else if (option.takes_value) {
            out << " -x";
        }
        out << " -d " << sh_quoted(option.description) << "\n";
    }
}

std::string fish_script(const CommandInfo& root) {
    std::ostringstream out;
    out << "# fish completion for authflow; generated by `authflow completion fish`.\n"
           "# Install: authflow completion fish > ~/.config/fish/completions/authflow.fish\n"
           "complete -c authflow -f\n";
    for (const OptionInfo& option : root.options) {
        fish_option(out, option, "");
    }
    std::vector<std::string> top;
    for (const CommandInfo& sub : root.subcommands) {
        top.push_back(sub.name);
    }
    for (const CommandInfo& sub : root.subcommands) {
        out << "complete -c authflow -n '__fish_use_subcommand' -a " << sub.name << " -d "
            << sh_quoted(sub.description) << "\n";
    }
    std::vector<const CommandInfo*> all;
    flatten(root, all);
    for (const CommandInfo* command : all) {
        const std::string seen = "__fish_seen_subcommand_from " + command->name;
        std::vector<std::string> children;
        for (const CommandInfo& sub : command->subcommands) {
            children.push_back(sub.name);
        }
        const std::string leaf =
            children.empty() ? seen
                             : seen + "; and not __fish_seen_subcommand_from " + join(children);
        for (const CommandInfo& sub : command->subcommands) {
            out << "complete -c authflow -n " << sh_quoted(leaf) << " -a " << sub.name << " -d "
                << sh_quoted(sub.description) << "\n";
        }
        for (const OptionInfo& option : command->options) {
            if (!option.positional.empty() && !option.values.empty()) {
                out << "complete -c authflow -n " << sh_quoted(leaf) << " -a "
                    << sh_quoted(join(option.values)) << " -d " << sh_quoted(option.description)
                    << "\n";
            }
            fish_option(out, option, seen);
        }
    }
    return out.str();
}

} // namespace

std::string completion_script(const CLI::App& app, std::string_view shell) {
    const CommandInfo root = describe_commands(app);
    if (shell == "bash") {
        return bash_script(root);
    }
    if (shell == "zsh") {
        return zsh_script(root);
    }
    return fish_script(root);
}

void add_completion_command(CLI::App& app, Context& ctx) {
    auto shell = std::make_shared<std::string>();
    auto* command =
        app.add_subcommand("completion", "Print a shell completion script for bash, zsh or fish");
    command->add_option("shell", *shell, "bash, zsh or fish")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh", "fish"}));
    command->callback([&app, &ctx, shell] {
        ctx.run = [&app, &ctx, shell] {
            *ctx.out << completion_script(app, *shell);
            return exit_ok;
        };
    });
}

} // namespace authflow::cli
