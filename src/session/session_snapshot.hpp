#pragma once
// The tokens of a session as every reader sees them, and the moments that matter for them, as
// std::chrono time points (not installed).

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>

#include <chrono>
#include <optional>

namespace authflow::session_detail {

/// Wall time in microseconds: a range of ±292,000 years, so that a stored record with an absurd
/// issued_at (the fuzzers found 1e300) still has an order, and microseconds hold the
/// milliseconds a Unix-seconds double carries exactly.
using WallTime = std::chrono::sys_time<std::chrono::microseconds>;

/// The longest time left a caller may ask for (about 3,170 years), so that now plus it stays
/// within WallTime's range.
constexpr std::chrono::seconds max_time_left{100'000'000'000};

/// `unix_seconds` as a WallTime, saturated to WallTime's range (NaN: the earliest time).
WallTime wall_time_of(double unix_seconds);
/// The clock's wall time as a WallTime.
WallTime wall_now(const Clock& clock);

/// When `tokens` expire (issued_at + expires_in); nothing, for never, when their lifetime is
/// unknown.
std::optional<WallTime> expiry_of(const OAuthTokenSet& tokens);
/// When `tokens` are due for a refresh (refresh_due_at); nothing, for never, when their lifetime
/// is unknown.
std::optional<WallTime> due_of(const OAuthTokenSet& tokens, std::chrono::seconds buffer);

/// Whether `at` comes before `deadline`; always when there is none.
bool is_before(WallTime at, const std::optional<WallTime>& deadline);
/// Whether `tokens` are still valid at `now` with `min_left` to spare.
bool is_valid_for(const OAuthTokenSet& tokens, WallTime now, std::chrono::seconds min_left);
/// Whether two token sets are the same tokens (compared in constant time).
bool same_tokens(const OAuthTokenSet& a, const OAuthTokenSet& b);

/// The tokens every reader sees, and when they are due. Immutable once published; a plain value.
struct Snapshot {
    OAuthTokenSet tokens;
    std::optional<WallTime> refresh_at; ///< the next refresh attempt; nothing: never
    std::optional<WallTime> expires_at; ///< nothing: never

    /// These tokens, next refreshed when they are due.
    static Snapshot when_due(const OAuthTokenSet& tokens, std::chrono::seconds buffer);
    /// These tokens, next refreshed after `delay` from `now` (or when they expire, if sooner).
    static Snapshot retried_after(const OAuthTokenSet& tokens, WallTime now,
                                  std::chrono::milliseconds delay);

    /// Whether these tokens answer a caller at `now` who needs `min_left`: not due yet, and
    /// valid that long.
    bool serves(WallTime now, std::chrono::seconds min_left) const;
};

} // namespace authflow::session_detail
