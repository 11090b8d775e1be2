#include "session_snapshot.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/session/session_manager.hpp>

#include <algorithm>
#include <cmath>

namespace authflow::session_detail {

namespace {

// Within WallTime's range with room for the buffers and minimum lifetimes added to it.
constexpr double max_unix_seconds = 9.0e12;

} // namespace

WallTime wall_time_of(double unix_seconds) {
    if (std::isnan(unix_seconds)) {
        return WallTime{std::chrono::seconds{static_cast<std::int64_t>(-max_unix_seconds)}};
    }
    const double seconds = std::clamp(unix_seconds, -max_unix_seconds, max_unix_seconds);
    return WallTime{
        std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double>{seconds})};
}

WallTime wall_now(const Clock& clock) {
    return std::chrono::floor<std::chrono::microseconds>(clock.now());
}

std::optional<WallTime> expiry_of(const OAuthTokenSet& tokens) {
    if (auto at = tokens.expires_at()) {
        return wall_time_of(*at);
    }
    return std::nullopt;
}

std::optional<WallTime> due_of(const OAuthTokenSet& tokens, std::chrono::seconds buffer) {
    if (auto at = refresh_due_at(tokens, buffer)) {
        return wall_time_of(*at);
    }
    return std::nullopt;
}

bool is_before(WallTime at, const std::optional<WallTime>& deadline) {
    return !deadline || at < *deadline;
}

bool is_valid_for(const OAuthTokenSet& tokens, WallTime now, std::chrono::seconds min_left) {
    return is_before(now + min_left, expiry_of(tokens));
}

bool same_tokens(const OAuthTokenSet& a, const OAuthTokenSet& b) {
    return constant_time_equal(a.access_token, b.access_token);
}

Snapshot Snapshot::when_due(const OAuthTokenSet& tokens, std::chrono::seconds buffer) {
    return Snapshot{tokens, due_of(tokens, buffer), expiry_of(tokens)};
}

Snapshot Snapshot::retried_after(const OAuthTokenSet& tokens, WallTime now,
                                 std::chrono::milliseconds delay) {
    Snapshot snapshot{tokens, now + delay, expiry_of(tokens)};
    if (snapshot.expires_at) {
        snapshot.refresh_at = std::min(*snapshot.refresh_at, *snapshot.expires_at);
    }
    return snapshot;
}

bool Snapshot::serves(WallTime now, std::chrono::seconds min_left) const {
    return is_before(now, refresh_at) && is_before(now + min_left, expires_at);
}

} // namespace authflow::session_detail

namespace authflow {

std::optional<double> refresh_due_at(const OAuthTokenSet& tokens, std::chrono::seconds buffer) {
    if (!tokens.expires_in) {
        return std::nullopt;
    }
    const double lifetime = static_cast<double>(*tokens.expires_in);
    const double margin =
        std::min(static_cast<double>(std::max<std::int64_t>(0, buffer.count())), lifetime / 2.0);
    return tokens.issued_at + lifetime - margin;
}

} // namespace authflow
