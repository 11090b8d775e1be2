#include <authflow/core/errors.hpp>
#include <authflow/deploy/forwarded.hpp>
#include <authflow/deploy/rate_limit.hpp>

#include <algorithm>

namespace authflow {

RateLimitOptions login_rate_limit_options(const DeploySettings& settings, RateLimitOptions base) {
    base.max_requests = settings.login_rate_limit;
    base.window = std::chrono::seconds{settings.login_rate_window};
    return base;
}

std::string rate_limit_key(std::string_view client_address) {
    auto address = IpAddress::parse(client_address);
    if (!address) {
        return std::string{client_address};
    }
    if (!address->is_v6) {
        return address->to_string();
    }
    std::fill(address->bytes.begin() + 8, address->bytes.end(), std::uint8_t{0});
    return address->to_string() + "/64";
}

MemoryLoginRateLimiter::MemoryLoginRateLimiter(RateLimitOptions options,
                                               std::shared_ptr<Clock> clock)
    : options_(options), clock_(clock_or_system(std::move(clock))) {
    if (options_.max_requests <= 0 || options_.window.count() <= 0 ||
        options_.max_tracked_keys == 0 || options_.overflow_max_requests <= 0) {
        throw Error(errc::invalid_argument,
                    "rate limit options need positive limits, window and capacity");
    }
    overflow_.start = clock_->steady_now() - options_.window; // already ended
}

RateLimitDecision MemoryLoginRateLimiter::count_in(Window& window, int limit,
                                                   Clock::steady_time now) {
    if (now - window.start >= options_.window) {
        window.start = now;
        window.count = 0;
    }
    if (window.count <= limit) {
        ++window.count; // stops at limit + 1: refused attempts cannot overflow it
    }
    if (window.count <= limit) {
        return {true, std::chrono::seconds{0}};
    }
    const auto remaining = window.start + options_.window - now;
    return {false, std::chrono::ceil<std::chrono::seconds>(remaining)};
}

void MemoryLoginRateLimiter::prune(Clock::steady_time now) {
    while (!order_.empty() && now - order_.front().first >= options_.window) {
        auto it = windows_.find(order_.front().second);
        if (it != windows_.end() && it->second.start == order_.front().first) {
            windows_.erase(it);
        }
        order_.pop_front();
    }
}

RateLimitDecision MemoryLoginRateLimiter::check(std::string_view client_key) {
    const auto now = clock_->steady_now();
    std::lock_guard lock{mutex_};
    prune(now);
    // After prune() every entry left is in its live window.
    auto it = windows_.find(std::string{client_key});
    if (it == windows_.end()) {
        if (windows_.size() >= options_.max_tracked_keys) {
            return count_in(overflow_, options_.overflow_max_requests, now);
        }
        it = windows_.emplace(std::string{client_key}, Window{now, 0}).first;
        order_.emplace_back(now, it->first);
    }
    return count_in(it->second, options_.max_requests, now);
}

void MemoryLoginRateLimiter::reset() {
    std::lock_guard lock{mutex_};
    windows_.clear();
    order_.clear();
    overflow_ = Window{clock_->steady_now() - options_.window, 0};
}

std::size_t MemoryLoginRateLimiter::tracked_keys() const {
    std::lock_guard lock{mutex_};
    return windows_.size();
}

} // namespace authflow
