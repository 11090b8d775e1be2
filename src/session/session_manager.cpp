#include "session_state.hpp"

#include <authflow/session/session_manager.hpp>

#include <utility>

namespace authflow {

using namespace session_detail;

// --- SessionManager --------------------------------------------------------------------------

SessionManager::SessionManager(std::shared_ptr<OAuthProvider> provider,
                               std::shared_ptr<TokenStore> store, SessionManagerOptions options) {
    if (!provider) {
        throw ConfigError(errc::invalid_argument, "session manager: no provider");
    }
    if (!store) {
        throw ConfigError(errc::invalid_argument, "session manager: no token store");
    }
    scheduler_ = checked_scheduler(options);
    // Only the manager owns the scheduler: a task on a worker thread can hold the background
    // refresh for a moment after the manager is gone, and must not end the scheduler from there.
    options.scheduler.reset();
    state_ = std::make_shared<State>(std::move(provider), std::move(store), std::move(options),
                                     scheduler_.get());
}

SessionManager::~SessionManager() {
    state_->close();
}

std::optional<OAuthTokenSet> SessionManager::initialize() {
    return state_->initialize();
}

void SessionManager::save_tokens(const OAuthTokenSet& tokens) {
    state_->save_tokens(tokens);
}

std::string SessionManager::get_access_token() {
    return state_->access_token(std::chrono::seconds{0});
}

std::string SessionManager::get_access_token(std::chrono::seconds min_ttl) {
    return state_->access_token(std::clamp(min_ttl, std::chrono::seconds{0}, max_time_left));
}
OAuthTokenSet SessionManager::get_tokens(std::chrono::seconds min_ttl) {
    return state_->tokens(std::clamp(min_ttl, std::chrono::seconds{0}, max_time_left));
}

HttpHeaders SessionManager::authorization_headers(std::string_view method, std::string_view url,
                                                  std::string_view dpop_nonce) {
    return resource_authorization_headers(get_tokens(), method, url, state_->clock(), dpop_nonce);
}

nlohmann::json SessionManager::get_userinfo() {
    return state_->provider().get_userinfo(get_tokens());
}

OAuthTokenSet SessionManager::refresh() {
    return state_->refresh();
}

OAuthTokenSet SessionManager::narrowed_tokens(const TokenNarrowing& narrowing) {
    return state_->narrowed_tokens(narrowing);
}

LogoutResult SessionManager::logout() {
    return state_->logout();
}

std::optional<OAuthTokenSet> SessionManager::current_tokens() const {
    return state_->current_tokens();
}

const std::string& SessionManager::session_key() const noexcept {
    return state_->key();
}

const std::string& SessionManager::lease_name() const noexcept {
    return state_->lease_name();
}

SessionStats SessionManager::stats() const {
    return state_->stats();
}

} // namespace authflow
