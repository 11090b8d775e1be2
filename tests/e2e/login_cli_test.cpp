// `authflow login` end to end against node oidc-provider, with $BROWSER set to a script that acts
// as the user (tests/support/node/browser_user.mjs), then `status`, `token` and `logout` in new
// processes (revocation confirmed by introspection). Also: timeout, Ctrl-C on a terminal and as a
// signal, the provider's refusal, a foreign request first, a taken port, no browser, device flow.
#include "cli_env.hpp"
#include "e2e_util.hpp"
#include "support/oidc_provider.hpp"
#include "support/oidc_provider_suite.hpp"
#include "support/process.hpp"
#include "support/qr_image.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <poll.h>
#include <pty.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::CliEnv;
using test::CommandResult;

class LoginCli : public test::OidcProviderSuite {
protected:
    /// The provider flags of the native public client (any loopback port).
    std::vector<std::string> public_client(std::vector<std::string> args) const {
        std::vector<std::string> all{"--provider",  "oidc",          "--issuer", op->issuer(),
                                     "--client-id", "public-client", "--store",  "sqlite"};
        all.insert(all.end(), args.begin(), args.end());
        return all;
    }

    bool active(const std::string& token) const {
        return test::token_is_active(op->url("/token/introspection"), token, "conf-client",
                                     test::OidcProvider::secret_of("conf-client"));
    }

    /// Nothing is stored for the profile: `status` says "not signed in".
    static void expect_not_signed_in(const CliEnv& cli) {
        auto status = cli.run({"status"});
        EXPECT_EQ(status.exit_code, 3) << status.out << status.err;
    }

    static std::string describe(const CommandResult& r) {
        return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" +
               r.err;
    }
};

TEST_F(LoginCli, SignInThenStatusTokenAndLogoutInNewProcesses) {
    CliEnv cli;
    auto login = cli.run(public_client({"login"}));
    ASSERT_EQ(login.exit_code, 0) << describe(login) << cli.browser_log();
    EXPECT_NE(login.out.find("Signed in as alice <alice@example.test>"), std::string::npos)
        << login.out;
    EXPECT_NE(login.out.find("Tokens are kept in sqlite (" +
                             (cli.root() / "state/tokens.db").string() + ")"),
              std::string::npos)
        << login.out;
    EXPECT_NE(login.out.find("profile \"default\""), std::string::npos);
    // Progress on stderr as plain lines (not a terminal): no carriage returns, no escapes.
    EXPECT_NE(login.err.find("Waiting for sign-in in your browser (2:00 left)"), std::string::npos)
        << login.err;
    EXPECT_EQ(login.err.find('\r'), std::string::npos);
    EXPECT_EQ(login.err.find('\x1b'), std::string::npos);
    EXPECT_NE(cli.browser_log().find("callback 200 Sign-in complete"), std::string::npos)
        << cli.browser_log();

    // A new shell: no provider flags; the profile remembers them.
    auto status = cli.run({"status"});
    ASSERT_EQ(status.exit_code, 0) << describe(status);
    EXPECT_NE(status.out.find("alice"), std::string::npos) << status.out;
    auto token = cli.run({"token"});
    ASSERT_EQ(token.exit_code, 0) << describe(token);
    ASSERT_FALSE(token.out.empty());
    const std::string access_token = token.out.substr(0, token.out.find('\n'));
    EXPECT_EQ(token.out, access_token + "\n"); // the token and nothing else
    EXPECT_TRUE(active(access_token));
    // Never a token in what login or status printed.
    EXPECT_EQ(login.out.find(access_token), std::string::npos);
    EXPECT_EQ(login.err.find(access_token), std::string::npos);
    EXPECT_EQ(status.out.find(access_token), std::string::npos);

    auto logout = cli.run({"logout"});
    ASSERT_EQ(logout.exit_code, 0) << describe(logout);
    EXPECT_FALSE(active(access_token)); // revoked at the provider
    expect_not_signed_in(cli);
}

