// SessionManager::State, continued: what run_refresh decided, carried out and told to the
// program (the tokens published, the retry deferred, the re-authentication begun).
#include "session_state.hpp"

#include <authflow/core/errors.hpp>

#include <algorithm>

namespace authflow {

using namespace session_detail;

std::shared_ptr<const Snapshot> SessionManager::State::lead(const Request& request, Notes& notes) {
    const std::uint64_t epoch = current_epoch();
    RefreshFacts facts;
    facts.force = request.force;
    facts.min_left = request.min_left;
    if (const auto cached = cell_.load()) {
        facts.cached = cached->tokens;
        facts.replacing = cached->tokens;
    }
    const Decision decision = run_refresh(facts, services_);
    switch (decision.step) {
    case Step::use:
        return use(decision, epoch, notes);
    case Step::reauthenticate:
        reauthenticate(decision, facts, epoch, notes);
    case Step::wait:
    case Step::refresh: // run_refresh carries these out itself
    case Step::fail:
        break;
    }
    throw_failure(decision, facts, key());
}

std::shared_ptr<const Snapshot> SessionManager::State::use(const Decision& decision,
                                                           std::uint64_t epoch, Notes& notes) {
    const OAuthTokenSet& tokens = *decision.tokens;
    switch (decision.next) {
    case NextAttempt::after_poll:
        return defer(tokens, epoch, options_.lease_poll_interval);
    case NextAttempt::after_backoff:
        return defer(
            tokens, epoch,
            next_retry_delay(decision.failure ? decision.failure->retry_after : std::nullopt));
    case NextAttempt::when_due:
        break;
    }
    const bool is_refreshed =
        decision.reason == Reason::refreshed || decision.reason == Reason::refreshed_unsaved;
    if (is_refreshed) {
        std::lock_guard lock(mutex_);
        ++stats_.refreshes;
    }
    return publish(tokens, epoch, is_refreshed ? Publish::refreshed : Publish::adopted,
                   &decision.replacing, &notes);
}

void SessionManager::State::reauthenticate(const Decision& decision, const RefreshFacts& facts,
                                           std::uint64_t epoch, Notes& notes) {
    if (decision.reason == Reason::not_signed_in) {
        not_signed_in(epoch, notes);
    }
    if (decision.reason == Reason::refused) {
        std::lock_guard lock(mutex_);
        refused_ = RefusedGrant{refresh_token_hash(facts.stored->refresh_token.value_or("")),
                                *decision.failure};
    }
    begin_reauth_episode(notes);
    const Failure& failure = *decision.failure;
    throw TokenRefreshError(errc::reauth_required, "sign-in needed again: " + failure.message,
                            failure.answer);
}

void SessionManager::State::not_signed_in(std::uint64_t epoch, Notes& notes) {
    {
        std::lock_guard lock(mutex_);
        if (epoch == epoch_) {
            cell_.store(nullptr); // removed elsewhere (a logout in another process)
        }
    }
    begin_reauth_episode(notes);
    // Nothing is stored, so nothing expired: a TokenError, not a TokenExpiredError.
    throw TokenError(errc::token_missing,
                     "no tokens are stored for session '" + key() + "': sign in");
}

void SessionManager::State::begin_reauth_episode(Notes& notes) {
    std::lock_guard lock(mutex_);
    if (!reauth_episode_) {
        reauth_episode_ = true;
        notes.reauth = true;
        if (options_.on_reauth_required) {
            ++stats_.reauth_notifications;
        }
    }
}

std::chrono::milliseconds
SessionManager::State::next_retry_delay(std::optional<std::chrono::milliseconds> retry_after) {
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

std::shared_ptr<const Snapshot> SessionManager::State::defer(const OAuthTokenSet& tokens,
                                                             std::uint64_t epoch,
                                                             std::chrono::milliseconds delay) {
    return install(
        std::make_shared<Snapshot>(Snapshot::retried_after(tokens, wall_now(*clock_), delay)),
        epoch, Publish::deferred);
}

std::shared_ptr<const Snapshot>
SessionManager::State::publish(const OAuthTokenSet& tokens, std::uint64_t epoch, Publish how,
                               const std::optional<OAuthTokenSet>* replacing, Notes* notes) {
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

std::shared_ptr<const Snapshot> SessionManager::State::install(std::shared_ptr<Snapshot> snapshot,
                                                               std::uint64_t epoch, Publish how) {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_) {
        // Logged out or replaced by save_tokens while this flight ran: what is current wins.
        if (auto current = cell_.load()) {
            return current;
        }
        throw TokenError(errc::token_missing,
                         "session '" + key() + "' was signed out during the refresh");
    }
    if (how != Publish::deferred) {
        failures_ = 0;
        reauth_episode_ = false;
        refused_.reset();
    }
    std::shared_ptr<const Snapshot> result = snapshot;
    cell_.store(result);
    if (background_) {
        background_->schedule(*result);
    }
    return result;
}

} // namespace authflow
