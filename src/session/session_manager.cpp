#include "refresh_policy.hpp"
#include "snapshot_cell.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/session/session_manager.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <utility>

namespace authflow {

using session_detail::backoff_delay;
using session_detail::classify_refresh_failure;
using session_detail::Failure;
using session_detail::FailureKind;
using session_detail::random_unit;

namespace {

constexpr double never = std::numeric_limits<double>::infinity();

// A background refresh is never scheduled sooner than this after the previous decision, so a
// provider that issues tokens of a second or less cannot make the scheduler spin (seed §13
// item 28: expires_in <= buffer made a refresh every second).
constexpr std::chrono::seconds min_background_delay{5};
// Background retries after a failed refresh grow from min_background_delay up to this.
constexpr std::chrono::minutes max_background_delay{5};
// The longest wait scheduled at once. A stored record may put the refresh centuries away, past
// the range of the scheduler's nanoseconds; a tick that finds nothing due schedules again.
constexpr std::chrono::hours max_scheduled_delay{24};

/// The tokens every reader sees, and when they are due.
struct Snapshot {
    OAuthTokenSet tokens;
    double refresh_at = never; ///< Unix seconds; the next refresh attempt
    double expires_at = never; ///< Unix seconds
};

bool same_tokens(const OAuthTokenSet& a, const OAuthTokenSet& b) {
    return constant_time_equal(a.access_token, b.access_token);
}

double expiry_of(const OAuthTokenSet& tokens) {
    return tokens.expires_at().value_or(never);
}

std::string hash_of(std::string_view secret) {
    return to_hex(sha256(secret));
}

std::string lease_name_for(const std::string& key) {
    // Lease names are separate from record keys; the prefix keeps them apart from other leases.
    constexpr std::string_view prefix = "session-refresh:";
    if (key.size() + prefix.size() <= 512) {
        return std::string{prefix} + key;
    }
    return std::string{prefix} + hash_of(key);
}

double seconds_of(std::chrono::milliseconds delay) {
    return static_cast<double>(delay.count()) / 1000.0;
}

} // namespace

std::optional<double> refresh_due_at(const OAuthTokenSet& tokens, std::chrono::seconds buffer) {
    if (!tokens.expires_in) {
        return std::nullopt;
    }
    const double lifetime = static_cast<double>(*tokens.expires_in);
    const double margin =
        std::min(static_cast<double>(std::max<std::int64_t>(0, buffer.count())), lifetime / 2.0);
    return tokens.issued_at + lifetime - margin;
}

/// Everything a SessionManager is; scheduled tasks hold it weakly.
class SessionManager::State : public std::enable_shared_from_this<SessionManager::State> {
public:
    State(std::shared_ptr<OAuthProvider> provider, std::shared_ptr<TokenStore> store,
          SessionManagerOptions options, RefreshScheduler* scheduler)
        : provider_(std::move(provider)), store_(std::move(store)), options_(std::move(options)),
          clock_(options_.clock != nullptr ? *options_.clock : system_clock()),
          scheduler_(options_.background_refresh ? scheduler : nullptr),
          buffer_(std::chrono::seconds{options_.refresh_buffer_seconds}),
          lease_name_(lease_name_for(options_.session_key)),
          single_flight_(!options_.testing_disable_single_flight) {}

    const std::string& key() const noexcept { return options_.session_key; }
    const std::string& lease_name() const noexcept { return lease_name_; }

    // --- the hot path --------------------------------------------------------------------

    std::string access_token(double min_left) {
        if (const Snapshot* snapshot = cell_.read()) {
            const double now = clock_.unix_seconds();
            if (now < snapshot->refresh_at && now + min_left < snapshot->expires_at) {
                return snapshot->tokens.access_token;
            }
        }
        auto snapshot = obtain(false, min_left);
        const double now = clock_.unix_seconds();
        if (!(now + min_left < snapshot->expires_at)) {
            if (now < snapshot->expires_at) {
                throw TokenExpiredError(errc::token_expired,
                                        "the provider's access tokens live less than the "
                                        "requested minimum time");
            }
            throw TokenExpiredError(errc::token_expired, "the access token has expired");
        }
        return snapshot->tokens.access_token;
    }

