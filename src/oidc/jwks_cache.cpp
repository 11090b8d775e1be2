// The key set at a provider's jwks_uri: cached, refetched on rotation, stale on error.
#include "../jose/internal/jose.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/oidc/jwks_cache.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

namespace authflow {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<Jwk> try_select(const Jwks& keys, const JwsHeader& header) {
    try {
        return keys.select(header.alg, header.kid);
    } catch (const TokenError& e) {
        if (e.code() == errc::unknown_key) {
            return std::nullopt;
        }
        throw;
    }
}

// A Retry-After value in delay-seconds (RFC 9110 §10.2.3); nothing for an HTTP-date or junk.
// Values too long for a number are simply very long.
std::optional<std::chrono::seconds> retry_after_seconds(std::string_view value) {
    value = trim(value);
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    if (value.size() > 9) {
        return std::chrono::seconds{999'999'999};
    }
    std::int64_t seconds = 0;
    std::from_chars(value.data(), value.data() + value.size(), seconds);
    return std::chrono::seconds{seconds};
}

} // namespace

std::optional<std::chrono::seconds> cache_control_max_age(std::string_view header) {
    std::optional<std::chrono::seconds> result;
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view directive = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        auto equals = directive.find('=');
        std::string_view name = trim(directive.substr(0, equals));
        if (iequals(name, "no-store") || iequals(name, "no-cache")) {
            return std::chrono::seconds{0};
        }
        if (!iequals(name, "max-age") || equals == std::string_view::npos) {
            continue;
        }
        std::string_view value = trim(directive.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        std::int64_t seconds = 0;
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error == std::errc::result_out_of_range && !value.empty() && value.front() != '-') {
            seconds = std::numeric_limits<std::int32_t>::max(); // RFC 9111 §1.2.2: 2^31
        } else if (error != std::errc{} || end != value.data() + value.size() || seconds < 0) {
            continue;
        }
        result = std::chrono::seconds{seconds};
    }
    return result;
}

JwksCache::JwksCache(std::string jwks_uri, std::shared_ptr<HttpClient> http,
                     std::shared_ptr<Clock> clock, JwksCacheOptions options)
    : jwks_uri_(std::move(jwks_uri)), http_(std::move(http)),
      clock_(clock_or_system(std::move(clock))), options_(options) {
    require_secure_url(jwks_uri_, "jwks_uri");
    if (!http_) {
        throw ConfigError(errc::config_missing, "JwksCache needs an HTTP client");
    }
}

bool JwksCache::preload(std::string_view body, std::chrono::seconds lifetime,
                        std::chrono::seconds age) {
    Jwks set;
    try {
        set = Jwks::parse(body);
    } catch (const Error&) {
        return false;
    }
    if (set.empty()) {
        return false;
    }
    lifetime = std::clamp(lifetime, options_.min_max_age, options_.max_max_age);
    std::lock_guard lock(mutex_);
    if (keys_) {
        return false;
    }
    keys_ = std::make_shared<const Jwks>(std::move(set));
    fresh_until_ = clock_->steady_now() + lifetime - age;
    usable_until_ = fresh_until_ + options_.max_stale;
    return true;
}

std::uint64_t JwksCache::fetch_count() const {
    std::lock_guard lock(mutex_);
    return fetches_;
}

JwksCache::Snapshot JwksCache::snapshot() {
    std::lock_guard lock(mutex_);
    auto now = clock_->steady_now();
    return {keys_, keys_ && now < fresh_until_, keys_ && now < usable_until_, generation_};
}

Jwk JwksCache::resolve(const JwsHeader& header) {
    return resolve_with(header, false);
}

Jwk JwksCache::resolve_from_provider(const JwsHeader& header) {
    return resolve_with(header, true);
}

Jwk JwksCache::resolve_with(const JwsHeader& header, bool ignore_cooldown) {
    Snapshot current = snapshot();
    std::shared_ptr<const Jwks> keys = current_keys(current);
    if (auto key = try_select(*keys, header)) {
        return *key; // the hot path: fresh keys, one short lock, no fetch
    }
    // An unknown kid: the provider may have rotated its keys. Refetch once (shared with every
    // concurrent miss; none when current_keys just fetched), unless the cooldown holds.
    auto newer = refetch(current.generation, true, ignore_cooldown);
    if (!newer) {
        throw TokenError(errc::unknown_key,
                         "no key" +
                             (header.kid ? " with kid '" + detail::printable(*header.kid) + "'"
                                         : std::string{}) +
                             " fits " + std::string{to_string(header.alg)} +
                             " (the key set was fetched moments ago)");
    }
    return newer->select(header.alg, header.kid);
}

std::shared_ptr<const Jwks> JwksCache::keys() {
    return current_keys(snapshot());
}

