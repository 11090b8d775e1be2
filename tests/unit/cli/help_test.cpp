// The `authflow` program's teaching text, run as a separate process: help per command with
// EXAMPLES, ENVIRONMENT and FILES, the completion scripts, the man page, "did you mean"
// suggestions, warnings about unknown settings, and errors that name the flag typed.
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace authflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string cli_program() {
    const char* from_env = std::getenv("AUTHFLOW_CLI");
    return from_env != nullptr && *from_env != '\0' ? std::string{from_env}
                                                    : std::string{AUTHFLOW_TEST_CLI_PATH};
}

bool ci_requires_services() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string{ci} == "true";
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++count;
    }
    return count;
}

// The commands on this branch; each must teach with examples. Commands added later show up in
// CommandsWithoutExamplesAreListed until they get an entry in tools/authflow/help_text.cpp.
const std::vector<std::string> taught_commands = {
    "pkce",   "id-token verify", "discover", "login",  "token",      "refresh",
    "status", "profiles",        "userinfo", "logout", "completion", "dpop-proof",
};

class CliHelp : public ::testing::Test {
protected:
    test::CommandResult run(std::vector<std::string> args,
                            std::map<std::string, std::string> env = {}) {
        args.insert(args.begin(), cli_program());
        env.emplace("XDG_CONFIG_HOME", (home_.path() / "config").string());
        env.emplace("XDG_STATE_HOME", (home_.path() / "state").string());
        env.emplace("HOME", home_.path().string());
        env.emplace("AUTHFLOW_CONFIG_FILE", "");
        return test::run_command(args, env, {}, 30000);
    }

    /// `authflow <command> --help` ("id-token verify" is two words).
    test::CommandResult help_of(const std::string& command) {
        std::vector<std::string> args;
        std::istringstream words(command);
        for (std::string word; words >> word;) {
            args.push_back(word);
        }
        args.emplace_back("--help");
        return run(args);
    }

    /// The commands `authflow --help` lists under "Subcommands:".
    std::vector<std::string> listed_commands() {
        std::vector<std::string> commands;
        std::istringstream in(run({"--help"}).out);
        bool in_list = false;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("Subcommands:", 0) == 0) {
                in_list = true;
                continue;
            }
            if (in_list && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
                commands.push_back(line.substr(2, line.find(' ', 2) - 2));
            } else if (in_list) {
                break;
            }
        }
        return commands;
    }

    /// The bash completion of `words` (the last one being completed), as bash itself computes it.
    std::string complete_in_bash(const std::string& script, const std::string& words) {
        const auto file = home_.path() / "authflow.bash";
        test::write_file(file, script);
        const std::string program = "source '" + file.string() + "'; COMP_WORDS=(" + words +
                                    "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _authflow; "
                                    "echo \"${COMPREPLY[*]}\"";
        const auto r = test::run_command({"bash", "--norc", "-c", program}, {}, {}, 30000);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.err, "");
        return r.out;
    }

    test::TempDir home_;
};

TEST_F(CliHelp, EveryCommandShowsItsOptionsTheGlobalOnesAndExamples) {
    for (const std::string& command : taught_commands) {
        const auto r = help_of(command);
        ASSERT_EQ(r.exit_code, 0) << command << ": " << r.err;
        EXPECT_THAT(r.out, HasSubstr("Global options (before or after the command)")) << command;
        for (const char* global : {"--config", "--profile", "--provider", "--client-id",
                                   "--client-secret-file", "--scopes", "--store", "--verbose"}) {
            EXPECT_THAT(r.out, HasSubstr(global)) << command;
        }
        EXPECT_THAT(r.out, HasSubstr("\nEXAMPLES\n")) << command;
        EXPECT_THAT(r.out, HasSubstr("  $ authflow ")) << command;
    }
    // The command's own options come first.
    const auto login = help_of("login").out;
    EXPECT_LT(login.find("--device"), login.find("Global options"));
    EXPECT_LT(login.find("Global options"), login.find("EXAMPLES"));
}