    // --- the seed's operations -----------------------------------------------------------

    std::optional<OAuthTokenSet> initialize() {
        auto stored = store_->load(key());
        if (!stored) {
            return std::nullopt;
        }
        const double now = clock_.unix_seconds();
        if (now < expiry_of(*stored)) {
            // Still valid: cache it; when it is already due, the scheduler and the next
            // get_access_token refresh it.
            publish(*stored, current_epoch(), Publish::loaded);
            return stored;
        }
        try {
            return obtain(false, 0)->tokens;
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
        notify_changed(tokens);
    }

    OAuthTokenSet refresh() { return obtain(true, 0)->tokens; }

    LogoutResult logout() {
        RefreshScheduler::TaskId pending = 0;
        {
            std::lock_guard lock(mutex_);
            ++epoch_; // results of refreshes in flight are no longer published
            ++ticket_;
            pending = std::exchange(task_id_, 0);
        }
        if (pending != 0) {
            scheduler_->cancel(pending);
        }
        // Take the refresh lease, so that no refresh in any process is between its token
        // request and its save: it could otherwise store tokens that were never revoked.
        std::unique_ptr<Lease> lease;
        if (single_flight_) {
            const auto deadline =
                clock_.steady_now() + options_.lease_ttl + options_.lease_poll_interval;
            while (!(lease = store_->try_acquire(lease_name_, options_.lease_ttl))) {
                if (clock_.steady_now() >= deadline) {
                    log(LogLevel::warning,
                        "session '" + key() + "': logging out without the refresh lease");
                    break;
                }
                wait_for(options_.lease_poll_interval);
            }
        }
        std::vector<OAuthTokenSet> to_revoke;
        std::optional<OAuthTokenSet> stored;
        try {
            stored = store_->load(key());
        } catch (const StoreError& e) {
            log(LogLevel::warning,
                "session '" + key() +
                    "': the stored tokens cannot be read; removing them: " + e.what());
        }
        if (stored) {
            to_revoke.push_back(*stored);
        }
        if (auto cached = cell_.load();
            cached && (!stored || !same_tokens(cached->tokens, *stored))) {
            to_revoke.push_back(cached->tokens);
        }
        LogoutResult result;
        for (const auto& tokens : to_revoke) {
            try {
                // RFC 7009 §2.1: the refresh token first, which may end the whole grant.
                const RevocationResult revoked = provider_->revoke_tokens(tokens);
                result.revoked.refresh_token_revoked |= revoked.refresh_token_revoked;
                result.revoked.access_token_revoked |= revoked.access_token_revoked;
            } catch (const std::exception& e) {
                log(LogLevel::warning,
                    "session '" + key() + "': revocation failed (continuing): " + e.what());
            }
        }
        const bool removed = store_->remove(key());
        {
            std::lock_guard lock(mutex_);
            ++epoch_;
            cell_.store(nullptr);
            failures_ = 0;
            failed_refresh_hash_.clear();
        }
        result.had_tokens = removed || !to_revoke.empty();
        return result;
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
        RefreshScheduler::TaskId pending = 0;
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
            ++ticket_;
            pending = std::exchange(task_id_, 0);
        }
        if (pending != 0) {
            scheduler_->cancel(pending);
        }
        {
            std::lock_guard lock(wait_mutex_);
            wait_cancelled_ = true;
        }
        wait_cv_.notify_all();
        std::unique_lock lock(mutex_);
        tasks_cv_.wait(lock, [this] { return active_tasks_ == 0; });
    }

private:
    /// One refresh (or store read) in progress in this process; the others wait for it.
    struct Flight {
        bool force = false;
        double min_left = 0;
        bool done = false;
        std::shared_ptr<const Snapshot> result;
        std::exception_ptr error;
    };

    /// What a flight has to tell the program once it is over (callbacks run without locks).
    struct Notes {
        std::optional<OAuthTokenSet> changed;
        bool reauth = false;
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

