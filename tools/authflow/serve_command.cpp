// `authflow serve`: a small web app on cpp-httplib showing deploy-mode sign-in: a sign-in page,
// a home page with the signed-in user, roles and session expiry, and a sign-out button.
#include "cli.hpp"
#include "environment_check.hpp"
#include "serve_gateway.hpp"
#include "serve_upstream.hpp"
#include "signals.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/httplib_adapter.hpp>
#include <authflow/deploy/shared_stores.hpp>
#include <authflow/native/callback_server.hpp>
#include <authflow/providers/factory.hpp>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <memory>
#include <ostream>
#include <string>

namespace authflow::cli {
namespace {

struct ServeOptions {
    std::string listen = "127.0.0.1:8080";
    std::string public_url;
    std::string session_store; ///< empty: the settings' state_backend (default memory)
    std::string redis_url;     ///< empty: the settings' redis_url
    std::string session_db;    ///< SQLite file; empty: default_deploy_sqlite_path()
    std::string title;         ///< empty: the settings' title
    GatewayServeOptions gateway;
    std::string upstream;          ///< empty: the settings' upstream (none: the demo pages)
    std::string login_rate_limit;  ///< empty: the settings' login_rate_limit
    std::string login_rate_window; ///< empty: the settings' login_rate_window
};

/// Splits "HOST:PORT" ("[::1]:8080" for IPv6). Throws ConfigError (config_invalid).
std::pair<std::string, int> split_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
        throw ConfigError(errc::config_invalid, "--listen must be HOST:PORT");
    }
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    int port = 0;
    for (char c : listen.substr(colon + 1)) {
        if (c < '0' || c > '9' || port > 65535) {
            throw ConfigError(errc::config_invalid, "--listen must be HOST:PORT");
        }
        port = port * 10 + (c - '0');
    }
    if (port > 65535) {
        throw ConfigError(errc::config_invalid, "--listen port out of range");
    }
    return {host, port};
}

/// Refuses an AUTHFLOW_DEPLOY__ variable that is not a setting, as load_serve_settings refuses an
/// unknown [deploy] key (the general warning about it has been printed already).
void refuse_unknown_deploy_variables() {
    for (const std::string& warning : unknown_environment_warnings(authflow_environment_names())) {
        if (warning.starts_with("unknown setting AUTHFLOW_DEPLOY__")) {
            throw ConfigError(errc::config_invalid, "environment: " + warning);
        }
    }
}

/// The deploy settings; public_url, when no source sets it, is the listening URL, which works
/// only for a loopback address: any other says how to set the URL browsers use. An unknown key
/// in [deploy] stops the start: a misspelt policy (allowed_grups) would let everyone in.
DeploySettings load_serve_settings(SettingsSources sources, const std::string& host,
                                   const std::string& listen_url, const std::string& listen) {
    try {
        return load_deploy_settings(sources, UnknownDeployKeys::refuse);
    } catch (const ConfigError& e) {
        if (e.code() != errc::config_missing || sources.flags.contains("public_url")) {
            throw;
        }
    }
    if (!is_loopback_host(host)) {
        throw ConfigError(errc::config_missing,
                          "--listen " + listen +
                              " is not a loopback address, so the URL browsers use cannot be "
                              "guessed: set it with --public-url https://app.example.com (or "
                              "public_url in the config file's [deploy] table, or "
                              "AUTHFLOW_DEPLOY__PUBLIC_URL); it must be https, e.g. the address "
                              "of the TLS proxy in front of this server");
    }
    sources.flags["public_url"] = listen_url;
    return load_deploy_settings(sources, UnknownDeployKeys::refuse);
}

constexpr const char* page_style =
    "body{margin:0;font-family:system-ui,sans-serif;background:#151518;color:#ebebed;"
    "display:flex;min-height:100vh;align-items:center;justify-content:center}"
    ".card{background:#1f1f24;border-radius:12px;padding:2rem 2.5rem;max-width:32rem}"
    "dt{color:#9a9aa5;margin-top:.8rem}dd{margin:0}"
    "button{margin-top:1.5rem;padding:.6rem 1.2rem;border:0;border-radius:8px;"
    "background:#3b6cf6;color:#fff;font-size:1rem;cursor:pointer}";

/// The display name: userinfo name, preferred_username, email, else the subject.
std::string display_name(const UserSession& session) {
    const nlohmann::json info =
        session.metadata.is_object() && session.metadata.contains("user_info")
            ? session.metadata["user_info"]
            : nlohmann::json::object();
    for (const char* key : {"name", "preferred_username", "email"}) {
        if (info.is_object() && info.contains(key) && info[key].is_string() &&
            !info[key].get<std::string>().empty()) {
            return info[key].get<std::string>();
        }
    }
    return session.user_id;
}