TEST_F(CliHelp, LoginNamesItsEnvironmentAndFiles) {
    const auto r = help_of("login");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto environment = r.out.find("\nENVIRONMENT\n");
    const auto files = r.out.find("\nFILES\n");
    ASSERT_NE(environment, std::string::npos) << r.out;
    ASSERT_NE(files, std::string::npos) << r.out;
    ASSERT_LT(environment, files);
    const std::string env_section = r.out.substr(environment, files - environment);
    for (const char* name : {"AUTHFLOW_OAUTH2__CLIENT_SECRET", "AUTHFLOW_STORE_KEY",
                             "AUTHFLOW_CONFIG_FILE", "BROWSER", "DISPLAY"}) {
        EXPECT_THAT(env_section, HasSubstr(name));
    }
    const std::string files_section = r.out.substr(files);
    EXPECT_THAT(files_section, HasSubstr("authflow/config.toml"));
    EXPECT_THAT(files_section, HasSubstr("authflow/tokens.db"));
    // pkce reads no settings: no environment to speak of.
    EXPECT_THAT(help_of("pkce").out, Not(HasSubstr("\nENVIRONMENT\n")));
}

TEST_F(CliHelp, CommandsWithoutExamplesAreListed) {
    std::vector<std::string> commands = listed_commands();
    ASSERT_FALSE(commands.empty());
    commands.emplace_back("id-token verify");
    std::vector<std::string> missing;
    for (const std::string& command : commands) {
        if (command == "id-token") {
            continue; // a group: its one command is verify
        }
        const auto r = help_of(command);
        EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err; // no entry: still CLI11's help
        if (r.out.find("\nEXAMPLES\n") == std::string::npos) {
            missing.push_back(command);
        }
    }
    for (const std::string& command : missing) {
        std::cout << "no EXAMPLES yet (add them to tools/authflow/help_text.cpp): " << command
                  << "\n";
        EXPECT_EQ(std::find(taught_commands.begin(), taught_commands.end(), command),
                  taught_commands.end())
            << command << " lost its examples";
    }
}