    bool satisfies(const Snapshot* snapshot, double min_left) const {
        if (snapshot == nullptr) {
            return false;
        }
        const double now = clock_.unix_seconds();
        return now < snapshot->refresh_at && now + min_left < snapshot->expires_at;
    }

    /// Whether stored tokens can be used as they are, with no refresh: fresh enough (or, for
    /// a forced refresh, different from the ones being replaced and still valid).
    bool usable(const OAuthTokenSet& stored, bool force,
                const std::optional<OAuthTokenSet>& replacing, double min_left) const {
        const double now = clock_.unix_seconds();
        if (!(now + min_left < expiry_of(stored))) {
            return false;
        }
        if (force) {
            return replacing && !same_tokens(stored, *replacing);
        }
        return now < refresh_due_at(stored, buffer_).value_or(never);
    }

    std::shared_ptr<const Snapshot> obtain(bool force, double min_left) {
        if (!single_flight_) {
            Notes notes;
            std::shared_ptr<const Snapshot> result;
            std::exception_ptr error;
            try {
                result = lead(force, min_left, current_epoch(), notes);
            } catch (...) {
                error = std::current_exception();
            }
            deliver(notes);
            if (error) {
                std::rethrow_exception(error);
            }
            return result;
        }
        std::unique_lock lock(mutex_);
        while (true) {
            if (!force) {
                // Another caller may have finished a refresh while this one waited for the lock.
                auto snapshot = cell_.load();
                if (satisfies(snapshot.get(), min_left)) {
                    return snapshot;
                }
            }
            if (!flight_) {
                break;
            }
            auto flight = flight_;
            const bool join =
                force ? flight->force : (flight->force || flight->min_left >= min_left);
            flight_cv_.wait(lock, [&] { return flight->done; });
            if (join) {
                if (flight->error) {
                    rethrow_copy(flight->error);
                }
                return flight->result;
            }
        }
        auto flight = std::make_shared<Flight>();
        flight->force = force;
        flight->min_left = min_left;
        flight_ = flight;
        const std::uint64_t epoch = epoch_;
        lock.unlock();

        Notes notes;
        try {
            flight->result = lead(force, min_left, epoch, notes);
        } catch (...) {
            flight->error = std::current_exception();
        }
        lock.lock();
        flight->done = true;
        flight_.reset();
        flight_cv_.notify_all();
        lock.unlock();

        deliver(notes);
        if (flight->error) {
            rethrow_copy(flight->error);
        }
        return flight->result;
    }

    /// The flight itself: read the store, and refresh under the lease when needed.
    std::shared_ptr<const Snapshot> lead(bool force, double min_left, std::uint64_t epoch,
                                         Notes& notes) {
        const auto cached = cell_.load();
        std::optional<OAuthTokenSet> replacing;
        if (cached) {
            replacing = cached->tokens;
        }
        try {
            return lead_loop(force, min_left, epoch, notes, replacing);
        } catch (const StoreError& e) {
            // The store is down; the cached token still serves while it is valid.
            const double now = clock_.unix_seconds();
            if (!force && cached && now + min_left < cached->expires_at) {
                log(LogLevel::warning,
                    "session '" + key() +
                        "': using the cached token; the store failed: " + e.what());
                return defer(cached->tokens, epoch, next_retry_delay());
            }
            throw;
        }
    }

