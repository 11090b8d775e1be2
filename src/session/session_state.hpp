#pragma once
// SessionManager::State: everything a SessionManager is (the published snapshot, the flight in
// this process, the re-authentication episode, the counters). The facade is
// session_manager.cpp; what a refresh decided is carried out in refresh_outcome.cpp.
#include "background_refresh.hpp"
#include "closable_wait.hpp"
#include "narrowed_tokens.hpp"
#include "refresh_decision.hpp"
#include "refresh_lease.hpp"
#include "refresh_policy.hpp"
#include "refresh_run.hpp"
#include "session_callbacks.hpp"
#include "session_options.hpp"
#include "session_snapshot.hpp"
#include "sign_out.hpp"
#include "single_flight.hpp"
#include "snapshot_cell.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/providers/resource_request.hpp>
#include <authflow/session/session_manager.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace authflow {

// A private header of the session layer, included by its two implementation files only.
using namespace session_detail;

/// Everything a SessionManager is: the published snapshot, the flight in this process, the
/// re-authentication episode and the counters; the refresh itself is run_refresh's.
class SessionManager::State {
public:
    State(std::shared_ptr<OAuthProvider> provider, std::shared_ptr<TokenStore> store,
          SessionManagerOptions options, RefreshScheduler* scheduler)
        : provider_(std::move(provider)), store_(std::move(store)), options_(std::move(options)),
          clock_(clock_or_system(options_.clock)), rules_{std::chrono::seconds{
                                                              options_.refresh_buffer_seconds},
                                                          options_.retry,
                                                          options_.lease_poll_interval},
          lease_name_(RefreshLease::name_for(options_.session_key)),
          single_flight_(!options_.testing_disable_single_flight),
          services_{*store_,
                    *provider_,
                    *clock_,
                    rules_,
                    options_.session_key,
                    lease_name_,
                    options_.lease_ttl,
                    single_flight_,
                    !options_.testing_disable_lease_renewal,
                    [this](std::chrono::milliseconds delay) { wait_for(delay); },
                    [this] {
                        std::lock_guard lock(mutex_);
                        return refused_;
                    },
                    [this] {
                        std::lock_guard lock(mutex_);
                        ++stats_.refresh_failures;
                    }} {
        if (options_.background_refresh && scheduler != nullptr) {
            background_ = std::make_shared<BackgroundRefresh>(
                *scheduler, clock_, [this](BackgroundRefresh::Ticket ticket) { tick(ticket); });
        }
    }

    const std::string& key() const noexcept { return options_.session_key; }
    const std::string& lease_name() const noexcept { return lease_name_; }

    // --- the hot path --------------------------------------------------------------------

    std::string access_token(std::chrono::seconds min_left) {
        if (const Snapshot* snapshot = cell_.read()) {
            if (snapshot->serves(wall_now(*clock_), min_left)) {
                return snapshot->tokens.access_token;
            }
        }
        return fresh_snapshot(min_left)->tokens.access_token;
    }

    OAuthTokenSet tokens(std::chrono::seconds min_left) {
        if (const Snapshot* snapshot = cell_.read()) {
            if (snapshot->serves(wall_now(*clock_), min_left)) {
                return snapshot->tokens;
            }
        }
        return fresh_snapshot(min_left)->tokens;
    }

    const Clock& clock() const noexcept { return *clock_; }
    OAuthProvider& provider() const noexcept { return *provider_; }

    /// A snapshot valid for `min_left`, refreshed (single-flight) when needed.
    std::shared_ptr<const Snapshot> fresh_snapshot(std::chrono::seconds min_left) {
        auto snapshot = obtain(Request{false, min_left});
        const WallTime now = wall_now(*clock_);
        if (!is_before(now + min_left, snapshot->expires_at)) {
            if (is_before(now, snapshot->expires_at)) {
                throw TokenExpiredError(errc::token_expired,
                                        "the provider's access tokens live less than the "
                                        "requested minimum time");
            }
            throw TokenExpiredError(errc::token_expired, "the access token has expired");
        }
        return snapshot;
    }

    // --- pywry.auth's operations -----------------------------------------------------------

