// `authflow login [--device [--qr|--no-qr]] [--no-browser] [--port N] [--timeout S]`: signs in
// through the system browser and a loopback redirect (RFC 8252), or with the device authorization
// grant (RFC 8628), and stores the tokens under the profile. Progress goes to stderr; stdout says
// who signed in and where the tokens are kept, never a token.
#include "cli.hpp"
#include "profile.hpp"
#include "profile_summary.hpp"
#include "signals.hpp"
#include "terminal_qr.hpp"
#include "terminal_text.hpp"

#include <authflow/config.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/native/browser.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace authflow::cli {
namespace {

struct LoginOptions {
    bool device = false;
    bool qr = false;    ///< --qr: the device flow's QR code even into a log or a pipe
    bool no_qr = false; ///< --no-qr: never a QR code
    bool no_browser = false;
    std::optional<int> port;
    std::optional<double> timeout;
    bool as_json = false;
};

std::string minutes_seconds(std::chrono::seconds left) {
    const auto total = left.count() < 0 ? 0 : left.count();
    std::string seconds = std::to_string(total % 60);
    return std::to_string(total / 60) + ":" + (seconds.size() < 2 ? "0" : "") + seconds;
}

/// The waiting line: redrawn in place on a terminal, a few plain lines otherwise.
class Progress {
public:
    Progress(std::ostream& err, bool is_terminal) : err_(err), is_terminal_(is_terminal) {}

