// The `authflow` program, run as a separate process: options, exit codes, error lines, pkce.
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/config.hpp>
#include <authflow/core/pkce.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace authflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view rfc_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view rfc_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// AUTHFLOW_CLI when set, else the program this test was built with.
std::string cli_program() {
    const char* from_env = std::getenv("AUTHFLOW_CLI");
    return from_env != nullptr && *from_env != '\0' ? std::string{from_env}
                                                    : std::string{AUTHFLOW_TEST_CLI_PATH};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

/// Runs the CLI with a private, empty config location so the machine's files cannot interfere.
class Cli : public ::testing::Test {
protected:
    test::CommandResult run(std::vector<std::string> args,
                            std::map<std::string, std::string> env = {}) {
        args.insert(args.begin(), cli_program());
        env.emplace("XDG_CONFIG_HOME", (home_.path() / "config").string());
        env.emplace("HOME", home_.path().string());
        env.emplace("AUTHFLOW_CONFIG_FILE", ""); // empty counts as unset
        return test::run_command(args, env, {}, 30000);
    }

    /// A command of today's CLI that loads settings (CLI.md: token, status, ... read them), or
    /// empty when none exists yet. Read from the "Subcommands:" part of --help.
    std::string settings_command() {
        const auto help = lines_of(run({"--help"}).out);
        for (const char* command : {"status", "token", "refresh", "userinfo", "logout", "login"}) {
            for (const auto& line : help) {
                if (line.rfind(std::string{"  "} + command + " ", 0) == 0) {
                    return command;
                }
            }
        }
        return {};
    }

    test::TempDir home_;
};

TEST_F(Cli, VersionPrintsAuthflowOpensslAndCurl) {
    const auto r = run({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.out;
    EXPECT_EQ(lines[0], std::string{"authflow "} + AUTHFLOW_VERSION);
    EXPECT_THAT(lines[1], StartsWith("OpenSSL "));
    EXPECT_THAT(lines[2], StartsWith("libcurl/"));
    EXPECT_EQ(r.err, "");
}

// libcurl is loaded when a request is first made (docs/building.md): a command that makes none
// starts without it and the libraries behind it. The dynamic loader's own trace (LD_DEBUG=files)
// names every library it opens; --version, which prints libcurl's version, shows the trace works.
TEST_F(Cli, LibcurlIsLoadedOnlyWhenNeeded) {
    const std::map<std::string, std::string> trace{{"LD_DEBUG", "files"}};
    const auto version = run({"--version"}, trace);
    EXPECT_EQ(version.exit_code, 0) << version.err;
    EXPECT_THAT(version.err, HasSubstr("libcurl"));

    const auto pkce = run({"pkce"}, trace);
    EXPECT_EQ(pkce.exit_code, 0) << pkce.err;
    EXPECT_THAT(pkce.err, Not(HasSubstr("libcurl")));

    // `token` opens the profile's store and finds no tokens: no request, so no libcurl either.
    const auto token =
        run({"token", "--store", "sqlite"},
            {{"LD_DEBUG", "files"},
             {"AUTHFLOW_OAUTH2__TOKEN_STORE_PATH", (home_.path() / "tokens.db").string()}});
    EXPECT_EQ(token.exit_code, 3) << token.err; // not signed in
    EXPECT_THAT(token.err, HasSubstr("sqlite"));
    EXPECT_THAT(token.err, Not(HasSubstr("libcurl")));
}

// A script asking `status --json` gets JSON whatever the state; signed out is exit code 3.
TEST_F(Cli, StatusJsonWhenSignedOutIsJsonToo) {
    const std::map<std::string, std::string> sqlite{
        {"AUTHFLOW_OAUTH2__TOKEN_STORE_PATH", (home_.path() / "tokens.db").string()}};
    const auto r = run({"status", "--json", "--store", "sqlite"}, sqlite);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const auto status = nlohmann::json::parse(r.out); // throws (fails the test) if not JSON
    EXPECT_EQ(status["signed_in"], false);
    EXPECT_EQ(status["profile"], "default");
    EXPECT_EQ(status["store"]["backend"], "sqlite");
    EXPECT_EQ(status["hint"], "run `authflow login`");

    // A named profile's hints name it.
    const auto work = run({"--profile", "work", "status", "--json", "--store", "sqlite"}, sqlite);
    EXPECT_EQ(work.exit_code, 3) << work.err;
    EXPECT_EQ(nlohmann::json::parse(work.out)["hint"], "run `authflow --profile work login`");
    const auto token = run({"--profile", "work", "token", "--store", "sqlite"}, sqlite);
    EXPECT_EQ(token.exit_code, 3);
    EXPECT_THAT(token.err, HasSubstr("run `authflow --profile work login`"));
}

// Tokens in the memory store die with the process: a sign-in there is refused before it starts.
TEST_F(Cli, LoginWithTheMemoryStoreIsRefused) {
    const auto r = run({"login", "--store", "memory", "--provider", "oidc", "--issuer",
                        "https://op.example", "--client-id", "cli"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("memory token store"));
}

TEST_F(Cli, HelpExitsZero) {
    const auto r = run({"--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("pkce"));
    EXPECT_THAT(r.out, HasSubstr("--config"));
    EXPECT_THAT(r.out, HasSubstr("--profile"));

    const auto pkce_help = run({"pkce", "--help"});
    EXPECT_EQ(pkce_help.exit_code, 0) << pkce_help.err;
    EXPECT_THAT(pkce_help.out, HasSubstr("--verifier"));
}

TEST_F(Cli, UnknownOptionIsAUsageError) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--no-such-option"}, {"pkce", "--no-such-option"}, {"no-such-command"}}) {
        const auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << args.back();
        const auto lines = lines_of(r.err);
        ASSERT_FALSE(lines.empty()) << args.back();
        EXPECT_THAT(lines.back(), StartsWith("error: ")) << args.back();
        EXPECT_EQ(r.out, "") << args.back();
    }
}

TEST_F(Cli, PkcePrintsThreeLinesInOrder) {
    const auto r = run({"pkce"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.out;
    ASSERT_THAT(lines[0], StartsWith("verifier: "));
    ASSERT_THAT(lines[1], StartsWith("challenge: "));
    EXPECT_EQ(lines[2], "method: S256");
    const std::string verifier = lines[0].substr(10);
    const std::string challenge = lines[1].substr(11);
    EXPECT_EQ(verifier.size(), 86u);
    EXPECT_EQ(challenge.size(), 43u);
    EXPECT_EQ(challenge, pkce_s256_challenge(verifier));

    // A fresh pair each run.
    const auto again = run({"pkce"});
    EXPECT_NE(lines_of(again.out).at(0), lines[0]);
}

TEST_F(Cli, PkceWithRfcVerifier) {
    const auto r = run({"pkce", "--verifier", std::string{rfc_verifier}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "verifier: " + std::string{rfc_verifier} +
                         "\nchallenge: " + std::string{rfc_challenge} + "\nmethod: S256\n");
}

TEST_F(Cli, BadVerifierFailsWithoutEchoingIt) {
    // Bad input to an operation: exit 1 with the errc name (CLI.md), the verifier never shown.
    const std::string bad = "VERIFIERSECRET" + std::string(30, 'x') + "+";
    for (const auto& verifier : {bad, std::string{"VERIFIERSECRET"}}) {
        const auto r = run({"pkce", "--verifier", verifier});
        EXPECT_EQ(r.exit_code, 1) << r.err;
        EXPECT_THAT(r.err, StartsWith("error: bad_pkce: "));
        EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
        EXPECT_THAT(r.err, Not(HasSubstr("VERIFIERSECRET")));
        EXPECT_THAT(r.out, Not(HasSubstr("VERIFIERSECRET")));
    }
}

TEST_F(Cli, GlobalOptionsAfterTheCommand) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"pkce", "--profile", "x"},
             {"--profile", "x", "pkce"},
             {"pkce", "--verbose"},
             {"pkce", "--store", "memory", "--provider", "google"},
             {"pkce", "--verifier", std::string{rfc_verifier}, "--profile", "x"}}) {
        const auto r = run(args);
        EXPECT_EQ(r.exit_code, 0) << args.front() << " ... " << args.back() << ": " << r.err;
        EXPECT_THAT(r.out, HasSubstr("method: S256"));
    }
}

TEST_F(Cli, MalformedConfigFileIsAConfigurationError) {
    const auto command = settings_command();
    if (command.empty()) {
        GTEST_SKIP() << "no command that loads settings exists yet";
    }
    const auto file = home_.path() / "bad.toml";
    test::write_file(file, "[oauth2]\nclient_secret = \"CLISECRET123\"\nprovider = google\n");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--config", file.string(), command}, {command, "--config", file.string()}}) {
        const auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_THAT(r.err, StartsWith("error: config_invalid: "));
        EXPECT_THAT(r.err, HasSubstr("line 3"));
        EXPECT_THAT(r.err, Not(HasSubstr("CLISECRET123")));
    }
    // Through the environment too.
    const auto r = run({command}, {{"AUTHFLOW_OAUTH2__CALLBACK_PORT", "not-a-port"}});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, StartsWith("error: config_invalid: "));
    EXPECT_THAT(r.err, HasSubstr("callback_port"));
}

TEST_F(Cli, PrivateKeyFileProblemsAreConfigurationErrorsWithoutTheKey) {
    // --private-key-file names the setting private_key_file (private_key_jwt); the key is read
    // when the provider is made, before any sign-in, and never shown.
    const std::map<std::string, std::string> env = {
        {"AUTHFLOW_OAUTH2__AUTHORIZE_URL", "https://idp.example/authorize"},
        {"AUTHFLOW_OAUTH2__TOKEN_URL", "https://idp.example/token"},
        {"AUTHFLOW_OAUTH2__TOKEN_ENDPOINT_AUTH_METHOD", "private_key_jwt"},
        {"AUTHFLOW_OAUTH2__TOKEN_STORE_PATH", (home_.path() / "tokens.db").string()}};
    const auto absent = (home_.path() / "absent-key.pem").string();
    auto r = run({"login", "--no-browser", "--store", "sqlite", "--provider", "custom",
                  "--client-id", "c", "--private-key-file", absent},
                 env);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("\nerror: config_missing: "));
    EXPECT_THAT(r.err, HasSubstr("private_key_file"));
    EXPECT_THAT(r.err, HasSubstr(absent));

    const auto public_only = home_.path() / "public.pem";
    const std::string body = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPUBLICKEYTEXT";
    test::write_file(public_only,
                     "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n");
    r = run({"login", "--no-browser", "--store", "sqlite", "--provider", "custom", "--client-id",
             "c", "--private-key-file", public_only.string()},
            env);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("\nerror: config_invalid: "));
    EXPECT_THAT(r.err, HasSubstr("public key"));
    EXPECT_THAT(r.err, Not(HasSubstr("PUBLICKEYTEXT")));
}

TEST_F(Cli, MissingConfigFileIsAConfigurationError) {
    const auto command = settings_command();
    if (command.empty()) {
        GTEST_SKIP() << "no command that loads settings exists yet";
    }
    const auto r = run({"--config", (home_.path() / "absent.toml").string(), command});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, StartsWith("error: config_missing: "));
}

} // namespace
} // namespace authflow