    std::optional<OAuthTokenSet> initialize() {
        auto stored = store_->load(key());
        if (!stored) {
            return std::nullopt;
        }
        if (is_valid_for(*stored, wall_now(*clock_), std::chrono::seconds{0})) {
            // Still valid: cache it; when it is already due, the scheduler and the next
            // get_access_token refresh it.
            publish(*stored, current_epoch(), Publish::loaded);
            return stored;
        }
        try {
            return obtain(Request{})->tokens;
        } catch (const TokenError& e) {
            log(LogLevel::warning, "session '" + key() +
                                       "': the stored tokens have expired and could not be "
                                       "refreshed: " +
                                       e.what());
            return std::nullopt;
        }
    }

    void save_tokens(const OAuthTokenSet& tokens) {
        store_->save(key(), tokens);
        std::uint64_t epoch = 0;
        {
            std::lock_guard lock(mutex_);
            // A refresh still in flight must not replace these tokens in memory.
            epoch = ++epoch_;
        }
        publish(tokens, epoch, Publish::saved);
        notify_changed(options_, tokens);
    }

    OAuthTokenSet refresh() { return obtain(Request{true, std::chrono::seconds{0}})->tokens; }

    LogoutResult logout() {
        if (background_) {
            background_->cancel();
        }
        {
            std::lock_guard lock(mutex_);
            ++epoch_; // results of refreshes in flight are no longer published
        }
        // Take the refresh lease, so that no refresh in any process is between its token
        // request and its save: it could otherwise store tokens that were never revoked.
        RefreshLease lease(*store_, lease_name_, options_.lease_ttl, single_flight_, *clock_);
        const auto deadline =
            clock_->steady_now() + options_.lease_ttl + options_.lease_poll_interval;
        if (!lease.take_by(deadline, *clock_, [&] { wait_for(options_.lease_poll_interval); })) {
            log(LogLevel::warning,
                "session '" + key() + "': logging out without the refresh lease");
        }
        std::optional<OAuthTokenSet> cached;
        if (auto snapshot = cell_.load()) {
            cached = snapshot->tokens;
        }
        LogoutResult result = revoke_and_remove(*store_, *provider_, key(), cached);
        {
            std::lock_guard lock(mutex_);
            ++epoch_;
            cell_.store(nullptr);
            failures_ = 0;
            refused_.reset();
        }
        return result;
    }

    OAuthTokenSet narrowed_tokens(const TokenNarrowing& narrowing) {
        const std::uint64_t epoch = current_epoch();
        NarrowedTokens result = refresh_narrowed(
            {*store_, *provider_, *clock_, key(), lease_name_, options_.lease_ttl,
             options_.lease_poll_interval, [this](std::chrono::milliseconds d) { wait_for(d); }},
            narrowing);
        if (result.stored) {
            // The rotated refresh token is the session's now.
            publish(*result.stored, epoch, Publish::saved);
            notify_changed(options_, *result.stored);
        }
        // After the rotated refresh token is kept: a refused narrowing must not lose the grant.
        check_narrowed_audience(token_audiences(*provider_, result.narrowed.access_token),
                                narrowing);
        return std::move(result.narrowed);
    }

    std::optional<OAuthTokenSet> current_tokens() const {
        if (auto snapshot = cell_.load()) {
            return snapshot->tokens;
        }
        return std::nullopt;
    }

    SessionStats stats() const {
        std::lock_guard lock(mutex_);
        return stats_;
    }

    /// Stops background work for good: no task runs and no callback is made afterwards.
    void close() {
        if (background_) {
            background_->stop();
        }
        waits_.close();
        if (background_) {
            background_->wait_idle();
        }
    }

private:
    /// What a caller asks of a flight.
    struct Request {
        bool force = false;               ///< refresh() rather than get_access_token()
        std::chrono::seconds min_left{0}; ///< the token must stay valid this long
    };

    enum class Publish {
        loaded,    ///< read from the store, as it was
        refreshed, ///< new tokens from the provider, by this process
        adopted,   ///< tokens another process stored
        saved,     ///< save_tokens
        deferred,  ///< the same tokens, with a later next attempt (after a transient failure)
    };

    std::uint64_t current_epoch() const {
        std::lock_guard lock(mutex_);
        return epoch_;
    }

    // --- single flight in the process ------------------------------------------------------

