#pragma once
// How the session layer judges a failed refresh and how long it waits before the next try
// (not installed; unit-tested directly).

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/session/session_manager.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::session_detail {

enum class FailureKind {
    transient, ///< worth retrying: the provider or the network may answer later
    reauth,    ///< the sign-in is over: only a new sign-in helps
    failed,    ///< neither: configuration, a broken answer, a local check
};

/// A failed refresh, judged.
struct Failure {
    FailureKind kind = FailureKind::failed;
    errc code = errc::refresh_failed; ///< the original error's code
    ProviderAnswer answer;
    std::string message; ///< the original error's text (never a token)
    /// What the provider asked for (HTTP 429 or 503 with Retry-After), when it did.
    std::optional<std::chrono::milliseconds> retry_after;
};

/// Judges the exception of a refresh attempt (RFC 6749 §5.2 error codes, HTTP status, transport
/// error codes); a RetryLaterError's Retry-After is read relative to `now`. Anything that is not
/// an authflow Error is `failed`.
Failure classify_refresh_failure(const std::exception_ptr& error, Clock::wall_time now);

/// The wait before retry number `retry` (1-based) under `policy`; `unit_random` in [-1, 1]
/// scales the jitter.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random);

/// A uniform random number in [-1, 1] from RAND_bytes.
double random_unit();

/// Reads a Retry-After value (RFC 9110 §10.2.3): delay-seconds, or an IMF-fixdate HTTP-date
/// counted from `now`. Nothing for anything else; at most one day.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           Clock::wall_time now);

} // namespace authflow::session_detail