TEST_F(LoginCli, LogoutProviderWithoutADisplayPrintsTheEndSessionUrl) {
    CliEnv cli;
    auto login = cli.run(public_client({"login"}));
    ASSERT_EQ(login.exit_code, 0) << describe(login) << cli.browser_log();
    auto token = cli.run({"token"});
    const std::string access_token = token.out.substr(0, token.out.find('\n'));
    ASSERT_TRUE(active(access_token));

    cli.env().erase("DISPLAY");
    cli.env().erase("WAYLAND_DISPLAY");
    auto logout = cli.run({"logout", "--provider"});
    ASSERT_EQ(logout.exit_code, 0) << describe(logout);
    // The local sign-in ends first (revoked, removed), then the provider's end-session URL.
    EXPECT_FALSE(active(access_token));
    expect_not_signed_in(cli);
    const std::string line = test::line_starting(logout.out, op->issuer() + "/session/end?");
    ASSERT_FALSE(line.empty()) << logout.out;
    const QueryParams params = parse_query(line.substr(line.find('?') + 1));
    std::string hint, client;
    bool has_redirect = false;
    for (const auto& [name, value] : params) {
        hint = name == "id_token_hint" ? value : hint;
        client = name == "client_id" ? value : client;
        has_redirect = has_redirect || name == "post_logout_redirect_uri";
    }
    EXPECT_EQ(client, "public-client");
    EXPECT_EQ(std::count(hint.begin(), hint.end(), '.'), 2) << "an ID token as the hint";
    EXPECT_FALSE(has_redirect); // only when configured
    // The provider accepts the URL: its logout confirmation page, not an error.
    test::OpBrowser browser;
    const HttpResponse page = browser.get(line);
    EXPECT_EQ(page.status, 200) << page.body;
    EXPECT_NE(page.body.find("logout"), std::string::npos) << page.body;
}

TEST_F(LoginCli, ConfidentialClientOnAFixedPortKeepsItsSecretOutOfFiles) {
    CliEnv cli;
    const std::string secret = test::OidcProvider::secret_of("conf-client");
    auto env_with_secret = cli.env();
    cli.env()["AUTHFLOW_OAUTH2__CLIENT_SECRET"] = secret;
    auto login = cli.run({"--provider", "oidc", "--issuer", op->issuer(), "--client-id",
                          "conf-client", "login", "--port", std::to_string(fixed_port)});
    cli.env() = env_with_secret; // later commands get no secret from the environment
    ASSERT_EQ(login.exit_code, 0) << describe(login) << cli.browser_log();
    EXPECT_NE(login.err.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A" + std::to_string(fixed_port) +
                             "%2Fcallback"),
              std::string::npos)
        << login.err;
    EXPECT_EQ(login.out.find(secret), std::string::npos);
    // The secret is remembered beside the tokens, never in a plain config file.
    EXPECT_TRUE(cli.files_containing(secret, "config").empty());
    EXPECT_TRUE(cli.files_containing(secret, "home").empty());

    auto token = cli.run({"token"});
    ASSERT_EQ(token.exit_code, 0) << describe(token);
    const std::string access_token = token.out.substr(0, token.out.find('\n'));
    EXPECT_TRUE(active(access_token));
    // Revocation needs client authentication: it works only with the remembered secret.
    auto logout = cli.run({"logout"});
    ASSERT_EQ(logout.exit_code, 0) << describe(logout);
    EXPECT_FALSE(active(access_token));
}

TEST_F(LoginCli, ProviderRefusalIsAccessDeniedAndStoresNothing) {
    CliEnv cli;
    cli.env()["AUTHFLOW_TEST_BROWSER_ACTION"] = "deny";
    auto login = cli.run(public_client({"login"}));
    EXPECT_EQ(login.exit_code, 1) << describe(login);
    EXPECT_TRUE(test::line_starting(login.err, "error: ").starts_with("error: access_denied: "))
        << login.err;
    EXPECT_NE(cli.browser_log().find("redirect error=access_denied"), std::string::npos);
    EXPECT_NE(cli.browser_log().find("callback 200 Sign-in failed"), std::string::npos)
        << cli.browser_log();
    EXPECT_EQ(login.out, "");
    expect_not_signed_in(cli);
}