    std::shared_ptr<const Snapshot> lead_loop(bool force, double min_left, std::uint64_t epoch,
                                              Notes& notes,
                                              std::optional<OAuthTokenSet> replacing) {
        int attempt = 0;
        const auto lease_deadline = clock_.steady_now() + 2 * options_.lease_ttl;
        while (true) {
            auto stored = store_->load(key());
            if (!stored) {
                not_signed_in(epoch, notes);
            }
            if (force && !replacing) {
                replacing = *stored; // nothing cached: refresh what is stored now
            }
            if (usable(*stored, force, replacing, min_left)) {
                return publish(*stored, epoch, Publish::adopted, &replacing, &notes);
            }
            std::unique_ptr<Lease> lease;
            if (single_flight_) {
                lease = store_->try_acquire(lease_name_, options_.lease_ttl);
                if (!lease) {
                    // Another process is refreshing. While the token still works, use it and
                    // look again shortly; once it has expired, wait for what that process stores.
                    if (!force && clock_.unix_seconds() + min_left < expiry_of(*stored)) {
                        return defer(*stored, epoch, options_.lease_poll_interval);
                    }
                    if (clock_.steady_now() >= lease_deadline) {
                        throw TokenRefreshError(errc::refresh_failed,
                                                "another process has held the refresh lease of "
                                                "session '" +
                                                    key() + "' for too long");
                    }
                    wait_for(options_.lease_poll_interval);
                    continue;
                }
                // Under the lease: what is stored now is the latest; another process may have
                // refreshed between the read above and the lease.
                stored = store_->load(key());
                if (!stored) {
                    lease.reset();
                    not_signed_in(epoch, notes);
                }
                if (usable(*stored, force, replacing, min_left)) {
                    lease.reset();
                    return publish(*stored, epoch, Publish::adopted, &replacing, &notes);
                }
            }
            if (!stored->refresh_token || stored->refresh_token->empty()) {
                lease.reset();
                reauth(notes, Failure{FailureKind::reauth,
                                      errc::reauth_required,
                                      {},
                                      "there is no refresh token",
                                      std::nullopt});
            }
            {
                std::unique_lock lock(mutex_);
                if (!failed_refresh_hash_.empty() &&
                    constant_time_equal(failed_refresh_hash_, hash_of(*stored->refresh_token))) {
                    // The provider already refused this refresh token: do not ask again.
                    Failure failure = failed_refresh_;
                    lock.unlock();
                    lease.reset();
                    reauth(notes, failure);
                }
            }

            OAuthTokenSet fresh;
            try {
                fresh = provider_->refresh_tokens(*stored);
            } catch (...) {
                Failure failure = classify_refresh_failure(std::current_exception(), clock_.now());
                {
                    std::lock_guard lock(mutex_);
                    ++stats_.refresh_failures;
                }
                if (failure.kind == FailureKind::reauth) {
                    // Another process may have rotated the refresh token already (its lease
                    // expired, or it refreshed without one): what it stored is good.
                    std::optional<OAuthTokenSet> again;
                    try {
                        again = store_->load(key());
                    } catch (const StoreError&) {
                    }
                    lease.reset();
                    if (again && !same_tokens(*again, *stored) &&
                        clock_.unix_seconds() + min_left < expiry_of(*again)) {
                        const std::optional<OAuthTokenSet> tried = *stored;
                        return publish(*again, epoch, Publish::adopted, &tried, &notes);
                    }
                    {
                        std::lock_guard lock(mutex_);
                        failed_refresh_hash_ = hash_of(*stored->refresh_token);
                        failed_refresh_ = failure;
                    }
                    reauth(notes, failure);
                }
                lease.reset();
                if (failure.kind == FailureKind::failed) {
                    throw TokenRefreshError(errc::refresh_failed,
                                            "token refresh failed: " + failure.message,
                                            failure.answer);
                }
                // Transient. Stored tokens stay as they are.
                ++attempt;
                auto delay = backoff_delay(options_.retry, attempt, random_unit());
                if (failure.retry_after) {
                    delay = std::max(delay, *failure.retry_after);
                }
                const double now = clock_.unix_seconds();
                if (!force && now + min_left < expiry_of(*stored)) {
                    // The token still works: use it, and try again after a pause.
                    log(LogLevel::warning, "session '" + key() +
                                               "': refresh failed, the current token is still "
                                               "valid; retrying later: " +
                                               failure.message);
                    return defer(*stored, epoch, next_retry_delay(failure.retry_after));
                }
                const bool too_long =
                    failure.retry_after && *failure.retry_after > options_.retry.max_retry_after;
                if (attempt >= options_.retry.max_attempts || too_long) {
                    throw TokenRefreshError(errc::refresh_failed,
                                            "token refresh failed after " +
                                                std::to_string(attempt) +
                                                " attempt(s): " + failure.message,
                                            failure.answer);
                }
                log(LogLevel::warning, "session '" + key() + "': refresh failed, retrying in " +
                                           std::to_string(delay.count()) +
                                           " ms: " + failure.message);
                wait_for(delay);
                continue;
            }
            try {
                store_->save(key(), fresh);
            } catch (const StoreError& e) {
                // The new tokens work; without them in the store other processes will need a
                // new sign-in, but this one carries on.
                log(LogLevel::error,
                    "session '" + key() + "': refreshed tokens could not be stored: " + e.what());
            }
            lease.reset();
            {
                std::lock_guard lock(mutex_);
                ++stats_.refreshes;
            }
            return publish(fresh, epoch, Publish::refreshed, &replacing, &notes);
        }
    }