    std::shared_ptr<const Snapshot> obtain(const Request& request) {
        Notes notes; // filled when this caller leads the flight
        std::shared_ptr<const Snapshot> result;
        try {
            if (!single_flight_) {
                result = lead(request, notes);
            } else {
                result = flights_.run(
                    request,
                    [&]() -> std::shared_ptr<const Snapshot> {
                        // Another caller may have finished a refresh while this one waited.
                        auto snapshot = request.force ? nullptr : cell_.load();
                        if (snapshot && snapshot->serves(wall_now(*clock_), request.min_left)) {
                            return snapshot;
                        }
                        return nullptr;
                    },
                    [](const Request& theirs, const Request& mine) {
                        return mine.force ? theirs.force
                                          : (theirs.force || theirs.min_left >= mine.min_left);
                    },
                    [&](const Request& mine) { return lead(mine, notes); });
            }
        } catch (...) {
            deliver(options_, notes);
            throw;
        }
        deliver(options_, notes);
        return result;
    }

    // --- the refresh: what run_refresh decided, told to the program ---------------------------

    /// The flight itself: runs the refresh and publishes its tokens, or throws its error.
    std::shared_ptr<const Snapshot> lead(const Request& request, Notes& notes);

    std::shared_ptr<const Snapshot> use(const Decision& decision, std::uint64_t epoch,
                                        Notes& notes);

    /// A new sign-in is needed: the episode begins (on_reauth_required, once) and the error is
    /// thrown.
    [[noreturn]] void reauthenticate(const Decision& decision, const RefreshFacts& facts,
                                     std::uint64_t epoch, Notes& notes);

    [[noreturn]] void not_signed_in(std::uint64_t epoch, Notes& notes);

    void begin_reauth_episode(Notes& notes);

    /// How long to wait before the next refresh attempt after consecutive failures.
    std::chrono::milliseconds
    next_retry_delay(std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

    std::shared_ptr<const Snapshot> defer(const OAuthTokenSet& tokens, std::uint64_t epoch,
                                          std::chrono::milliseconds delay);

    std::shared_ptr<const Snapshot> publish(const OAuthTokenSet& tokens, std::uint64_t epoch,
                                            Publish how,
                                            const std::optional<OAuthTokenSet>* replacing = nullptr,
                                            Notes* notes = nullptr);

    std::shared_ptr<const Snapshot> install(std::shared_ptr<Snapshot> snapshot, std::uint64_t epoch,
                                            Publish how);

    // --- background refresh ----------------------------------------------------------------

    /// Runs on a scheduler worker when the background refresh is due.
    void tick(BackgroundRefresh::Ticket ticket) {
        auto snapshot = cell_.load();
        if (!snapshot) {
            return; // signed out
        }
        if (snapshot->serves(wall_now(*clock_), std::chrono::seconds{0})) {
            // Not due yet (the clock was adjusted): try again later.
            background_->schedule_if_current(ticket, *snapshot);
            return;
        }
        try {
            obtain(Request{});
            return; // publishing scheduled the next refresh
        } catch (...) {
            if (!BackgroundRefresh::is_worth_retrying(std::current_exception(), key())) {
                return;
            }
        }
        int failures = 0;
        {
            std::lock_guard lock(mutex_);
            failures = ++failures_;
        }
        background_->retry(failures);
    }

    // --- waiting -----------------------------------------------------------------------------

    /// Waits on the clock; throws Error (cancelled) when the manager closes meanwhile.
    void wait_for(std::chrono::milliseconds delay) {
        if (!waits_.wait_for(*clock_, delay)) {
            throw Error(errc::cancelled, "session '" + key() + "' is closing");
        }
    }

    const std::shared_ptr<OAuthProvider> provider_;
    const std::shared_ptr<TokenStore> store_;
    const SessionManagerOptions options_;
    std::shared_ptr<Clock> clock_;
    const RefreshRules rules_;
    const std::string lease_name_;
    const bool single_flight_;
    const RefreshServices services_;
    std::shared_ptr<BackgroundRefresh> background_; ///< null: no background refresh

    SnapshotCell<Snapshot> cell_;
    SingleFlight<Request, Snapshot> flights_;

    mutable std::mutex mutex_;
    std::uint64_t epoch_ = 0;
    bool reauth_episode_ = false;
    int failures_ = 0; ///< consecutive failed refreshes (the backoff of the next attempt)
    std::optional<RefusedGrant> refused_;
    SessionStats stats_;

    ClosableWait waits_;
};

} // namespace authflow