std::string home_page(const UserSession& session, const DeploySettings& settings,
                      const std::string& title) {
    std::string roles;
    for (const auto& role : session.roles) {
        roles += (roles.empty() ? "" : ", ") + role;
    }
    std::string page =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<title>" +
        html_escape(title) + "</title><style>" + page_style +
        "</style></head><body><main class=\"card\"><h1>" + html_escape(title) +
        "</h1><p id=\"signed-in\">Signed in as <strong id=\"user-name\">" +
        html_escape(display_name(session)) + "</strong></p><dl><dt>Subject</dt><dd " +
        "id=\"user-id\">" + html_escape(session.user_id) + "</dd><dt>Roles</dt><dd id=\"roles\">" +
        html_escape(roles) + "</dd><dt>Session expires</dt><dd id=\"expires\">" +
        html_escape(format_http_date(session.expires_at)) +
        "</dd></dl><form method=\"post\" action=\"" + html_escape(settings.route_path("logout")) +
        "?next=/\"><button id=\"sign-out\" type=\"submit\">Sign out</button></form>"
        "</main></body></html>";
    return page;
}

/// `form_action`: the CSP form-action sources ("'self'", plus the provider's end-session origin
/// when the sign-out form is redirected there: browsers apply form-action to redirects too).
void security_headers(httplib::Response& response, const std::string& form_action) {
    response.set_header("Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; form-action " +
                            form_action + "; frame-ancestors 'none'; base-uri 'none'");
    response.set_header("X-Frame-Options", "DENY");
    response.set_header("X-Content-Type-Options", "nosniff");
    // Not no-referrer: that would make browsers send "Origin: null" on the sign-out POST.
    response.set_header("Referrer-Policy", "same-origin");
    response.set_header("Cache-Control", "no-store");
}

int listen_until_stopped(Context& ctx, httplib::Server& server, const std::string& listen_url,
                         const DeploySettings& deploy);

int run_serve(Context& ctx, const ServeOptions& options) {
    if (!options.session_store.empty() && options.session_store != "memory" &&
        options.session_store != "sqlite" && options.session_store != "redis") {
        throw ConfigError(errc::config_invalid, "--session-store must be memory, sqlite or redis");
    }
    const auto [host, port] = split_listen(options.listen);
    refuse_unknown_deploy_variables();

    SettingsSources sources;
    sources.config_file = ctx.global.config_file;
    sources.profile = ctx.global.profile;
    if (!options.public_url.empty()) {
        sources.flags["public_url"] = options.public_url;
    }
    if (!options.session_store.empty()) {
        sources.flags["state_backend"] = options.session_store;
    }
    if (!options.redis_url.empty()) {
        sources.flags["redis_url"] = options.redis_url;
    }
    if (!options.title.empty()) {
        sources.flags["title"] = options.title;
    }
    if (!options.upstream.empty()) {
        sources.flags["upstream"] = options.upstream;
    }
    if (!options.login_rate_limit.empty()) {
        sources.flags["login_rate_limit"] = options.login_rate_limit;
    }
    if (!options.login_rate_window.empty()) {
        sources.flags["login_rate_window"] = options.login_rate_window;
    }
    apply_gateway_flags(options.gateway, sources.flags);
    // Any address but a loopback one needs the public URL: said before anything listens there.
    std::optional<DeploySettings> early;
    if (!is_loopback_host(host)) {
        early = load_serve_settings(sources, host, {}, options.listen);
    }
    httplib::Server server;
    own_listening_ports(server); // a second serve on the same port fails instead of sharing it
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    // Idle keep-alive connections hold a worker until this ends: keeps shutdown prompt.
    server.set_keep_alive_timeout(1);
    // --check-config binds nothing: it may run beside the serving instance.
    const int bound = options.gateway.check_config ? port
                      : port == 0                  ? server.bind_to_any_port(host)
                                                   : port;
    if (!options.gateway.check_config &&
        (bound <= 0 || (port != 0 && !server.bind_to_port(host, port)))) {
        throw TransportError(errc::port_in_use, "cannot listen on " + options.listen);
    }
    const std::string host_in_url = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    const std::string listen_url = "http://" + host_in_url + ":" + std::to_string(bound);

    const DeploySettings deploy =
        early ? *early : load_serve_settings(sources, host, listen_url, options.listen);
    const OAuth2Settings oauth = ctx.load_settings();
    if (options.gateway.check_config) {
        static_cast<void>(create_provider_from_settings(oauth));
        *ctx.out << "Configuration is valid\n";
        print_registration(*ctx.out, deploy);
        return exit_ok;
    }
    auto provider = create_provider_from_settings(oauth);
    // Sessions, pending logins, rate limits and tokens of the chosen backend; with Redis the
    // store key is required (AUTHFLOW_STORE_KEY or store_key_file), or this throws ConfigError.
    DeployStoreOptions store_options;
    store_options.sqlite_path = options.session_db;
    auto routes = std::make_shared<const AuthRoutes>(deploy, provider,
                                                     make_deploy_stores(deploy, store_options));
    preflight(*provider, routes->stores(), deploy);

    // Before the auth routes: they answer every other path below the prefix with the 404 page,
    // and cpp-httplib takes the first route that matches.
    mount_check_route(server,
                      std::make_shared<const GatewayRoutes>(routes, GatewaySettings::from(deploy)));
    mount_auth_routes(server, routes);
    if (!deploy.upstream.empty()) {
        mount_upstream(server, routes, deploy);
        return listen_until_stopped(ctx, server, listen_url, deploy);
    }
    std::string form_action = "'self'";
    if (deploy.provider_logout) {
        try {
            const std::string end_session = provider->endpoints().end_session_endpoint;
            if (!end_session.empty()) {
                form_action += " " + parse_url(end_session).origin();
            }
        } catch (const Error& e) {
            log(LogLevel::warning, std::string{"provider_logout: the end-session endpoint is "
                                               "not known yet ("} +
                                       std::string{to_string(e.code())} +
                                       "); the sign-out form may be blocked by the browser");
        }
    }
    auto sign_in_page = [routes](const httplib::Request& request, httplib::Response& response) {
        apply_response(routes->sign_in_page(to_request(request)), response);
    };
    server.Get("/login", sign_in_page);
    server.Get("/", [routes, sign_in_page, deploy, form_action, title = deploy.title](
                        const httplib::Request& request, httplib::Response& response) {
        std::optional<UserSession> session;
        try {
            session = routes->require_session(to_request(request));
        } catch (const std::exception&) {
            response.status = 503;
            return;
        }
        if (!session) {
            sign_in_page(request, response);
            return;
        }
        security_headers(response, form_action);
        response.set_content(home_page(*session, deploy, title), "text/html; charset=utf-8");
    });
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("ok\n", "text/plain");
    });

    return listen_until_stopped(ctx, server, listen_url, deploy);
}

