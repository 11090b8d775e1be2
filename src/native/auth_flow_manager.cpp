// AuthFlowManager: native (RFC 8252) and device (RFC 8628) sign-in, as pywry.auth's AuthFlowManager
// with its weaknesses fixed.

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/core/random.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/native/callback_server.hpp>
#include <authflow/session/session_manager.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <thread>

namespace authflow {
namespace {

std::chrono::seconds seconds_left(Clock::steady_time deadline, Clock::steady_time now) {
    if (now >= deadline) {
        return std::chrono::seconds{0};
    }
    return std::chrono::ceil<std::chrono::seconds>(deadline - now);
}

double as_seconds(std::chrono::milliseconds duration) {
    return std::chrono::duration<double>(duration).count();
}

std::string timeout_text(std::chrono::milliseconds timeout) {
    return std::to_string(std::chrono::ceil<std::chrono::seconds>(timeout).count()) + " s";
}

#if AUTHFLOW_WITH_HTTPLIB
void announce_url(const std::string& url, bool browser_opened,
                  std::optional<std::chrono::seconds> expires_in) {
    if (browser_opened) {
        return;
    }
    // Headless machines, SSH sessions: the user opens the URL on any device with a browser.
    std::cerr << "\nOpen this URL in a browser to sign in";
    if (expires_in) {
        // A pushed request (RFC 9126): the provider refuses the URL once it expired.
        std::cerr << " within " << expires_in->count() << " s";
    }
    std::cerr << ":\n\n    " << url << "\n\n" << std::flush;
}

/// Why a sign-in that timed out got no answer, for the timeout error. `now` on the provider's
/// Clock (the one `expires_at` is on).
std::string no_answer_text(const AuthorizationRequest& request, Clock::steady_time now) {
    std::string text = ": no answer reached " + request.redirect_uri;
    if (request.expires_at && now >= *request.expires_at) {
        // RFC 9126 §2.2: a pushed request's URL opened after it expired gets the provider's
        // refusal (invalid_request_uri), never a code for this sign-in.
        text += "; the sign-in URL was a pushed authorization request that the provider accepts "
                "for a short time only and it has expired: open it right away";
    }
    return text;
}
#endif // AUTHFLOW_WITH_HTTPLIB

void announce_device_code(const DeviceAuthorization& authorization) {
    std::cerr << "\nTo sign in, open " << authorization.verification_uri
              << " in a browser and enter the code:\n\n    " << authorization.user_code << "\n\n";
    if (!authorization.verification_uri_complete.empty()) {
        std::cerr << "(or open " << authorization.verification_uri_complete << ")\n\n";
    }
    std::cerr << std::flush;
}

AuthFlowResult to_flow_result(const LoginResult& login) {
    AuthFlowResult result;
    result.success = true;
    result.tokens = login.tokens;
    result.user_info = user_info_of(login.identity);
    return result;
}

// Calls `on_tick` about every `tick` until `deadline` or stop(); `on_deadline` when the
// deadline passes first. Runs on its own thread, on the manager's clock.
class Watchdog {
public:
    Watchdog(Clock& clock, Clock::steady_time deadline, std::chrono::milliseconds tick,
             std::function<void(std::chrono::seconds)> on_tick, std::function<void()> on_deadline)
        : clock_(clock), deadline_(deadline), tick_(tick), on_tick_(std::move(on_tick)),
          on_deadline_(std::move(on_deadline)), thread_([this] { run(); }) {}
    ~Watchdog() { stop(); }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    void stop() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        changed_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            const auto now = clock_.steady_now();
            if (now >= deadline_) {
                lock.unlock();
                on_deadline_();
                return;
            }
            if (on_tick_) {
                lock.unlock();
                on_tick_(seconds_left(deadline_, now));
                lock.lock();
            }
            const auto next = on_tick_ ? std::min(deadline_, now + tick_) : deadline_;
            if (clock_.wait_until(lock, changed_, next, [this] { return done_; })) {
                return;
            }
        }
    }

    Clock& clock_;
    Clock::steady_time deadline_;
    std::chrono::milliseconds tick_;
    std::function<void(std::chrono::seconds)> on_tick_;
    std::function<void()> on_deadline_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool done_ = false;
    std::thread thread_; // last: starts after the members it uses
};

} // namespace

AuthFlowOptions AuthFlowOptions::from_settings(const OAuth2Settings& settings) {
    AuthFlowOptions options;
    options.auth_timeout = std::chrono::milliseconds{
        static_cast<std::int64_t>(settings.auth_timeout_seconds * 1000.0 + 0.5)};
    options.redirect_uri = settings.redirect_uri;
    options.callback_port = settings.callback_port;
    return options;
}