std::shared_ptr<const Jwks> JwksCache::current_keys(const Snapshot& current) {
    if (current.fresh) {
        return current.keys;
    }
    if (current.usable) {
        // Expired but still usable: refresh now, unless someone else already is (then do not
        // wait for them) or the cooldown holds; while refreshes fail the old keys serve on.
        try {
            if (auto newer = refetch(current.generation, false)) {
                return newer;
            }
        } catch (const Error& e) {
            log(LogLevel::warning,
                std::string{"JWKS refresh failed; using the last good keys: "} + e.what());
        }
        return current.keys;
    }
    auto newer = refetch(current.generation, true);
    if (!newer) {
        std::unique_lock lock(mutex_);
        if (last_error_) {
            rethrow_copy(last_error_);
        }
        throw TransportError(errc::jwks_failed,
                             "the key set at " + jwks_uri_ + " is not available");
    }
    return newer;
}

std::shared_ptr<const Jwks> JwksCache::refetch(std::uint64_t seen_generation, bool wait,
                                               bool ignore_cooldown) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (generation_ != seen_generation) {
            // A fetch ended after the caller looked: its outcome is the caller's too.
            if (last_error_) {
                rethrow_copy(last_error_);
            }
            return keys_;
        }
        auto now = clock_->steady_now();
        if (fetching_ && !options_.disable_single_flight_for_testing) {
            if (!wait) {
                return nullptr;
            }
            if (!clock_->wait_until(lock, fetched_, now + options_.fetch_wait,
                                    [&] { return generation_ != seen_generation; })) {
                throw TransportError(errc::jwks_failed,
                                     "timed out waiting for the key set at " + jwks_uri_);
            }
            continue;
        }
        if (!ignore_cooldown && last_attempt_ && now < *last_attempt_ + cooldown()) {
            return nullptr;
        }
        if (retry_not_before_ && now < *retry_not_before_) {
            return nullptr; // the provider asked for a pause (429/503 with Retry-After)
        }
        fetch_now(lock);
        seen_generation = generation_ - 1;
    }
}

std::chrono::seconds JwksCache::cooldown() const {
    if (keys_ || failures_without_keys_ == 0) {
        return options_.refetch_cooldown;
    }
    // No keys yet: 1, 2, 4, ... times first_fetch_retry, at most the cooldown.
    const unsigned doublings = std::min(failures_without_keys_ - 1, 16u);
    const std::chrono::seconds backoff{options_.first_fetch_retry.count() << doublings};
    return std::min(backoff, options_.refetch_cooldown);
}

void JwksCache::fetch_now(std::unique_lock<std::mutex>& lock) {
    fetching_ = true;
    last_attempt_ = clock_->steady_now();
    ++fetches_;
    lock.unlock(); // never hold the lock across the network

    std::shared_ptr<const Jwks> fetched;
    std::chrono::seconds lifetime = options_.default_max_age;
    std::exception_ptr error;
    std::optional<std::chrono::seconds> retry_after;
    std::string fetched_body;
    try {
        HttpRequest request;
        request.url = jwks_uri_;
        request.headers.emplace_back("Accept", "application/jwk-set+json, application/json");
        HttpResponse response;
        try {
            response = http_->send(request);
        } catch (const TransportError& e) {
            throw TransportError(errc::jwks_failed,
                                 "fetching the key set at " + jwks_uri_ + " failed: " +
                                     std::string{to_string(e.code())} + ": " + e.what());
        }
        if (response.status != 200) {
            if (response.status == 429 || response.status == 503) {
                if (auto value = response.header("Retry-After")) {
                    retry_after = retry_after_seconds(*value);
                }
            }
            throw AuthenticationError(errc::jwks_failed,
                                      "the key set at " + jwks_uri_ + " answered HTTP " +
                                          std::to_string(response.status),
                                      ProviderAnswer{"", "", response.status});
        }
        Jwks set;
        try {
            set = Jwks::parse(response.body);
        } catch (const TokenError& e) {
            throw AuthenticationError(errc::jwks_failed, "the answer of " + jwks_uri_ +
                                                             " is not a key set: " + e.what());
        }
        if (set.empty()) {
            throw AuthenticationError(errc::jwks_failed,
                                      "the key set at " + jwks_uri_ + " has no usable key");
        }
        if (auto cache_control = response.header("Cache-Control")) {
            if (auto max_age = cache_control_max_age(*cache_control)) {
                lifetime = *max_age;
            }
        }
        lifetime = std::clamp(lifetime, options_.min_max_age, options_.max_max_age);
        fetched = std::make_shared<const Jwks>(std::move(set));
        if (options_.on_fetched) {
            fetched_body = std::move(response.body);
        }
    } catch (...) {
        error = std::current_exception();
    }

    if (fetched && options_.on_fetched) {
        options_.on_fetched(fetched_body, lifetime);
    }
    lock.lock();
    auto now = clock_->steady_now();
    if (fetched) {
        keys_ = std::move(fetched);
        fresh_until_ = now + lifetime;
        usable_until_ = fresh_until_ + options_.max_stale;
        last_error_ = nullptr;
        retry_not_before_.reset();
        failures_without_keys_ = 0;
    } else {
        last_error_ = error;
        if (!keys_) {
            ++failures_without_keys_;
        }
        if (retry_after) {
            retry_not_before_ = now + std::min(*retry_after, options_.max_retry_after);
        } else {
            retry_not_before_.reset();
        }
    }
    fetching_ = false;
    ++generation_;
    fetched_.notify_all();
}

} // namespace authflow
