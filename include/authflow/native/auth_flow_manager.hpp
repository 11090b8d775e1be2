#pragma once
// AuthFlowManager: one sign-in from start to stored tokens: native mode through the system browser
// and a loopback redirect (RFC 8252), the device authorization grant for machines without a browser
// (RFC 8628), and the login URL of deploy mode.

#include <authflow/config.hpp>
#include <authflow/core/auth_flow.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/core/url.hpp>
#include <authflow/native/browser.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

class SessionManager;

/// How the sign-in window should look. Only a custom ShowWindow uses it; the
/// system browser ignores it. A plain value.
struct WindowConfig {
    std::string title = "Sign In";
    int width = 500;
    int height = 700;
    bool center = true;
    bool resizable = true;
    /// Anything else a window toolkit understands, passed through untouched.
    nlohmann::json extra = nlohmann::json::object();
};

/// Shows the authorization URL to the user (a browser, a web view) and returns a label that
/// CloseWindow gets back. Throwing ends the flow as failed.
using ShowWindow = std::function<std::string(const std::string& url, const WindowConfig& config)>;
/// Closes what ShowWindow opened. Called exactly once per shown window, whatever the outcome
/// (success, error, timeout, cancel); what it throws is logged and ignored.
using CloseWindow = std::function<void(const std::string& label)>;

/// The label of the default ShowWindow, the system browser (which cannot be closed).
inline constexpr std::string_view system_browser_label = "__browser__";

/// Which flow authenticate() runs. C++ has no application object to inspect, so the
/// caller says which it is.
enum class AuthMode {
    native, ///< this process signs in: system browser and loopback redirect
    deploy, ///< a web server signs in through its /auth routes
};

/// Settings of an AuthFlowManager. Every default is the secure one. A plain value.
struct AuthFlowOptions {
    /// Longest wait for the user in the browser flow (pywry.auth's default 120 s). The device
    /// flow does not use it: see device_timeout.
    std::chrono::milliseconds auth_timeout{std::chrono::seconds{120}};
    /// Device flow: the longest wait for the user's approval. Empty (the default): as long as the
    /// device code lives (the provider's `expires_in`, RFC 8628 §3.2), so that a user typing the
    /// code on a phone is not cut off after two minutes. When set, the shorter of the two.
    std::optional<std::chrono::milliseconds> device_timeout;
    /// A fixed loopback redirect URI (e.g. the one registered at the provider), which fixes the
    /// host, port and path of the callback server; empty: `http://127.0.0.1:<port>/callback`.
    std::string redirect_uri;
    /// When redirect_uri is empty: 0 = any free port (RFC 8252 §7.3), else exactly this port (a
    /// taken port is TransportError port_in_use, never a silent fallback).
    int callback_port = 0;
    /// Extra authorization request parameters (e.g. `login_hint`, `prompt`); they cannot
    /// override the core ones. A `nonce` here is used instead of a new one.
    QueryParams extra_params;
    /// The default window (no ShowWindow given): true opens the system browser
    /// (open_browser); false only announces the URL (the CLI's --no-browser).
    bool open_browser = true;
    BrowserOptions browser;
    /// With the default window: called with the authorization URL and whether a browser was
    /// started. Null: when no browser was started, the URL is written to stderr with a line
    /// asking the user to open it (headless machines, SSH sessions).
    std::function<void(const std::string& url, bool browser_opened)> on_authorization_url;
    /// Device flow: shows the user code and verification URI (RFC 8628 §3.3). Null: written to
    /// stderr.
    std::function<void(const DeviceAuthorization& authorization)> on_device_code;
    /// Called while waiting for the user, once at the start and then about every `tick`, with
    /// the time left (for a countdown; in the device flow until the code expires or
    /// device_timeout passes). The browser flow calls it on the waiting thread, the
    /// device flow on a helper thread. Must not call back into the manager except cancel().
    std::function<void(std::chrono::seconds remaining)> on_waiting;
    std::chrono::milliseconds tick{1000};
    /// Time for the timeout; empty: the system clock.
    std::shared_ptr<Clock> clock;

    /// auth_timeout_seconds, redirect_uri and callback_port from `settings` (device_timeout stays
    /// empty: settings cannot tell a default from a value someone chose).
    static AuthFlowOptions from_settings(const OAuth2Settings& settings);
};

/// Runs sign-in flows for one provider, one at a time: state, nonce and PKCE for every flow, the
/// callback check (state, RFC 9207 `iss`, the provider's `error`), the code exchange, ID-token
/// validation, the identity (validated `sub` and userinfo), and exactly one save of the tokens
/// through the SessionManager, when one is given (a second copy would go stale at the first
/// refresh). flow_state() is right on every path, exchange errors included.
///
/// Safe to use from several threads: cancel(), flow_state() and flow_id() may be called from any
/// thread at any time; a second flow started while one is running throws.
class AuthFlowManager {
public:
    /// `session` may be null: the tokens are then only returned, not stored. Throws ConfigError
    /// (invalid_argument) for a null provider, a non-positive auth_timeout or tick, or an invalid
    /// redirect_uri (see CallbackServerOptions::from_redirect_uri).
    explicit AuthFlowManager(std::shared_ptr<OAuthProvider> provider,
                             std::shared_ptr<SessionManager> session = nullptr,
                             AuthFlowOptions options = {});
    ~AuthFlowManager();
    AuthFlowManager(const AuthFlowManager&) = delete;
    AuthFlowManager& operator=(const AuthFlowManager&) = delete;