nlohmann::json user_info_of(const UserIdentity& identity) {
    nlohmann::json info =
        identity.userinfo.is_object() ? identity.userinfo : nlohmann::json::object();
    info["sub"] = identity.subject;
    if (identity.email && !info.contains("email")) {
        info["email"] = *identity.email;
        info["email_verified"] = identity.email_verified;
    }
    if (identity.name && !info.contains("name")) {
        info["name"] = *identity.name;
    }
    return info;
}

// One run of a flow. Guarded by AuthFlowManager::mutex_.
struct AuthFlowManager::Flow {
    bool cancel_requested = false;
    bool saving = false; // past the point where cancel() can stop it
#if AUTHFLOW_WITH_HTTPLIB
    std::shared_ptr<CallbackServer> server;
#endif
    std::shared_ptr<CancelSignal> device_cancel = std::make_shared<CancelSignal>();
};

AuthFlowManager::AuthFlowManager(std::shared_ptr<OAuthProvider> provider,
                                 std::shared_ptr<SessionManager> session, AuthFlowOptions options)
    : provider_(std::move(provider)), session_(std::move(session)), options_(std::move(options)),
      clock_(clock_or_system(options_.clock)) {
    if (!provider_) {
        throw ConfigError(errc::invalid_argument, "AuthFlowManager: the provider is null");
    }
    if (options_.auth_timeout <= std::chrono::milliseconds::zero()) {
        throw ConfigError(errc::invalid_argument, "AuthFlowManager: auth_timeout must be positive");
    }
    if (options_.device_timeout && *options_.device_timeout <= std::chrono::milliseconds::zero()) {
        throw ConfigError(errc::invalid_argument,
                          "AuthFlowManager: device_timeout must be positive");
    }
    if (options_.tick <= std::chrono::milliseconds::zero()) {
        throw ConfigError(errc::invalid_argument, "AuthFlowManager: tick must be positive");
    }
    if (options_.callback_port < 0 || options_.callback_port > 65535) {
        throw ConfigError(errc::invalid_argument,
                          "AuthFlowManager: callback_port must be 0 to 65535");
    }
    if (!options_.redirect_uri.empty()) {
        (void)CallbackServerOptions::from_redirect_uri(options_.redirect_uri); // throws if bad
    }
}

AuthFlowManager::~AuthFlowManager() = default;

AuthFlowState AuthFlowManager::flow_state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::string AuthFlowManager::flow_id() const {
    std::lock_guard lock(mutex_);
    return flow_id_;
}

std::shared_ptr<AuthFlowManager::Flow> AuthFlowManager::begin_flow() {
    auto flow = std::make_shared<Flow>();
    std::string id = random_token(16);
    std::lock_guard lock(mutex_);
    if (flow_) {
        throw Error(errc::invalid_argument, "a sign-in is already in progress");
    }
    flow_ = flow;
    flow_id_ = std::move(id);
    state_ = AuthFlowState::in_progress;
    return flow;
}

void AuthFlowManager::finish_flow(const std::shared_ptr<Flow>& flow, AuthFlowState state) {
    std::lock_guard lock(mutex_);
    if (flow_ == flow) {
        flow_.reset();
        state_ = state;
    }
}

void AuthFlowManager::commit_flow(const std::shared_ptr<Flow>& flow) {
    std::lock_guard lock(mutex_);
    if (flow->cancel_requested) {
        throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
    }
    flow->saving = true;
}

void AuthFlowManager::save(const LoginResult& result) {
    // One save, under the session's key: a second copy under another key would be refreshed
    // separately and hold a revoked refresh token after rotation. The SessionManager schedules
    // the refresh.
    if (session_) {
        session_->save_tokens(result.tokens);
    }
}

void AuthFlowManager::cancel() {
#if AUTHFLOW_WITH_HTTPLIB
    std::shared_ptr<CallbackServer> server;
#endif
    std::shared_ptr<CancelSignal> device_cancel;
    {
        std::lock_guard lock(mutex_);
        if (!flow_ || flow_->saving || flow_->cancel_requested) {
            return;
        }
        flow_->cancel_requested = true;
        state_ = AuthFlowState::cancelled;
#if AUTHFLOW_WITH_HTTPLIB
        server = flow_->server;
#endif
        device_cancel = flow_->device_cancel;
    }
    log(LogLevel::info, "sign-in: cancel requested");
    // Outside the lock: both wake their waiters at once.
    device_cancel->cancel();
#if AUTHFLOW_WITH_HTTPLIB
    if (server) {
        server->cancel();
    }
#endif
}