TEST_F(CliHelp, BashCompletionCompletesCommandsFlagsAndValues) {
    const auto r = run({"completion", "bash"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (!test::have_program("bash")) {
        GTEST_SKIP() << "bash not found";
    }
    EXPECT_EQ(complete_in_bash(r.out, "authflow lo"), "login logout\n");
    EXPECT_EQ(complete_in_bash(r.out, "authflow login --de"), "--device\n");
    // Global options after the command too.
    EXPECT_EQ(complete_in_bash(r.out, "authflow login --prof"), "--profile\n");
    EXPECT_EQ(complete_in_bash(r.out, "authflow --provider ''"),
              "google github microsoft oidc custom\n");
    EXPECT_EQ(complete_in_bash(r.out, "authflow status --store s"), "sqlite\n");
    EXPECT_EQ(complete_in_bash(r.out, "authflow completion ''"), "bash zsh fish\n");
    // A global option's value is not taken for the command.
    EXPECT_EQ(complete_in_bash(r.out, "authflow --profile work lo"), "login logout\n");
    EXPECT_EQ(complete_in_bash(r.out, "authflow id-token verify --aud"), "--audience\n");
    // The hidden man command is not offered.
    EXPECT_EQ(complete_in_bash(r.out, "authflow ma"), "\n");
}

TEST_F(CliHelp, ZshAndFishScriptsNameEveryCommand) {
    const auto zsh = run({"completion", "zsh"});
    const auto fish = run({"completion", "fish"});
    ASSERT_EQ(zsh.exit_code, 0) << zsh.err;
    ASSERT_EQ(fish.exit_code, 0) << fish.err;
    EXPECT_EQ(zsh.out.rfind("#compdef authflow\n", 0), 0u);
    EXPECT_THAT(zsh.out, HasSubstr("compdef _authflow authflow"));
    EXPECT_THAT(fish.out, HasSubstr("complete -c authflow -l provider -x -a "
                                    "'google github microsoft oidc custom'"));
    for (const std::string command : {"login", "logout", "token", "completion"}) {
        EXPECT_THAT(zsh.out, HasSubstr("'" + command + ":")) << command;
        EXPECT_THAT(fish.out, HasSubstr("-a " + command + " ")) << command;
    }
    EXPECT_THAT(fish.out, HasSubstr("-n '__fish_seen_subcommand_from login' -l device"));
    for (const auto& [shell, script] : {std::pair{"zsh", zsh.out}, std::pair{"fish", fish.out}}) {
        if (!test::have_program(shell)) {
            continue; // syntax checked where the shell is installed
        }
        const auto file = home_.path() / (std::string{"script."} + shell);
        test::write_file(file, script);
        const auto check = test::run_command({shell, "-n", file.string()}, {}, {}, 30000);
        EXPECT_EQ(check.exit_code, 0) << shell << ": " << check.err;
    }
    EXPECT_NE(run({"completion", "tcsh"}).exit_code, 0);
}

TEST_F(CliHelp, ManPageRendersWithoutWarnings) {
    const auto page = home_.path() / "authflow.1";
    const auto r = run({"man", "--output", page.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (!test::have_program("groff") || !test::have_program("man")) {
        if (ci_requires_services()) {
            FAIL() << "groff and man are needed (scripts/install-deps.sh installs them)";
        }
        GTEST_SKIP() << "groff or man not found";
    }
    const auto groff =
        test::run_command({"groff", "-man", "-Tutf8", "-ww", "-z", page.string()}, {}, {}, 30000);
    EXPECT_EQ(groff.exit_code, 0);
    EXPECT_EQ(groff.out + groff.err, "") << "groff warnings";
    const auto man =
        test::run_command({"sh", "-c", "man -l '" + page.string() + "' 2>&1"},
                          {{"MANWIDTH", "80"}, {"MAN_KEEP_FORMATTING", ""}}, {}, 30000);
    EXPECT_EQ(man.exit_code, 0) << man.out;
    EXPECT_THAT(man.out, Not(HasSubstr("warning")));
    for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS",
                                "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"}) {
        EXPECT_THAT(man.out, HasSubstr(std::string{"\n"} + section + "\n")) << section;
    }
    for (const char* text : {"authflow login", "--device", "AUTHFLOW_STORE_KEY", "tokens.db",
                             "authflow completion bash"}) {
        EXPECT_THAT(man.out, HasSubstr(text)) << text;
    }
#ifdef AUTHFLOW_TEST_MAN_PAGE
    // The page the build generated (and `cmake --install` installs) is the same text.
    std::ifstream built(AUTHFLOW_TEST_MAN_PAGE, std::ios::binary);
    ASSERT_TRUE(built) << AUTHFLOW_TEST_MAN_PAGE;
    std::ostringstream built_text;
    built_text << built.rdbuf();
    EXPECT_EQ(built_text.str(), run({"man"}).out);
#endif
}

TEST_F(CliHelp, UnknownCommandSuggestsTheClosest) {
    const auto r = run({"logni"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "error: usage: unknown command 'logni'; did you mean 'login'?\n");
    EXPECT_EQ(r.out, "");
    const auto nested = run({"id-token", "verfy", "x"});
    EXPECT_EQ(nested.exit_code, 2);
    EXPECT_THAT(nested.err, HasSubstr("did you mean 'verify'?"));
    // Nothing close: no suggestion, still a usage error.
    const auto far = run({"frobnicate"});
    EXPECT_EQ(far.exit_code, 2);
    EXPECT_THAT(far.err, Not(HasSubstr("did you mean")));
}

TEST_F(CliHelp, UnknownOptionSuggestsTheClosest) {
    const auto r = run({"login", "--devcie"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "error: usage: unknown option '--devcie'; did you mean '--device'?\n");
    // A global option, after the command.
    const auto global = run({"pkce", "--profle", "x"});
    EXPECT_EQ(global.exit_code, 2);
    EXPECT_THAT(global.err, HasSubstr("did you mean '--profile'?"));
}

TEST_F(CliHelp, UnknownConfigKeyIsWarnedAboutWithFileAndLine) {
    const auto file = home_.path() / "config.toml";
    test::write_file(file, "[oauth2]\nclient_id = \"app\"\nprovder = \"google\"\n");
    const auto r = run({"--config", file.string(), "--store", "memory", "status"});
    EXPECT_EQ(r.exit_code, 3) << r.err; // not signed in; the warning does not stop the command
    EXPECT_THAT(r.err, HasSubstr("warning: config file " + file.string() +
                                 ", line 3: unknown setting 'provder' in [oauth2] (did you mean "
                                 "'provider'?)"));
    EXPECT_EQ(count_of(r.err, "provder"), 1u) << r.err;
}

TEST_F(CliHelp, UnknownAuthflowVariablesAreWarnedAboutOnce) {
    const auto r =
        run({"--store", "memory", "status"}, {{"AUTHFLOW_OAUTH2__CLIENTID", "x"},
                                              {"AUTHFLOW_OAUTH2__NO_SUCH_FIELD_AT_ALL", "x"},
                                              {"AUTHFLOW_STORE_KEY", "not-checked-by-status"},
                                              {"AUTHFLOW_TEST_ANYTHING", "1"},
                                              {"AUTHFLOW_OP_OPTIONS", "{}"},
                                              {"AUTHFLOW_CLI", "x"}});
    EXPECT_THAT(r.err, HasSubstr("warning: unknown setting AUTHFLOW_OAUTH2__CLIENTID (did you "
                                 "mean AUTHFLOW_OAUTH2__CLIENT_ID?)"));
    EXPECT_EQ(count_of(r.err, "AUTHFLOW_OAUTH2__CLIENTID"), 1u) << r.err;
    EXPECT_THAT(r.err, HasSubstr("unknown setting AUTHFLOW_OAUTH2__NO_SUCH_FIELD_AT_ALL"));
    for (const char* known : {"AUTHFLOW_STORE_KEY", "AUTHFLOW_TEST_ANYTHING", "AUTHFLOW_OP_OPTIONS",
                              "AUTHFLOW_CLI", "AUTHFLOW_CONFIG_FILE"}) {
        EXPECT_THAT(r.err, Not(HasSubstr(known))) << known;
    }
    // Commands that read no settings warn too: the variable is still wrong.
    const auto pkce = run({"pkce"}, {{"AUTHFLOW_OAUTH2__CLIENTID", "x"}});
    EXPECT_EQ(pkce.exit_code, 0);
    EXPECT_THAT(pkce.err, HasSubstr("AUTHFLOW_OAUTH2__CLIENTID"));
}

TEST_F(CliHelp, FlagErrorsNameTheFlag) {
    const auto timeout = run({"login", "--timeout", "5"});
    EXPECT_EQ(timeout.exit_code, 2);
    EXPECT_EQ(timeout.err,
              "error: usage: --timeout must be a number of seconds from 10 to 86400\n");
    const auto port = run({"login", "--port", "70000"});
    EXPECT_EQ(port.exit_code, 2);
    EXPECT_EQ(port.err, "error: usage: --port must be a whole number from 0 to 65535\n");
    const auto store = run({"status", "--store", "sqlte"});
    EXPECT_EQ(store.exit_code, 2);
    EXPECT_THAT(store.err, HasSubstr("error: usage: --store must be one of "));
    EXPECT_THAT(store.err, HasSubstr("did you mean 'sqlite'?"));
    const auto issuer = run({"status", "--issuer", "http://id.example.com"});
    EXPECT_EQ(issuer.exit_code, 2);
    EXPECT_THAT(issuer.err, HasSubstr("--issuer"));
    for (const auto* r : {&timeout, &port, &store, &issuer}) {
        EXPECT_THAT(r->err, Not(HasSubstr("auth_timeout_seconds")));
        EXPECT_THAT(r->err, Not(HasSubstr("callback_port")));
        EXPECT_THAT(r->err, Not(HasSubstr("token_store_backend")));
        EXPECT_THAT(r->err, Not(HasSubstr("issuer_url")));
    }
}

} // namespace
} // namespace authflow