    void waiting(std::string_view what, std::chrono::seconds left) {
        if (is_terminal_) {
            // \r and "erase to end of line": one line, rewritten every second.
            err_ << "\r\x1b[K" << what << " \xe2\x80\x94 " << minutes_seconds(left)
                 << " left, Ctrl-C to cancel" << std::flush;
            drawn_ = true;
            return;
        }
        // Not a terminal (a log, a pipe): the first line, then one every 30 s.
        if (!last_plain_ || *last_plain_ - left >= std::chrono::seconds{30}) {
            err_ << what << " (" << minutes_seconds(left) << " left)" << std::endl;
            last_plain_ = left;
        }
    }
    void done() {
        if (drawn_) {
            err_ << "\r\x1b[K" << std::flush;
            drawn_ = false;
        }
    }

private:
    std::ostream& err_;
    bool is_terminal_;
    bool drawn_ = false;
    std::optional<std::chrono::seconds> last_plain_;
};

std::string describe_user(const UserIdentity& identity) {
    std::string who;
    if (identity.name && !identity.name->empty()) {
        who = *identity.name;
    }
    if (identity.email && !identity.email->empty()) {
        who += who.empty() ? *identity.email : " <" + *identity.email + ">";
    }
    // Provider-supplied text: nothing in it may act on the terminal.
    if (who.empty()) {
        return terminal_safe(identity.subject);
    }
    return terminal_safe(who + " (subject " + identity.subject + ")");
}

/// A login for another client than the one the profile remembers starts from scratch: the
/// remembered settings (the client secret above all) must never reach another client or
/// provider.
void forget_other_client(OpenedProfile& profile) {
    if (!profile.record) {
        return;
    }
    const OAuth2Settings& given = profile.given.settings(); // without the remembered layer
    const OAuth2Settings defaults;
    // The device authorization endpoint gets the client's credentials too (RFC 8628 §3.1).
    for (std::string_view field : {"provider", "client_id", "issuer_url", "token_url",
                                   "authorize_url", "tenant_id", "device_authorization_url"}) {
        if (!profile.given.is_given(field)) {
            continue;
        }
        auto remembered = profile.record->settings.find(field);
        const std::string before =
            remembered == profile.record->settings.end() ? defaults.get(field) : remembered->second;
        if (given.get(field) != before) {
            profile.settings = given;
            profile.settings.token_store_backend = parse_token_store_backend(profile.backend);
            return;
        }
    }
}

int run_login(Context& ctx, const LoginOptions& options) {
    SettingsValues flags;
    if (options.port) {
        flags["callback_port"] = std::to_string(*options.port);
    }
    if (options.timeout) {
        std::ostringstream text;
        text << *options.timeout;
        flags["auth_timeout_seconds"] = text.str();
    }
    OpenedProfile profile = open_profile(ctx, flags);
    if (profile.backend == "memory") {
        throw ConfigError(errc::config_invalid,
                          "the memory token store keeps tokens only while this program runs, so "
                          "the sign-in would be lost at once: use --store sqlite or keyring");
    }
    forget_other_client(profile);
    const OAuth2Settings& settings = profile.settings;
    if (settings.client_id.empty()) {
        throw ConfigError(errc::config_missing,
                          "no client id: pass --client-id or set AUTHFLOW_OAUTH2__CLIENT_ID");
    }
    std::shared_ptr<OAuthProvider> provider = make_profile_provider(profile);

    // The one save of the tokens: the SessionManager's, under the profile's key.
    SessionManagerOptions session_options;
    session_options.session_key = profile_tokens_key(profile.name);
    session_options.background_refresh = false; // the program ends after the sign-in
    auto session = std::make_shared<SessionManager>(provider, profile.store, session_options);

    std::ostream& err = *ctx.err;
    // A live countdown (and the device flow's QR code) only when this program's stderr is a
    // terminal.
    const bool err_is_terminal = ctx.err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
    Progress progress(err, err_is_terminal);
    AuthFlowOptions flow_options = AuthFlowOptions::from_settings(settings);
    // The device flow waits as long as the device code lives; a timeout someone gave (--timeout,
    // auth_timeout_seconds in the config file or the environment) caps it. The 120 s default
    // does not: typing a code on a phone takes longer than a browser redirect.
    if (options.device && profile.given.is_given("auth_timeout_seconds")) {
        flow_options.device_timeout = flow_options.auth_timeout;
    }
    // Over SSH or in a container nothing can show a browser (unless $BROWSER names one): the URL
    // is printed first, without running openers that can only fail.
    const bool headless =
        !options.device && !has_graphical_display() && browser_candidates().empty();
    flow_options.open_browser = !options.no_browser && !headless;
    flow_options.on_authorization_url = [&](const std::string& url, bool opened) {
        if (opened) {
            err << "Your browser has been opened to sign in. If it did not open, use this URL:\n";
        } else if (headless && !options.no_browser) {
            err << "No display here (SSH or a container?). Open this URL in a browser on this "
                   "machine, or forward the port with ssh -L, to sign in:\n";
        } else if (options.no_browser) {
            err << "Open this URL in a browser to sign in:\n";
        } else {
            err << "No browser could be started. Open this URL in a browser to sign in:\n";
        }
        err << "\n    " << url << "\n\n";
        if (headless) {
            err << "Or sign in with a code on any device: " << login_command_for(profile.name)
                << " --device\n\n";
        }
        err << std::flush;
    };
    flow_options.on_device_code = [&](const DeviceAuthorization& authorization) {
        // The provider's text, made safe for the terminal.
        err << "To sign in, open " << terminal_safe(authorization.verification_uri)
            << " on any device and enter the code:\n\n    "
            << terminal_safe(authorization.user_code) << "\n\n";
        if (!authorization.verification_uri_complete.empty()) {
            err << "(or open " << terminal_safe(authorization.verification_uri_complete) << ")\n\n";
        }
        // The text first (it works everywhere), then the code of the URL that needs no typing.
        const QrChoice qr_choice = options.qr      ? QrChoice::always
                                   : options.no_qr ? QrChoice::never
                                                   : QrChoice::automatic;
        if (should_show_qr(qr_choice, err_is_terminal)) {
            print_sign_in_qr(err,
                             terminal_safe(authorization.verification_uri_complete.empty()
                                               ? authorization.verification_uri
                                               : authorization.verification_uri_complete),
                             options.qr,
                             err_is_terminal ? terminal_columns(STDERR_FILENO) : std::nullopt);
        }
        err << std::flush;
    };
    const std::string_view waiting_text = options.device ? "Waiting for you to approve the sign-in"
                                                         : "Waiting for sign-in in your browser";
    flow_options.on_waiting = [&](std::chrono::seconds left) {
        progress.waiting(waiting_text, left);
    };
    AuthFlowManager manager(provider, session, flow_options);

    LoginResult login;
    {
        InterruptGuard interrupts([&manager] { manager.cancel(); });
        try {
#if AUTHFLOW_WITH_HTTPLIB
            login = options.device ? manager.login_device() : manager.login_native();
#else
            if (!options.device) {
                throw ConfigError(errc::config_invalid,
                                  "this build has no loopback server: use `login --device`");
            }
            login = manager.login_device();
#endif
        } catch (...) {
            progress.done();
            throw;
        }
        progress.done();
    }
    // The provider settings (client secret included) go beside the tokens, never into a
    // plain config file, so that token, status, refresh and logout work in a new shell.
    remember_profile(*profile.store, profile.name, settings, &login.identity);
    if (profile.backend == "sqlite" && !profile.store->encrypts()) {
        err << "Note: the tokens are in a private (mode 0600) but unencrypted file, "
            << describe_profile_store(profile)
            << ". To encrypt it, set AUTHFLOW_STORE_KEY (see `authflow --help` and "
               "docs/token-stores.md) or sign in where a keyring (Secret Service) runs.\n";
    }

    std::ostream& out = *ctx.out;
    if (options.as_json) {
        ProfileSummary summary = summarize_profile(
            profile.name, settings, profile.store->load(profile_tokens_key(profile.name)),
            make_profile_record(settings, &login.identity), system_clock().unix_seconds());
        summary.store_backend = profile.backend;
        summary.store_location = describe_profile_store(profile);
        out << to_json(summary).dump(2) << "\n";
        return exit_ok;
    }
    const bool named_by_issuer =
        settings.provider == ProviderKind::oidc || settings.provider == ProviderKind::custom;
    out << "Signed in as " << describe_user(login.identity) << " with "
        << (named_by_issuer && !settings.issuer_url.empty() ? settings.issuer_url
                                                            : to_string(settings.provider))
        << ".\n"
        << "Tokens are kept in " << describe_profile_store(profile) << ", profile \""
        << profile.name << "\".\n";
    return exit_ok;
}

} // namespace