template <typename Body> LoginResult AuthFlowManager::run_flow(Body&& body) {
    auto flow = begin_flow();
    auto was_cancelled = [&] {
        std::lock_guard lock(mutex_);
        return flow->cancel_requested;
    };
    try {
        LoginResult result = body(flow);
        finish_flow(flow, AuthFlowState::completed);
        log(LogLevel::info, "sign-in completed");
        return result;
    } catch (const AuthFlowTimeout&) {
        if (was_cancelled()) {
            finish_flow(flow, AuthFlowState::cancelled);
            throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
        }
        finish_flow(flow, AuthFlowState::timed_out);
        throw;
    } catch (const AuthFlowCancelled&) {
        finish_flow(flow, AuthFlowState::cancelled);
        throw;
    } catch (const Error& e) {
        // Every failure ends the flow as failed, exchange errors included: a flow left
        // "in progress" would block the next sign-in.
        if (was_cancelled()) {
            finish_flow(flow, AuthFlowState::cancelled);
            throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
        }
        finish_flow(flow, AuthFlowState::failed);
        log(LogLevel::info, std::string{"sign-in failed: "} + std::string{to_string(e.code())});
        throw;
    } catch (const std::exception& e) {
        if (was_cancelled()) {
            finish_flow(flow, AuthFlowState::cancelled);
            throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
        }
        finish_flow(flow, AuthFlowState::failed);
        throw AuthenticationError(errc::internal, std::string{"sign-in failed: "} + e.what());
    } catch (...) {
        finish_flow(flow, AuthFlowState::failed);
        throw;
    }
}

#if AUTHFLOW_WITH_HTTPLIB

LoginResult AuthFlowManager::login_native(const ShowWindow& show_window,
                                          const CloseWindow& close_window,
                                          const WindowConfig& window_config) {
    return run_flow([&](const std::shared_ptr<Flow>& flow) {
        // RFC 8252 §7.3: a loopback redirect on 127.0.0.1 (any free port unless one is fixed).
        CallbackServerOptions server_options =
            options_.redirect_uri.empty()
                ? CallbackServerOptions{}
                : CallbackServerOptions::from_redirect_uri(options_.redirect_uri);
        if (options_.redirect_uri.empty()) {
            server_options.port = options_.callback_port;
        }
        // The server must know the state before the request is made (the port comes first).
        const std::string state = random_token(32);
        server_options.expected_state = state;
        auto server = std::make_shared<CallbackServer>(server_options, clock_);
        {
            std::lock_guard lock(mutex_);
            flow->server = server;
        }
        server->start(); // port_in_use for a taken fixed port
        {
            std::lock_guard lock(mutex_);
            if (flow->cancel_requested) {
                server->cancel(); // cancel() came before the server could take it
            }
        }

        // State (CSRF), nonce (ID-token replay) and PKCE (code interception) for every flow;
        // pushed to the provider first when the `par` setting says so (RFC 9126).
        const AuthorizationRequest request =
            provider_->begin_authorization(server->redirect_uri(), options_.extra_params, state);
        // A pushed request's expiry is on the provider's Clock, which may not be the flow's.
        const std::shared_ptr<Clock> provider_clock_ptr =
            clock_or_system(provider_->config().clock);
        const Clock& provider_clock = *provider_clock_ptr;

        // Show the URL; whatever happens next, close what was shown.
        std::optional<std::string> label;
        struct CloseOnExit {
            const CloseWindow& close;
            const std::optional<std::string>& label;
            ~CloseOnExit() {
                if (!label || !close) {
                    return;
                }
                try {
                    close(*label);
                } catch (const std::exception& e) {
                    log(LogLevel::warning,
                        std::string{"sign-in: close_window failed: "} + e.what());
                } catch (...) {
                    log(LogLevel::warning, "sign-in: close_window failed");
                }
            }
        } close_on_exit{close_window, label};
        if (show_window) {
            label = show_window(request.url, window_config);
        } else {
            const bool opened =
                options_.open_browser && open_browser(request.url, options_.browser);
            if (options_.open_browser && !opened) {
                log(LogLevel::info, "sign-in: no browser could be started");
            }
            if (options_.on_authorization_url) {
                options_.on_authorization_url(request.url, opened);
            } else {
                std::optional<std::chrono::seconds> expires_in;
                if (request.expires_at) {
                    expires_in = seconds_left(*request.expires_at, provider_clock.steady_now());
                }
                announce_url(request.url, opened, expires_in);
            }
            label = std::string{system_browser_label};
        }

        // Wait for the redirect that carries this flow's state; anything else keeps waiting.
        const auto deadline = clock_->steady_now() + options_.auth_timeout;
        std::optional<CallbackResult> response;
        try {
            if (options_.on_waiting) {
                while (!response) {
                    const auto now = clock_->steady_now();
                    if (now >= deadline) {
                        response = server->wait_until(deadline);
                        break;
                    }
                    options_.on_waiting(seconds_left(deadline, now));
                    response = server->try_wait_until(std::min(deadline, now + options_.tick));
                }
            } else {
                response = server->wait_until(deadline);
            }
        } catch (const AuthFlowTimeout&) {
            throw AuthFlowTimeout("sign-in timed out after " + timeout_text(options_.auth_timeout) +
                                      no_answer_text(request, provider_clock.steady_now()),
                                  as_seconds(options_.auth_timeout));
        }
        {
            std::lock_guard lock(mutex_);
            if (flow->cancel_requested) {
                throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
            }
        }

        // The callback check (state, RFC 9207 iss, the provider's error, the code), the
        // exchange with the PKCE verifier and the nonce, ID-token validation, userinfo.
        LoginResult login = provider_->complete_login(request, response->params);
        commit_flow(flow);
        save(login);
        return login;
    });
}