    [[noreturn]] void not_signed_in(std::uint64_t epoch, Notes& notes) {
        {
            std::lock_guard lock(mutex_);
            if (epoch == epoch_) {
                cell_.store(nullptr); // removed elsewhere (a logout in another process)
            }
        }
        begin_reauth_episode(notes);
        throw TokenExpiredError(errc::token_missing,
                                "no tokens are stored for session '" + key() + "': sign in");
    }

    [[noreturn]] void reauth(Notes& notes, const Failure& failure) {
        begin_reauth_episode(notes);
        throw TokenRefreshError(errc::reauth_required, "sign-in needed again: " + failure.message,
                                failure.answer);
    }

    void begin_reauth_episode(Notes& notes) {
        std::lock_guard lock(mutex_);
        if (!reauth_episode_) {
            reauth_episode_ = true;
            notes.reauth = true;
            if (options_.on_reauth_required) {
                ++stats_.reauth_notifications;
            }
        }
    }

    /// How long to wait before the next refresh attempt after consecutive failures.
    std::chrono::milliseconds
    next_retry_delay(std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
        int failures = 0;
        {
            std::lock_guard lock(mutex_);
            failures = ++failures_;
        }
        auto delay = backoff_delay(options_.retry, failures, random_unit());
        if (retry_after) {
            delay = std::max(delay, *retry_after);
        }
        return delay;
    }

    std::shared_ptr<const Snapshot> defer(const OAuthTokenSet& tokens, std::uint64_t epoch,
                                          std::chrono::milliseconds delay) {
        auto snapshot = std::make_shared<Snapshot>();
        snapshot->tokens = tokens;
        snapshot->expires_at = expiry_of(tokens);
        snapshot->refresh_at =
            std::min(snapshot->expires_at, clock_.unix_seconds() + seconds_of(delay));
        return install(std::move(snapshot), epoch, Publish::deferred);
    }

    std::shared_ptr<const Snapshot> publish(const OAuthTokenSet& tokens, std::uint64_t epoch,
                                            Publish how,
                                            const std::optional<OAuthTokenSet>* replacing = nullptr,
                                            Notes* notes = nullptr) {
        auto snapshot = std::make_shared<Snapshot>();
        snapshot->tokens = tokens;
        snapshot->expires_at = expiry_of(tokens);
        snapshot->refresh_at = refresh_due_at(tokens, buffer_).value_or(never);
        const bool is_new =
            how == Publish::refreshed ||
            (replacing != nullptr && replacing->has_value() && !same_tokens(tokens, **replacing));
        if (how == Publish::adopted && is_new) {
            std::lock_guard lock(mutex_);
            ++stats_.adopted;
        }
        if (notes != nullptr && is_new) {
            notes->changed = tokens;
        }
        return install(std::move(snapshot), epoch, how);
    }

    std::shared_ptr<const Snapshot> install(std::shared_ptr<Snapshot> snapshot, std::uint64_t epoch,
                                            Publish how) {
        std::lock_guard lock(mutex_);
        if (epoch != epoch_) {
            // Logged out or replaced by save_tokens while this flight ran: what is current wins.
            if (auto current = cell_.load()) {
                return current;
            }
            throw TokenExpiredError(errc::token_missing,
                                    "session '" + key() + "' was signed out during the refresh");
        }
        if (how != Publish::deferred) {
            failures_ = 0;
            reauth_episode_ = false;
            failed_refresh_hash_.clear();
        }
        std::shared_ptr<const Snapshot> result = snapshot;
        cell_.store(result);
        schedule_locked(*result);
        return result;
    }