int listen_until_stopped(Context& ctx, httplib::Server& server, const std::string& listen_url,
                         const DeploySettings& deploy) {
    // SIGINT/SIGTERM end the server: blocked in every thread, taken by one waiter thread.
    StopSignals stop_signals([&server] { server.stop(); });

    *ctx.out << "Listening on " << listen_url << "\n";
    *ctx.out << "Sessions in " << deploy.state_backend << "\n";
    print_registration(*ctx.out, deploy);
    if (!deploy.upstream.empty()) {
        *ctx.out << "Proxying to " << deploy.upstream << "\n";
    }
    *ctx.out << "Open " << deploy.public_url << "\n" << std::flush;
    const bool ok = server.listen_after_bind();
    const int received = stop_signals.finish(); // the server may have ended by itself
    if (received == SIGINT || received == SIGTERM) {
        *ctx.err << "stopped\n";
        return exit_ok;
    }
    return ok ? exit_ok : exit_failed;
}

} // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<ServeOptions>();
    auto* command =
        app.add_subcommand("serve", "Run a small web app with server-side sign-in (deploy mode)");
    command->add_option("--listen", options->listen, "HOST:PORT to listen on")
        ->capture_default_str();
    command->add_option("--public-url", options->public_url,
                        "The URL browsers use (default: http://HOST:PORT)");
    command
        ->add_option("--session-store", options->session_store,
                     "Where sessions live: memory, sqlite or redis (default: the settings' "
                     "state_backend, else memory)")
        ->check(CLI::IsMember({"memory", "sqlite", "redis"}));
    command->add_option("--redis-url", options->redis_url,
                        "Redis for --session-store redis (default: the settings' redis_url)");
    command->add_option("--session-db", options->session_db,
                        "SQLite file for --session-store sqlite (default: "
                        "$XDG_STATE_HOME/authflow/deploy.db)");
    command->add_option("--title", options->title,
                        "The pages' title (default: the deploy setting title, \"Sign in\")");
    command->add_option("--upstream", options->upstream,
                        "Reverse-proxy mode: the app (http://HOST:PORT) every path outside the "
                        "auth routes goes to, for signed-in users (default: the settings' "
                        "upstream)");
    add_gateway_options(*command, options->gateway);
    command
        ->add_option("--login-rate-limit", options->login_rate_limit,
                     "Sign-ins one address (IPv6: one /64) may start per window (default: "
                     "the settings' login_rate_limit, else 10)")
        ->type_name("N");
    command
        ->add_option("--login-rate-window", options->login_rate_window,
                     "The rate limit's window in seconds (default: the settings' "
                     "login_rate_window, else 60)")
        ->type_name("SECONDS");
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_serve(ctx, *options); }; });
}

} // namespace authflow::cli