AuthFlowResult AuthFlowManager::run_native(const ShowWindow& show_window,
                                           const CloseWindow& close_window,
                                           const WindowConfig& window_config) {
    return to_flow_result(login_native(show_window, close_window, window_config));
}

AuthFlowResult AuthFlowManager::authenticate(AuthMode mode, const ShowWindow& show_window,
                                             const CloseWindow& close_window,
                                             const WindowConfig& window_config,
                                             std::string_view base_url) {
    if (mode == AuthMode::deploy) {
        AuthFlowResult result;
        result.success = false;
        result.error = "Navigate to " + run_deploy(base_url) + " to authenticate (deploy mode)";
        return result;
    }
    return run_native(show_window, close_window, window_config);
}

#endif // AUTHFLOW_WITH_HTTPLIB

LoginResult AuthFlowManager::login_device() {
    return run_flow([&](const std::shared_ptr<Flow>& flow) {
        // RFC 8628 §3.1: throws config_missing when the provider has no device endpoint.
        DeviceAuthorization authorization = provider_->start_device_authorization();
        // The wait lasts as long as the code lives (§3.2 expires_in): the user may need minutes to
        // find a phone and type the code. device_timeout, when set and shorter, ends it first.
        const auto started = clock_->steady_now();
        const auto code_expiry = started + authorization.expires_in;
        const bool capped =
            options_.device_timeout && started + *options_.device_timeout < code_expiry;
        const auto deadline = capped ? started + *options_.device_timeout : code_expiry;
        if (options_.on_device_code) {
            options_.on_device_code(authorization);
        } else {
            announce_device_code(authorization);
        }
        std::shared_ptr<CancelSignal> signal;
        {
            std::lock_guard lock(mutex_);
            signal = flow->device_cancel;
        }
        std::atomic<bool> timed_out{false};
        OAuthTokenSet tokens;
        {
            Watchdog watchdog(*clock_, deadline, options_.tick, options_.on_waiting, [&] {
                timed_out = true;
                signal->cancel();
            });
            try {
                tokens = provider_->poll_device_token(authorization, signal.get());
            } catch (const AuthFlowCancelled&) {
                if (!timed_out) {
                    throw;
                }
                if (capped) {
                    throw AuthFlowTimeout("sign-in timed out after " +
                                              timeout_text(*options_.device_timeout) +
                                              ": the device authorization was not approved",
                                          as_seconds(*options_.device_timeout));
                }
                const std::chrono::milliseconds lifetime = authorization.expires_in;
                throw AuthFlowTimeout("the device code expired after " + timeout_text(lifetime) +
                                          " before the sign-in was approved",
                                      as_seconds(lifetime));
            }
        }
        {
            std::lock_guard lock(mutex_);
            if (flow->cancel_requested) {
                throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
            }
        }
        LoginResult login{tokens, provider_->identify(tokens)};
        commit_flow(flow);
        save(login);
        return login;
    });
}

AuthFlowResult AuthFlowManager::run_device() {
    return to_flow_result(login_device());
}

std::string AuthFlowManager::run_deploy(std::string_view base_url, std::string_view prefix) {
    if (!prefix.empty() && (prefix.front() != '/' || prefix.back() == '/')) {
        throw ConfigError(errc::invalid_argument,
                          "the auth route prefix must start with '/' and not end with one");
    }
    while (!base_url.empty() && base_url.back() == '/') {
        base_url.remove_suffix(1);
    }
    return std::string{base_url} + std::string{prefix} + "/login";
}

} // namespace authflow