TEST_F(LoginCli, ForeignRequestsFirstDoNotSpoilTheSignIn) {
    CliEnv cli;
    cli.env()["AUTHFLOW_TEST_BROWSER_ACTION"] = "wrong-state-first";
    auto login = cli.run(public_client({"login"}));
    ASSERT_EQ(login.exit_code, 0) << describe(login) << cli.browser_log();
    const std::string log = cli.browser_log();
    EXPECT_NE(log.find("callback-wrong-state 400 Waiting for sign-in"), std::string::npos) << log;
    EXPECT_NE(log.find("favicon 404"), std::string::npos) << log;
    EXPECT_NE(log.find("callback 200 Sign-in complete"), std::string::npos) << log;
    EXPECT_EQ(cli.run({"status"}).exit_code, 0);
}

TEST_F(LoginCli, TimeoutEndsTheWaitAndStoresNothing) {
    CliEnv cli;
    cli.env()["AUTHFLOW_TEST_BROWSER_ACTION"] = "none";
    const auto started = std::chrono::steady_clock::now();
    auto login = cli.run(public_client({"login", "--timeout", "10"}));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(login.exit_code, 1) << describe(login);
    EXPECT_TRUE(test::line_starting(login.err, "error: ").starts_with("error: auth_timeout: "))
        << login.err;
    EXPECT_GE(took, 10s);
    EXPECT_LT(took, 20s);
    expect_not_signed_in(cli);
}

TEST_F(LoginCli, TooShortATimeoutIsAUsageError) {
    CliEnv cli;
    auto login = cli.run(public_client({"login", "--timeout", "1"}));
    EXPECT_EQ(login.exit_code, 2) << describe(login);
    EXPECT_FALSE(std::filesystem::exists(cli.browser_dir() / "url"));
}

TEST_F(LoginCli, InterruptClosesTheSocketAndStoresNothing) {
    CliEnv cli;
    cli.env()["AUTHFLOW_TEST_BROWSER_ACTION"] = "none";
    const auto log = cli.root() / "login.log";
    auto process = cli.start(public_client({"login"}), log);
    auto url = CliEnv::wait_for_text(cli.browser_dir() / "url", "http");
    ASSERT_TRUE(url) << CliEnv::file_or_empty(log);
    ASSERT_TRUE(CliEnv::wait_for_text(log, "Waiting for sign-in"));
    const int port = parse_url(test::query_param(*url, "redirect_uri")).port;
    EXPECT_FALSE(test::port_is_closed(port)); // listening while it waits
    ::kill(process->pid(), SIGINT);
    EXPECT_EQ(process->wait(10000), 130) << CliEnv::file_or_empty(log);
    EXPECT_TRUE(test::port_is_closed(port));
    EXPECT_NE(CliEnv::file_or_empty(log).find("error: cancelled: "), std::string::npos);
    expect_not_signed_in(cli);
}

/// What is available on `fd` within `wait` (and right after).
std::string read_available(int fd, std::chrono::milliseconds wait) {
    std::string out;
    pollfd pfd{fd, POLLIN, 0};
    while (::poll(&pfd, 1, static_cast<int>(wait.count())) > 0) {
        char buffer[4096];
        auto n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        out.append(buffer, static_cast<std::size_t>(n));
        wait = 0ms;
    }
    return out;
}

