#include "refresh_policy.hpp"

#include <authflow/core/error_family.hpp>
#include <authflow/core/random.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace authflow::session_detail {

namespace {

constexpr std::chrono::milliseconds max_retry_after_value = std::chrono::hours{24};

bool is_transient_status(int status) {
    // RFC 9110 §15.6: 5xx are the server's trouble; 429 (RFC 6585 §4) and 408 ask to come back.
    return status >= 500 || status == 429 || status == 408;
}

template <typename T> bool parse_number(std::string_view text, T& out) {
    if (text.empty()) {
        return false;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

Failure classify_refresh_failure(const std::exception_ptr& error, Clock::wall_time now) {
    Failure failure;
    try {
        std::rethrow_exception(error);
    } catch (const RetryLaterError& e) {
        failure.code = e.code();
        failure.message = e.what();
        failure.answer = e.provider_answer();
        failure.kind = FailureKind::transient; // HTTP 429 or 503
        failure.retry_after = parse_retry_after(e.retry_after(), now);
    } catch (const TransportError& e) {
        failure.code = e.code();
        failure.message = e.what();
        failure.answer = e.provider_answer();
        // The connection failed: to the token endpoint, or on the way to it, while fetching the
        // provider's discovery document or keys. Both may pass; TLS, size and proxy failures
        // do not by themselves.
        const error_family kind = family(e.code());
        failure.kind = kind == error_family::unreachable || kind == error_family::provider_metadata
                           ? FailureKind::transient
                           : FailureKind::failed;
    } catch (const ConfigError& e) {
        failure.code = e.code();
        failure.message = e.what();
        failure.kind = FailureKind::failed;
    } catch (const StoreError& e) {
        failure.code = e.code();
        failure.message = e.what();
        failure.kind =
            e.code() == errc::store_unavailable ? FailureKind::transient : FailureKind::failed;
    } catch (const Error& e) {
        failure.code = e.code();
        failure.message = e.what();
        failure.answer = e.provider_answer();
        const std::string& oauth_error = e.oauth_error();
        if (e.code() == errc::reauth_required || oauth_error == "invalid_grant") {
            // RFC 6749 §5.2: the refresh token is invalid, expired, revoked or was issued to
            // another client; only a new sign-in gives a new one.
            failure.kind = FailureKind::reauth;
        } else if (oauth_error == "temporarily_unavailable" || oauth_error == "server_error" ||
                   is_transient_status(e.http_status())) {
            failure.kind = FailureKind::transient;
        } else if (family(e.code()) == error_family::provider_metadata &&
                   (e.http_status() == 0 || is_transient_status(e.http_status()))) {
            failure.kind = FailureKind::transient;
        } else if (family(e.code()) == error_family::other_party) {
            // OIDC Core §12.2: the refreshed ID token names someone else. These tokens cannot be
            // used, and refreshing again cannot help.
            failure.kind = FailureKind::reauth;
        } else {
            failure.kind = FailureKind::failed;
        }
    } catch (const std::exception& e) {
        failure.code = errc::internal;
        failure.message = e.what();
        failure.kind = FailureKind::failed;
    } catch (...) {
        failure.code = errc::internal;
        failure.message = "unknown error";
        failure.kind = FailureKind::failed;
    }
    return failure;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit_random) {
    const double initial =
        static_cast<double>(std::max<std::int64_t>(0, policy.initial_delay.count()));
    const double cap = static_cast<double>(std::max<std::int64_t>(0, policy.max_delay.count()));
    const double multiplier = std::max(1.0, policy.multiplier);
    const int exponent = std::clamp(retry - 1, 0, 62);
    double delay = initial * std::pow(multiplier, exponent);
    delay = std::min(delay, cap);
    const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
    delay *= 1.0 + jitter * std::clamp(unit_random, -1.0, 1.0);
    return std::chrono::milliseconds{std::llround(std::max(0.0, delay))};
}

double random_unit() {
    const std::string bytes = random_bytes(4);
    std::uint32_t value = 0;
    std::memcpy(&value, bytes.data(), sizeof value);
    return static_cast<double>(value) / 4294967295.0 * 2.0 - 1.0;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           Clock::wall_time now) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    if (value.empty()) {
        return std::nullopt;
    }
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // delay-seconds; a value too long for a number is simply very long.
        std::uint64_t seconds = 0;
        if (value.size() > 9 || !parse_number(value, seconds)) {
            return max_retry_after_value;
        }
        return std::min<std::chrono::milliseconds>(std::chrono::seconds{seconds},
                                                   max_retry_after_value);
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
    if (value.size() != 29 || value.substr(3, 2) != ", " || value[7] != ' ' || value[11] != ' ' ||
        value[16] != ' ' || value[19] != ':' || value[22] != ':' || value.substr(25) != " GMT") {
        return std::nullopt;
    }
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto month_it = std::find(months.begin(), months.end(), value.substr(8, 3));
    unsigned day = 0;
    int year = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (month_it == months.end() || !parse_number(value.substr(5, 2), day) ||
        !parse_number(value.substr(12, 4), year) || !parse_number(value.substr(17, 2), hour) ||
        !parse_number(value.substr(20, 2), minute) || !parse_number(value.substr(23, 2), second) ||
        hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{
        std::chrono::year{year},
        std::chrono::month{static_cast<unsigned>(month_it - months.begin()) + 1},
        std::chrono::day{day}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const auto at = std::chrono::sys_days{date} + std::chrono::hours{hour} +
                    std::chrono::minutes{minute} + std::chrono::seconds{second};
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    if (delay.count() <= 0) {
        return std::chrono::milliseconds{0};
    }
    return std::min(delay, max_retry_after_value);
}

} // namespace authflow::session_detail
