#include "refresh_decision.hpp"
#include "refresh_lease.hpp"
#include "refresh_policy.hpp"
#include "session_snapshot.hpp"
#include "snapshot_cell.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/session/session_manager.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace authflow {

using session_detail::backoff_delay;
using session_detail::classify_refresh_failure;
using session_detail::decide_refresh;
using session_detail::Decision;
using session_detail::Failure;
using session_detail::FailureKind;
using session_detail::is_before;
using session_detail::is_valid_for;
using session_detail::LeaseState;
using session_detail::NextAttempt;
using session_detail::random_unit;
using session_detail::Reason;
using session_detail::RefreshFacts;
using session_detail::RefreshLease;
using session_detail::RefreshRules;
using session_detail::RefusedGrant;
using session_detail::same_tokens;
using session_detail::Snapshot;
using session_detail::Step;
using session_detail::wall_now;
using session_detail::WallTime;

namespace {

// A background refresh is never scheduled sooner than this after the previous decision, so a
// provider that issues tokens of a second or less cannot make the scheduler spin (seed §13
// item 28: expires_in <= buffer made a refresh every second).
constexpr std::chrono::seconds min_background_delay{5};
// Background retries after a failed refresh grow from min_background_delay up to this.
constexpr std::chrono::minutes max_background_delay{5};
// The longest wait scheduled at once. A stored record may put the refresh centuries away, past
// the range of the scheduler's nanoseconds; a tick that finds nothing due schedules again.
constexpr std::chrono::hours max_scheduled_delay{24};
// The longest min_ttl a caller may ask for (about 3,170 years), so that now + min_ttl stays
// within WallTime's range.
constexpr std::chrono::seconds max_min_left{100'000'000'000};

/// The backoff of background retries after a failed refresh: the one backoff (backoff_delay),
/// doubling from min_background_delay up to max_background_delay, ±20 %.
RetryPolicy background_retry_policy() {
    RetryPolicy policy;
    policy.initial_delay = min_background_delay;
    policy.multiplier = 2.0;
    policy.max_delay = max_background_delay;
    policy.jitter = 0.2;
    return policy;
}

std::string lease_name_for(const std::string& key) {
    // Lease names are separate from record keys; the prefix keeps them apart from other leases.
    constexpr std::string_view prefix = "session-refresh:";
    if (key.size() + prefix.size() <= 512) {
        return std::string{prefix} + key;
    }
    return std::string{prefix} + to_hex(sha256(key));
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
          rules_{std::chrono::seconds{options_.refresh_buffer_seconds}, options_.retry,
                 options_.lease_poll_interval},
          lease_name_(lease_name_for(options_.session_key)),
          single_flight_(!options_.testing_disable_single_flight) {}

    const std::string& key() const noexcept { return options_.session_key; }
    const std::string& lease_name() const noexcept { return lease_name_; }

    // --- the hot path --------------------------------------------------------------------

    std::string access_token(std::chrono::seconds min_left) {
        if (const Snapshot* snapshot = cell_.read()) {
            if (snapshot->serves(wall_now(clock_), min_left)) {
                return snapshot->tokens.access_token;
            }
        }
        auto snapshot = obtain(Request{false, min_left});
        const WallTime now = wall_now(clock_);
        if (!is_before(now + min_left, snapshot->expires_at)) {
            if (is_before(now, snapshot->expires_at)) {
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
        if (is_valid_for(*stored, wall_now(clock_), std::chrono::seconds{0})) {
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
        notify_changed(tokens);
    }

    OAuthTokenSet refresh() { return obtain(Request{true, std::chrono::seconds{0}})->tokens; }

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
        RefreshLease lease(*store_, lease_name_, options_.lease_ttl, single_flight_);
        if (single_flight_) {
            const auto deadline =
                clock_.steady_now() + options_.lease_ttl + options_.lease_poll_interval;
            while (lease.try_take() != LeaseState::held) {
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
            refused_.reset();
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
    /// What a caller asks of a flight.
    struct Request {
        bool force = false;               ///< refresh() rather than get_access_token()
        std::chrono::seconds min_left{0}; ///< the token must stay valid this long
    };

    /// One refresh (or store read) in progress in this process; the others wait for it.
    struct Flight {
        Request request;
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

    // --- single flight in the process ------------------------------------------------------

    std::shared_ptr<const Snapshot> obtain(const Request& request) {
        if (!single_flight_) {
            Notes notes;
            std::shared_ptr<const Snapshot> result;
            std::exception_ptr error;
            try {
                result = lead(request, current_epoch(), notes);
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
            if (!request.force) {
                // Another caller may have finished a refresh while this one waited for the lock.
                auto snapshot = cell_.load();
                if (snapshot && snapshot->serves(wall_now(clock_), request.min_left)) {
                    return snapshot;
                }
            }
            if (!flight_) {
                break;
            }
            auto flight = flight_;
            const Request& theirs = flight->request;
            const bool join = request.force ? theirs.force
                                            : (theirs.force || theirs.min_left >= request.min_left);
            flight_cv_.wait(lock, [&] { return flight->done; });
            if (join) {
                if (flight->error) {
                    rethrow_copy(flight->error);
                }
                return flight->result;
            }
        }
        auto flight = std::make_shared<Flight>();
        flight->request = request;
        flight_ = flight;
        const std::uint64_t epoch = epoch_;
        lock.unlock();

        Notes notes;
        try {
            flight->result = lead(request, epoch, notes);
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

    // --- the refresh: the decision's steps carried out ---------------------------------------

    /// The flight itself: asks the refresh decision what to do and does it, until it answers
    /// with tokens or an error.
    std::shared_ptr<const Snapshot> lead(const Request& request, std::uint64_t epoch,
                                         Notes& notes) {
        RefreshFacts facts;
        facts.force = request.force;
        facts.min_left = request.min_left;
        if (const auto cached = cell_.load()) {
            facts.cached = cached->tokens;
            facts.replacing = cached->tokens;
        }
        facts.lease_wait_deadline = clock_.steady_now() + 2 * options_.lease_ttl;
        while (true) {
            const Decision decision = attempt(facts);
            switch (decision.step) {
            case Step::use:
                return use(decision, epoch, notes);
            case Step::wait:
                if (decision.failure) {
                    log(LogLevel::warning, "session '" + key() + "': refresh failed, retrying in " +
                                               std::to_string(decision.delay.count()) +
                                               " ms: " + decision.failure->message);
                }
                wait_for(decision.delay);
                break;
            case Step::reauthenticate:
                reauthenticate(decision, facts, epoch, notes);
            case Step::refresh: // an attempt carries out its refreshes itself
            case Step::fail:
                fail(decision, facts);
            }
        }
    }

    /// One attempt within one lease scope: read the store, then decide and carry out the
    /// decision (take the lease and read again; refresh and save) until the next step lies
    /// outside the lease. The lease ends with the scope: before a wait, a publish or an error.
    Decision attempt(RefreshFacts& facts) {
        try {
            RefreshLease lease(*store_, lease_name_, options_.lease_ttl, single_flight_);
            facts.lease = lease.state();
            facts.failure.reset();
            facts.reread.reset();
            facts.stored = store_->load(key());
            if (facts.force && !facts.replacing) {
                facts.replacing = facts.stored; // nothing cached: refresh what is stored now
            }
            while (true) {
                const Decision decision = decide(facts);
                if (decision.step != Step::refresh) {
                    return decision;
                }
                if (facts.lease == LeaseState::not_taken) {
                    facts.lease = lease.try_take();
                    if (facts.lease == LeaseState::held) {
                        // Under the lease what is stored now is the latest: another process may
                        // have refreshed between the read above and the lease.
                        facts.stored = store_->load(key());
                    }
                    continue;
                }
                refresh_stored(facts, lease);
            }
        } catch (const StoreError& e) {
            facts.is_store_failed = true;
            const Decision decision = decide(facts);
            if (decision.step == Step::fail) {
                throw;
            }
            log(LogLevel::warning,
                "session '" + key() + "': using the cached token; the store failed: " + e.what());
            return decision;
        }
    }

    /// Asks the provider for new tokens for the stored ones (under the lease, when it is used)
    /// and saves them; the outcome goes into `facts`.
    void refresh_stored(RefreshFacts& facts, RefreshLease& lease) {
        try {
            facts.refreshed = provider_->refresh_tokens(*facts.stored);
        } catch (...) {
            facts.failure = classify_refresh_failure(std::current_exception(), clock_.now());
            ++facts.failed_attempts;
            {
                std::lock_guard lock(mutex_);
                ++stats_.refresh_failures;
            }
            if (facts.failure->kind == FailureKind::reauth) {
                try {
                    facts.reread = store_->load(key());
                } catch (const StoreError&) {
                }
            }
            return;
        }
        lease.before_save();
        try {
            store_->save(key(), *facts.refreshed);
        } catch (const StoreError& e) {
            // The new tokens work; without them in the store other processes will need a new
            // sign-in, but this one carries on.
            log(LogLevel::error,
                "session '" + key() + "': refreshed tokens could not be stored: " + e.what());
        }
    }

    /// The decision for `facts` as they are now.
    Decision decide(RefreshFacts& facts) {
        facts.now = wall_now(clock_);
        facts.steady_now = clock_.steady_now();
        facts.unit_random = facts.failure ? random_unit() : 0.0;
        {
            std::lock_guard lock(mutex_);
            facts.refused = refused_;
        }
        return decide_refresh(facts, rules_);
    }

    std::shared_ptr<const Snapshot> use(const Decision& decision, std::uint64_t epoch,
                                        Notes& notes) {
        const OAuthTokenSet& tokens = *decision.tokens;
        switch (decision.next) {
        case NextAttempt::after_poll:
            return defer(tokens, epoch, options_.lease_poll_interval);
        case NextAttempt::after_backoff:
            if (decision.failure) {
                log(LogLevel::warning, "session '" + key() +
                                           "': refresh failed, the current token is still "
                                           "valid; retrying later: " +
                                           decision.failure->message);
                return defer(tokens, epoch, next_retry_delay(decision.failure->retry_after));
            }
            return defer(tokens, epoch, next_retry_delay());
        case NextAttempt::when_due:
            break;
        }
        if (decision.reason == Reason::refreshed) {
            {
                std::lock_guard lock(mutex_);
                ++stats_.refreshes;
            }
            return publish(tokens, epoch, Publish::refreshed, &decision.replacing, &notes);
        }
        return publish(tokens, epoch, Publish::adopted, &decision.replacing, &notes);
    }

    [[noreturn]] void reauthenticate(const Decision& decision, const RefreshFacts& facts,
                                     std::uint64_t epoch, Notes& notes) {
        if (decision.reason == Reason::not_signed_in) {
            not_signed_in(epoch, notes);
        }
        if (decision.reason == Reason::refused) {
            std::lock_guard lock(mutex_);
            refused_ = RefusedGrant{
                session_detail::refresh_token_hash(facts.stored->refresh_token.value_or("")),
                *decision.failure};
        }
        reauth(notes, *decision.failure);
    }

    [[noreturn]] void fail(const Decision& decision, const RefreshFacts& facts) {
        if (decision.reason == Reason::lease_busy) {
            throw TokenRefreshError(errc::refresh_failed,
                                    "another process has held the refresh lease of session '" +
                                        key() + "' for too long");
        }
        const Failure failure = decision.failure.value_or(Failure{});
        if (decision.reason == Reason::transient_failure) {
            throw TokenRefreshError(errc::refresh_failed,
                                    "token refresh failed after " +
                                        std::to_string(facts.failed_attempts) +
                                        " attempt(s): " + failure.message,
                                    failure.answer);
        }
        throw TokenRefreshError(errc::refresh_failed, "token refresh failed: " + failure.message,
                                failure.answer);
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
        return install(
            std::make_shared<Snapshot>(Snapshot::retried_after(tokens, wall_now(clock_), delay)),
            epoch, Publish::deferred);
    }

    std::shared_ptr<const Snapshot> publish(const OAuthTokenSet& tokens, std::uint64_t epoch,
                                            Publish how,
                                            const std::optional<OAuthTokenSet>* replacing = nullptr,
                                            Notes* notes = nullptr) {
        auto snapshot = std::make_shared<Snapshot>(Snapshot::when_due(tokens, rules_.buffer));
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
            refused_.reset();
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
        if (!snapshot.refresh_at) {
            cancel_pending_locked();
            return;
        }
        const std::chrono::microseconds delay = *snapshot.refresh_at - wall_now(clock_);
        schedule_in_locked(std::max<std::chrono::microseconds>(delay, min_background_delay));
    }

    void cancel_pending_locked() {
        ++ticket_;
        if (task_id_ != 0) {
            scheduler_->cancel(task_id_); // never waits: the task was not running
            task_id_ = 0;
        }
    }

    void schedule_in_locked(std::chrono::microseconds delay) {
        delay = std::min<std::chrono::microseconds>(delay, max_scheduled_delay);
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
        if (snapshot->serves(wall_now(clock_), std::chrono::seconds{0})) {
            std::lock_guard lock(mutex_);
            if (ticket_ == ticket) {
                schedule_locked(*snapshot); // not due yet (clock adjusted): try again later
            }
            return;
        }
        try {
            obtain(Request{});
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
        static const RetryPolicy background_retry = background_retry_policy();
        const std::chrono::milliseconds delay = std::max<std::chrono::milliseconds>(
            backoff_delay(background_retry, failures, random_unit()), min_background_delay);
        std::lock_guard lock(mutex_);
        if (!closed_ && task_id_ == 0) {
            schedule_in_locked(delay);
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
    const RefreshRules rules_;
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
    int failures_ = 0; ///< consecutive failed refreshes (the backoff of the next attempt)
    std::optional<RefusedGrant> refused_;
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
    return state_->access_token(std::chrono::seconds{0});
}

std::string SessionManager::get_access_token(std::chrono::seconds min_ttl) {
    return state_->access_token(std::clamp(min_ttl, std::chrono::seconds{0}, max_min_left));
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