/// What authflow wrote on a pseudo-terminal `columns` wide (0: the size a new one has) until
/// `until` appeared (30 s at most), after which Ctrl-C was typed; and its exit code (-1 when it had
/// to be killed).
std::pair<std::string, int> run_on_terminal(CliEnv& cli, std::vector<std::string> cli_args,
                                            unsigned short columns, const std::string& until) {
    std::vector<std::string> args{test::cli_path().string()};
    args.insert(args.end(), cli_args.begin(), cli_args.end());
    winsize size{};
    size.ws_row = 60;
    size.ws_col = columns;
    const test::ExecImage image(args, cli.env());
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, columns == 0 ? nullptr : &size);
    if (pid < 0) {
        return {"forkpty failed", -1};
    }
    if (pid == 0) {
        image.exec();
    }
    std::string output;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (output.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        output += read_available(master, 200ms);
    }
    const char ctrl_c = '\x03';
    (void)::write(master, &ctrl_c, 1);
    int status = 0;
    const auto wait_deadline = std::chrono::steady_clock::now() + 10s;
    pid_t done = 0;
    while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < wait_deadline) {
        output += read_available(master, 50ms);
    }
    if (done == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    output += read_available(master, 100ms);
    ::close(master);
    return {output, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST_F(LoginCli, CountdownOnATerminalAndCtrlC) {
    CliEnv cli;
    cli.env()["AUTHFLOW_TEST_BROWSER_ACTION"] = "none";
    // Ctrl-C typed on the terminal: the line discipline sends SIGINT to the foreground group.
    auto [output, code] =
        run_on_terminal(cli, public_client({"login"}), 0, "1:59 left, Ctrl-C to cancel");
    EXPECT_EQ(code, 130) << output;
    // One line redrawn in place: carriage return + erase-line, minutes and seconds left.
    EXPECT_NE(output.find("\r\x1b[KWaiting for sign-in in your browser \xe2\x80\x94 2:00 left, "
                          "Ctrl-C to cancel"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("\r\x1b[KWaiting for sign-in in your browser \xe2\x80\x94 1:59 left"),
              std::string::npos);
    EXPECT_NE(output.find("error: cancelled: "), std::string::npos) << output;
    const std::string url = CliEnv::file_or_empty(cli.browser_dir() / "url");
    ASSERT_FALSE(url.empty());
    EXPECT_TRUE(test::port_is_closed(parse_url(test::query_param(url, "redirect_uri")).port));
    expect_not_signed_in(cli);
}

TEST_F(LoginCli, TakenPortIsAnErrorAndNoBrowserOpens) {
    CliEnv cli;
    test::PortHolder taken;
    auto login = cli.run(public_client({"login", "--port", std::to_string(taken.port())}));
    EXPECT_EQ(login.exit_code, 1) << describe(login);
    EXPECT_TRUE(test::line_starting(login.err, "error: ").starts_with("error: port_in_use: "))
        << login.err;
    EXPECT_FALSE(std::filesystem::exists(cli.browser_dir() / "url"));
    expect_not_signed_in(cli);
}

/// The user reads the URL that login printed and signs in from another device.
CommandResult sign_in_from_printed_url(const CliEnv& cli, const std::vector<std::string>& args,
                                       const std::string& origin,
                                       const test::OpBrowser::Options& user = {}) {
    const auto log = cli.root() / "login.log";
    auto process = cli.start(args, log);
    auto output = CliEnv::wait_for_text(log, "Waiting for sign-in");
    CommandResult result;
    if (!output) {
        result.err = CliEnv::file_or_empty(log);
        return result;
    }
    const std::string url = test::printed_url(*output, origin);
    if (!url.empty()) {
        test::OpBrowser browser;
        browser.authorize(url, test::query_param(url, "redirect_uri"), user);
        test::http_get(browser.last_redirect());
    }
    result.exit_code = process->wait(30000);
    result.err = CliEnv::file_or_empty(log);
    return result;
}

TEST_F(LoginCli, NoBrowserPrintsTheUrlOnly) {
    CliEnv cli;
    auto result =
        sign_in_from_printed_url(cli, public_client({"login", "--no-browser"}), op->issuer());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("Open this URL in a browser to sign in:"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(cli.browser_dir() / "url")); // $BROWSER not run
    EXPECT_EQ(cli.run({"status"}).exit_code, 0);
}

// The provider's text (here an account whose name and e-mail the user chose) carries escape
// sequences: a colour, a screen clear, a window title, a one-byte CSI, a bidi override.
TEST_F(LoginCli, ProviderTextCannotActOnTheTerminal) {
    CliEnv cli;
    test::OpBrowser::Options user;
    user.login = "mallory\x1b[2J\x1b]0;pwned\x07\xc2\x9b"
                 "31m\xe2\x80\xae"
                 "evil";
    auto login =
        sign_in_from_printed_url(cli, public_client({"login", "--no-browser"}), op->issuer(), user);
    ASSERT_EQ(login.exit_code, 0) << login.err;
    auto status = cli.run({"status"});
    auto status_json = cli.run({"status", "--json"});
    auto userinfo = cli.run({"userinfo"});
    ASSERT_EQ(userinfo.exit_code, 0) << describe(userinfo);
    for (const auto* output : {&login.err, &status.out, &status_json.out, &userinfo.out}) {
        for (std::string_view bad : {"\x1b", "\x07", "\xc2\x9b", "\xe2\x80\xae"}) {
            EXPECT_EQ(output->find(bad), std::string::npos) << *output;
        }
    }
    // What is left of the name is still shown.
    EXPECT_NE(login.err.find("mallory[2J]0;pwned31mevil"), std::string::npos) << login.err;
    EXPECT_NE(status.out.find("mallory[2J]0;pwned31mevil"), std::string::npos) << status.out;
    EXPECT_NE(userinfo.out.find("mallory[2J]0;pwned31mevil"), std::string::npos) << userinfo.out;
}

TEST_F(LoginCli, WithoutAnyBrowserTheUrlIsPrinted) {
    CliEnv cli(""); // $BROWSER names a missing program; no xdg-open in this PATH
    cli.env()["PATH"] = "/usr/bin/nonexistent-dir";
    cli.env()["DISPLAY"] = ":0"; // a desktop, where a browser could have started
    auto result = sign_in_from_printed_url(cli, public_client({"login"}), op->issuer());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.err.find("No browser could be started. Open this URL in a browser to sign "
                              "in:"),
              std::string::npos)
        << result.err;
}

// Over SSH or in a container: no DISPLAY, no $BROWSER. xdg-open (here one that would only make
// noise) is not run; the URL comes within the first three lines, with the --device hint.
TEST_F(LoginCli, WithoutADisplayTheUrlComesFirstAndXdgOpenIsNotRun) {
    CliEnv cli;
    const auto bin = cli.root() / "bin";
    std::filesystem::create_directories(bin);
    test::write_file(bin / "xdg-open", "#!/bin/sh\necho noise >&2\ntouch '" +
                                           (cli.root() / "xdg-open-ran").string() + "'\nexit 3\n");
    std::filesystem::permissions(bin / "xdg-open", std::filesystem::perms::owner_all);
    cli.env()["PATH"] = bin.string() + ":/usr/bin:/bin";
    cli.env()["BROWSER"] = "";
    cli.env()["DISPLAY"] = "";
    cli.env()["WAYLAND_DISPLAY"] = "";
    auto result =
        sign_in_from_printed_url(cli, public_client({"--profile", "work", "login"}), op->issuer());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_FALSE(std::filesystem::exists(cli.root() / "xdg-open-ran"));
    std::vector<std::string> lines;
    std::istringstream err(result.err);
    for (std::string line; std::getline(err, line);) {
        lines.push_back(line);
    }
    ASSERT_GE(lines.size(), 3u) << result.err;
    EXPECT_NE(lines[0].find("No display here"), std::string::npos) << result.err;
    EXPECT_NE(lines[2].find(op->issuer()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("authflow --profile work login --device"), std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("noise"), std::string::npos) << result.err;
    // No keyring here and no store key: the sign-in says, once, that the file is not encrypted.
    EXPECT_NE(result.err.find("unencrypted file"), std::string::npos) << result.err;
}

TEST_F(LoginCli, DeviceFlowShowsTheCodeAndWaitsForApproval) {
    CliEnv cli;
    const auto log = cli.root() / "login.log";
    auto process = cli.start(public_client({"login", "--device"}), log);
    auto output = CliEnv::wait_for_text(log, "Waiting for you to approve");
    ASSERT_TRUE(output) << CliEnv::file_or_empty(log);
    // "To sign in, open <uri> on any device and enter the code:\n\n    <code>\n"
    const auto open_at = output->find("To sign in, open ");
    ASSERT_NE(open_at, std::string::npos) << *output;
    const auto uri_start = open_at + std::string{"To sign in, open "}.size();
    const std::string uri = output->substr(uri_start, output->find(' ', uri_start) - uri_start);
    const auto code_at = output->find("enter the code:\n\n    ");
    ASSERT_NE(code_at, std::string::npos);
    const auto code_start = code_at + std::string{"enter the code:\n\n    "}.size();
    const std::string user_code =
        output->substr(code_start, output->find('\n', code_start) - code_start);
    EXPECT_TRUE(uri.starts_with(op->url("/device"))) << uri;
    // stderr is a file here, not a terminal: no QR code unless asked for, and the countdown
    // starts from the code's lifetime (600 s at this provider), not the 120 s login timeout.
    EXPECT_EQ(output->find("QR code"), std::string::npos) << *output;
    EXPECT_EQ(output->find("\xe2\x96\x88"), std::string::npos) << *output;
    // (The provider counts expires_in in whole seconds: 600, or 599 when its second turned.)
    EXPECT_TRUE(
        output->find("Waiting for you to approve the sign-in (10:00 left)") != std::string::npos ||
        output->find("Waiting for you to approve the sign-in (9:59 left)") != std::string::npos)
        << *output;
    test::OpBrowser browser;
    EXPECT_NE(browser.approve_device(uri, user_code).find("Sign-in Success"), std::string::npos);
    EXPECT_EQ(process->wait(60000), 0) << CliEnv::file_or_empty(log);
    EXPECT_NE(CliEnv::file_or_empty(log).find("Signed in as alice"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(cli.browser_dir() / "url")); // no browser needed
    EXPECT_EQ(cli.run({"status"}).exit_code, 0);
}

/// The text between `before` and the next `after` in `text`, or "".
std::string between(const std::string& text, const std::string& before, const std::string& after) {
    const auto at = text.find(before);
    if (at == std::string::npos) {
        return {};
    }
    const auto start = at + before.size();
    const auto end = text.find(after, start);
    return end == std::string::npos ? std::string{} : text.substr(start, end - start);
}

// --qr into a log file: the text first, then a QR code that a reader (zbarimg, from a PBM image
// of the printed half blocks) decodes as the complete verification URL; approving that device
// code signs in.
TEST_F(LoginCli, DeviceFlowQrCodeReadsBackAsTheSignInUrl) {
    AUTHFLOW_REQUIRE_SERVICE(test::have_program("zbarimg"), "zbarimg (zbar-tools)");
    CliEnv cli;
    const auto log = cli.root() / "login.log";
    auto process = cli.start(public_client({"login", "--device", "--qr"}), log);
    auto output = CliEnv::wait_for_text(log, "Waiting for you to approve");
    ASSERT_TRUE(output) << CliEnv::file_or_empty(log);
    const std::string uri = between(*output, "To sign in, open ", " ");
    const std::string user_code = between(*output, "enter the code:\n\n    ", "\n");
    const std::string complete = between(*output, "(or open ", ")\n");
    ASSERT_TRUE(complete.starts_with(op->url("/device"))) << *output;
    ASSERT_NE(complete.find("user_code="), std::string::npos) << complete;

    const std::string heading = "Or scan this QR code with a phone to open the sign-in page:\n\n";
    const auto qr_at = output->find(heading);
    ASSERT_NE(qr_at, std::string::npos) << *output;
    EXPECT_GT(qr_at, output->find("(or open ")); // the text stays first
    std::vector<std::string> lines;
    std::istringstream qr(output->substr(qr_at + heading.size()));
    for (std::string line; std::getline(qr, line) && !line.empty();) {
        lines.push_back(line);
    }
    ASSERT_GE(lines.size(), 15u) << *output; // version 1 and up: 21 + 8 modules, 2 per line
    EXPECT_EQ(test::decode_half_blocks(lines, cli.root()), complete);

    test::OpBrowser browser;
    EXPECT_NE(browser.approve_device(uri, user_code).find("Sign-in Success"), std::string::npos);
    EXPECT_EQ(process->wait(60000), 0) << CliEnv::file_or_empty(log);
    EXPECT_NE(CliEnv::file_or_empty(log).find("Signed in as alice"), std::string::npos);
}

// On a terminal the QR code comes by default, after the text, and the countdown shows the code's
// lifetime; --no-qr turns it off; a terminal narrower than the code gets a note instead.
TEST_F(LoginCli, DeviceFlowOnATerminalShowsTheQrCodeUnlessTurnedOff) {
    CliEnv cli;
    const std::string block = "\xe2\x96\x88";
    {
        auto [output, code] = run_on_terminal(cli, public_client({"login", "--device"}), 100,
                                              "left, Ctrl-C to cancel");
        EXPECT_EQ(code, 130) << output;
        const auto qr_at = output.find("Or scan this QR code with a phone");
        ASSERT_NE(qr_at, std::string::npos) << output;
        EXPECT_GT(qr_at, output.find("enter the code:"));
        EXPECT_NE(output.find(block, qr_at), std::string::npos) << output;
        const std::string waiting = "Waiting for you to approve the sign-in \xe2\x80\x94 ";
        EXPECT_TRUE(output.find(waiting + "10:00 left") != std::string::npos ||
                    output.find(waiting + "9:59 left") != std::string::npos)
            << output;
    }
    {
        auto [output, code] = run_on_terminal(cli, public_client({"login", "--device", "--no-qr"}),
                                              100, "Ctrl-C to cancel");
        EXPECT_EQ(code, 130) << output;
        EXPECT_NE(output.find("enter the code:"), std::string::npos) << output;
        EXPECT_EQ(output.find("QR code"), std::string::npos) << output;
        EXPECT_EQ(output.find(block), std::string::npos) << output;
    }
    {
        auto [output, code] =
            run_on_terminal(cli, public_client({"login", "--device"}), 24, "Ctrl-C to cancel");
        EXPECT_EQ(code, 130) << output;
        EXPECT_NE(output.find("(No QR code: it needs "), std::string::npos) << output;
        EXPECT_EQ(output.find(block), std::string::npos) << output;
    }
    expect_not_signed_in(cli);
}

// A provider without a device authorization endpoint (explicit endpoints, no discovery): the
// error names the setting and its environment variable; with the setting, its endpoint is used.
TEST_F(LoginCli, DeviceFlowNeedsTheDeviceAuthorizationUrlSetting) {
    CliEnv cli;
    cli.env()["AUTHFLOW_OAUTH2__AUTHORIZE_URL"] = op->url("/auth");
    cli.env()["AUTHFLOW_OAUTH2__TOKEN_URL"] = op->url("/token");
    const std::vector<std::string> args{"--provider", "custom",   "--client-id", "public-client",
                                        "--scopes",   "api:read", "--store",     "sqlite",
                                        "login",      "--device"};
    auto missing = cli.run(args);
    EXPECT_EQ(missing.exit_code, 2) << describe(missing);
    EXPECT_TRUE(test::line_starting(missing.err, "error: ").starts_with("error: config_missing: "))
        << missing.err;
    EXPECT_NE(missing.err.find("AUTHFLOW_OAUTH2__DEVICE_AUTHORIZATION_URL"), std::string::npos)
        << missing.err;

    // The setting reaches the provider: the device authorization is asked there, and this
    // provider answers for itself (it knows no client "nobody").
    cli.env()["AUTHFLOW_OAUTH2__DEVICE_AUTHORIZATION_URL"] = op->url("/device/auth");
    auto unknown = args;
    unknown[3] = "nobody";
    auto used = cli.run(unknown, 30000);
    EXPECT_EQ(used.exit_code, 1) << describe(used);
    EXPECT_TRUE(test::line_starting(used.err, "error: ").starts_with("error: invalid_client: "))
        << used.err;
    EXPECT_GE(op->count_events("device_authorization.error", "nobody"), 1u) << describe(used);
}

TEST_F(LoginCli, QrOptionsGoWithDeviceOnly) {
    CliEnv cli;
    for (const char* flag : {"--qr", "--no-qr"}) {
        auto result = cli.run(public_client({"login", flag}));
        EXPECT_EQ(result.exit_code, 2) << describe(result);
    }
    auto both = cli.run(public_client({"login", "--device", "--qr", "--no-qr"}));
    EXPECT_EQ(both.exit_code, 2) << describe(both);
    EXPECT_FALSE(std::filesystem::exists(cli.browser_dir() / "url"));
}

} // namespace
} // namespace authflow