    void deliver(const Notes& notes) {
        if (notes.reauth && options_.on_reauth_required) {
            try {
                options_.on_reauth_required();
            } catch (const std::exception& e) {
                log(LogLevel::error, std::string{"on_reauth_required threw: "} + e.what());
            }
        }
        if (notes.changed) {
            notify_changed(*notes.changed);
        }
    }

    void notify_changed(const OAuthTokenSet& tokens) {
        if (!options_.on_tokens_changed) {
            return;
        }
        try {
            options_.on_tokens_changed(tokens);
        } catch (const std::exception& e) {
            log(LogLevel::error, std::string{"on_tokens_changed threw: "} + e.what());
        }
    }

    // --- background refresh ----------------------------------------------------------------

    void schedule_locked(const Snapshot& snapshot) {
        if (scheduler_ == nullptr || closed_) {
            return;
        }
        if (snapshot.refresh_at == never) {
            cancel_pending_locked();
            return;
        }
        const double delay = snapshot.refresh_at - clock_.unix_seconds();
        schedule_in_locked(std::max(std::chrono::duration<double>(delay),
                                    std::chrono::duration<double>(min_background_delay)));
    }

    void cancel_pending_locked() {
        ++ticket_;
        if (task_id_ != 0) {
            scheduler_->cancel(task_id_); // never waits: the task was not running
            task_id_ = 0;
        }
    }

    void schedule_in_locked(std::chrono::duration<double> delay) {
        delay = std::min(delay, std::chrono::duration<double>(max_scheduled_delay));
        cancel_pending_locked();
        const std::uint64_t ticket = ticket_;
        std::weak_ptr<State> weak = weak_from_this();
        task_id_ = scheduler_->schedule_after(
            std::chrono::duration_cast<std::chrono::nanoseconds>(delay), [weak, ticket] {
                if (auto state = weak.lock()) {
                    state->background_tick(ticket);
                }
            });
    }

    void background_tick(std::uint64_t ticket) {
        {
            std::lock_guard lock(mutex_);
            if (closed_ || ticket != ticket_) {
                return; // replaced by a newer schedule, or closing
            }
            ++active_tasks_;
            task_id_ = 0;
        }
        struct Done {
            State* state;
            ~Done() {
                std::lock_guard lock(state->mutex_);
                --state->active_tasks_;
                state->tasks_cv_.notify_all();
            }
        } done{this};

        auto snapshot = cell_.load();
        if (!snapshot) {
            return; // signed out
        }
        if (satisfies(snapshot.get(), 0)) {
            std::lock_guard lock(mutex_);
            if (ticket_ == ticket) {
                schedule_locked(*snapshot); // not due yet (clock adjusted): try again later
            }
            return;
        }
        try {
            obtain(false, 0);
            return; // publishing scheduled the next refresh
        } catch (const TokenExpiredError&) {
            return; // nothing stored: a sign-in is needed
        } catch (const TokenRefreshError& e) {
            if (e.code() == errc::reauth_required || e.code() == errc::token_missing) {
                return; // on_reauth_required was called; nothing to retry
            }
            log(LogLevel::warning,
                "session '" + key() + "': background refresh failed: " + e.what());
        } catch (const Error& e) {
            if (e.code() == errc::cancelled) {
                return;
            }
            log(LogLevel::warning,
                "session '" + key() + "': background refresh failed: " + e.what());
        } catch (const std::exception& e) {
            log(LogLevel::warning,
                "session '" + key() + "': background refresh failed: " + e.what());
        }
        int failures = 0;
        {
            std::lock_guard lock(mutex_);
            failures = ++failures_;
        }
        const double base = std::chrono::duration<double>(min_background_delay).count() *
                            std::pow(2.0, std::min(failures - 1, 16));
        const double capped =
            std::min(base, std::chrono::duration<double>(max_background_delay).count());
        const double jittered = capped * (1.0 + 0.2 * random_unit());
        std::lock_guard lock(mutex_);
        if (!closed_ && task_id_ == 0) {
            schedule_in_locked(std::chrono::duration<double>(
                std::max(jittered, std::chrono::duration<double>(min_background_delay).count())));
        }
    }