void add_login_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<LoginOptions>();
    auto* command = app.add_subcommand(
        "login", "Sign in (system browser, or --device) and store the tokens under the profile");
    auto* device = command->add_flag(
        "--device", options->device,
        "Use the device authorization grant: enter a code on any device (waits as long as the "
        "code lives)");
    auto* qr = command->add_flag("--qr", options->qr,
                                 "With --device: show the sign-in URL as a QR code even when "
                                 "stderr is not a terminal");
    auto* no_qr =
        command->add_flag("--no-qr", options->no_qr, "With --device: never show a QR code");
    qr->needs(device);
    no_qr->needs(device);
    qr->excludes(no_qr);
    command->add_flag("--no-browser", options->no_browser,
                      "Do not open a browser; print the sign-in URL only");
    command->add_option_function<int>(
        "--port", [options](const int& port) { options->port = port; },
        "Loopback callback port (0 = any free port)");
    command->add_option_function<double>(
        "--timeout", [options](const double& seconds) { options->timeout = seconds; },
        "Seconds to wait for the sign-in (10 to 86400; --device: at most while the code lives)");
    command->add_flag("--json", options->as_json,
                      "Print who signed in and where the tokens are kept as JSON (never a token)");
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_login(ctx, *options); }; });
}

} // namespace authflow::cli