    /// Where the current (or last) flow is: pending before the first, then in_progress, then
    /// completed, cancelled, timed_out or failed.
    AuthFlowState flow_state() const;
    /// The current (or last) flow's id: 16 random bytes, base64url (22 characters); empty before
    /// the first flow. Safe to log.
    std::string flow_id() const;
    const std::shared_ptr<OAuthProvider>& provider() const noexcept { return provider_; }

#if AUTHFLOW_WITH_HTTPLIB
    /// Native sign-in (RFC 8252): starts the loopback callback server, builds the
    /// authorization request (new state, nonce and PKCE S256) with the provider, shows the URL
    /// through `show_window` (null: the system browser, see AuthFlowOptions), waits for the
    /// redirect carrying this flow's state, then checks it, exchanges the code, validates the ID
    /// token, reads userinfo and saves the tokens once through the SessionManager. Closes the
    /// listening socket before returning and calls `close_window` for a shown window on every
    /// path. Returns the tokens and the identity. Throws AuthFlowTimeout (auth_timeout),
    /// AuthFlowCancelled (cancelled), AuthenticationError/TokenError with the provider's answer
    /// (provider_error, e.g. access_denied) or a check's code (invalid_state is impossible
    /// here: foreign states never end the wait; bad_iss_param, missing_code, the ID-token
    /// codes), TransportError (port_in_use for a taken fixed port; no answer from the
    /// provider), StoreError from the save, ConfigError from the provider's configuration, and
    /// Error (invalid_argument) when a flow is already running.
    LoginResult login_native(const ShowWindow& show_window = {},
                             const CloseWindow& close_window = {},
                             const WindowConfig& window_config = {});

    /// login_native in pywry.auth's shape: AuthFlowResult with success, the tokens and the user
    /// information (the userinfo answer with the validated `sub`, and `email`, `name` when
    /// known). Throws as login_native.
    AuthFlowResult run_native(const ShowWindow& show_window = {},
                              const CloseWindow& close_window = {},
                              const WindowConfig& window_config = {});
#endif

    /// The device authorization grant (RFC 8628) for machines without a browser: shows the user
    /// code and verification URI (AuthFlowOptions::on_device_code), polls the token endpoint
    /// until the user approved (every `interval`, 5 s more after each slow_down, §3.5), then
    /// validates, identifies and saves as login_native. Waits as long as the device code lives,
    /// or device_timeout when that is shorter. Throws ConfigError (config_missing) when the
    /// provider has no device authorization endpoint, AuthFlowTimeout (auth_timeout: the codes
    /// expired or device_timeout passed), AuthFlowCancelled, TokenExpiredError (token_expired:
    /// the provider said expired_token), TokenError (provider_error with the provider's
    /// access_denied when the user refused), and as login_native.
    LoginResult login_device();
    /// login_device in pywry.auth's shape. Throws as login_device.
    AuthFlowResult run_device();

    /// The login URL of deploy mode: `base_url` (without a trailing '/') + `prefix`
    /// + "/login", e.g. "/auth/login" for an empty base. Throws ConfigError (invalid_argument)
    /// for a prefix that does not start with '/' or ends with one.
    static std::string run_deploy(std::string_view base_url = {},
                                  std::string_view prefix = "/auth");

#if AUTHFLOW_WITH_HTTPLIB
    /// The unified entry with the mode given explicitly: `native` runs run_native;
    /// `deploy` returns, without raising, an unsuccessful result whose error says to navigate to
    /// run_deploy(base_url). Throws as run_native.
    AuthFlowResult authenticate(AuthMode mode, const ShowWindow& show_window = {},
                                const CloseWindow& close_window = {},
                                const WindowConfig& window_config = {},
                                std::string_view base_url = {});
#endif

    /// Cancels the running flow from any thread: a waiting flow ends with AuthFlowCancelled at
    /// once (the listening socket is closed), a flow in its code exchange ends with it when the
    /// exchange returns, and nothing is stored. No effect when no flow is running or when the
    /// flow has already begun to save its tokens (a cancel before a flow starts does
    /// not carry over to it).
    void cancel();

private:
    struct Flow;
    std::shared_ptr<Flow> begin_flow();
    void finish_flow(const std::shared_ptr<Flow>& flow, AuthFlowState state);
    /// Throws AuthFlowCancelled if the flow was cancelled; otherwise marks it as saving, after
    /// which cancel() has no effect.
    void commit_flow(const std::shared_ptr<Flow>& flow);
    void save(const LoginResult& result);
    template <typename Body> LoginResult run_flow(Body&& body);

    std::shared_ptr<OAuthProvider> provider_;
    std::shared_ptr<SessionManager> session_;
    AuthFlowOptions options_;
    std::shared_ptr<Clock> clock_;

    mutable std::mutex mutex_; // guards the members below; never held across I/O or callbacks
    AuthFlowState state_ = AuthFlowState::pending;
    std::string flow_id_;
    std::shared_ptr<Flow> flow_; // the running flow, or null
};

/// The user information of a LoginResult as pywry.auth's AuthFlowResult carried it: the userinfo
/// answer, with the validated subject as `sub` (it wins over userinfo's, which the provider
/// already checked to be equal) and `email`, `email_verified`, `name` filled in from the
/// identity when userinfo lacks them.
nlohmann::json user_info_of(const UserIdentity& identity);

} // namespace authflow