    // --- waiting -----------------------------------------------------------------------------

    /// Waits on the clock; throws Error (cancelled) when the manager closes meanwhile.
    void wait_for(std::chrono::milliseconds delay) {
        std::unique_lock lock(wait_mutex_);
        const auto deadline = clock_.steady_now() + delay;
        clock_.wait_until(lock, wait_cv_, deadline, [this] { return wait_cancelled_; });
        if (wait_cancelled_) {
            throw Error(errc::cancelled, "session '" + key() + "' is closing");
        }
    }

    const std::shared_ptr<OAuthProvider> provider_;
    const std::shared_ptr<TokenStore> store_;
    const SessionManagerOptions options_;
    Clock& clock_;
    RefreshScheduler* const scheduler_; ///< owned by the SessionManager; null: no background
    const std::chrono::seconds buffer_;
    const std::string lease_name_;
    const bool single_flight_;

    session_detail::SnapshotCell<Snapshot> cell_;

    mutable std::mutex mutex_;
    std::condition_variable flight_cv_;
    std::condition_variable tasks_cv_;
    std::shared_ptr<Flight> flight_;
    std::uint64_t epoch_ = 0;
    std::uint64_t ticket_ = 0;
    RefreshScheduler::TaskId task_id_ = 0;
    int active_tasks_ = 0;
    bool closed_ = false;
    bool reauth_episode_ = false;
    int failures_ = 0;
    std::string failed_refresh_hash_;
    Failure failed_refresh_;
    SessionStats stats_;

    std::mutex wait_mutex_;
    std::condition_variable wait_cv_;
    bool wait_cancelled_ = false;
};

// --- SessionManager --------------------------------------------------------------------------

SessionManager::SessionManager(std::shared_ptr<OAuthProvider> provider,
                               std::shared_ptr<TokenStore> store, SessionManagerOptions options) {
    if (!provider) {
        throw ConfigError(errc::invalid_argument, "session manager: no provider");
    }
    if (!store) {
        throw ConfigError(errc::invalid_argument, "session manager: no token store");
    }
    try {
        validate_store_key(options.session_key, "session key");
    } catch (const StoreError& e) {
        throw ConfigError(errc::invalid_argument, std::string{"session manager: "} + e.what());
    }
    if (options.refresh_buffer_seconds < 0) {
        throw ConfigError(errc::invalid_argument,
                          "session manager: refresh_buffer_seconds must not be negative");
    }
    if (options.lease_ttl.count() <= 0 || options.lease_poll_interval.count() <= 0) {
        throw ConfigError(errc::invalid_argument,
                          "session manager: lease_ttl and lease_poll_interval must be positive");
    }
    Clock* clock = options.clock != nullptr ? options.clock : &system_clock();
    if (options.background_refresh) {
        scheduler_ = options.scheduler;
        if (!scheduler_) {
            if (clock != &system_clock()) {
                throw ConfigError(errc::invalid_argument,
                                  "session manager: a custom clock needs a scheduler on the same "
                                  "clock (or background_refresh off)");
            }
            scheduler_ = RefreshScheduler::shared();
        } else if (&scheduler_->clock() != clock) {
            throw ConfigError(errc::invalid_argument,
                              "session manager: the scheduler runs on another clock");
        }
    }
    // Only the manager owns the scheduler: the state can outlive the manager for a moment on a
    // worker thread, and must not end the scheduler from there.
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
    return state_->access_token(0);
}

std::string SessionManager::get_access_token(std::chrono::seconds min_ttl) {
    return state_->access_token(static_cast<double>(std::max<std::int64_t>(0, min_ttl.count())));
}

OAuthTokenSet SessionManager::refresh() {
    return state_->refresh();
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
