#include "token_set_codec.hpp"

#include "internal/store_internal.hpp"
#include "token_json.hpp"

#include <authflow/core/errors.hpp>

#include <exception>

namespace authflow::store_detail {

TokenSetCodec::TokenSetCodec(const RecordSeal& seal, std::shared_ptr<const Clock> clock)
    : seal_(seal), clock_(clock_or_system(std::move(clock))) {}

std::string TokenSetCodec::encode(std::string_view name, const OAuthTokenSet& tokens) const {
    std::string serialised;
    try {
        serialised = encode_token_json(tokens);
    } catch (const std::exception&) {
        // nlohmann rejects invalid UTF-8; never echo the offending token.
        fail(errc::invalid_argument, seal_.backend(),
             "the token set cannot be serialised (a field is not valid UTF-8)");
    }
    std::string record = seal_.seal(name, std::move(serialised));
    remember(name, record, tokens);
    return record;
}

OAuthTokenSet TokenSetCodec::decode(std::string_view name, std::string_view key,
                                    std::string_view text) const {
    {
        std::lock_guard lock(cache_mutex_);
        auto it = cache_.find(name);
        // Not a secret comparison: both sides are what the store holds (ciphertext when
        // encrypted), and whoever could write a record to probe it could read it.
        if (it != cache_.end() && it->second.record == text) {
            lru_.splice(lru_.begin(), lru_, it->second.position);
            return it->second.tokens;
        }
    }
    OAuthTokenSet tokens = decode_uncached(name, key, text);
    remember(name, std::string{text}, tokens);
    return tokens;
}

void TokenSetCodec::remember(std::string_view name, std::string record,
                             const OAuthTokenSet& tokens) const {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(name);
    if (it != cache_.end()) {
        it->second.record = std::move(record);
        it->second.tokens = tokens;
        lru_.splice(lru_.begin(), lru_, it->second.position);
        return;
    }
    if (cache_.size() >= cache_capacity) {
        cache_.erase(lru_.back());
        lru_.pop_back();
    }
    lru_.emplace_front(name);
    cache_.emplace(std::string{name}, CacheEntry{std::move(record), tokens, lru_.begin()});
}

void TokenSetCodec::forget(std::string_view name) const {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(name); it != cache_.end()) {
        lru_.erase(it->second.position);
        cache_.erase(it);
    }
}

OAuthTokenSet TokenSetCodec::decode_uncached(std::string_view name, std::string_view key,
                                             std::string_view text) const {
    std::string plain;
    std::string_view opened = seal_.open(name, key, text, plain);
    try {
        return decode_token_json(opened, *clock_);
    } catch (const Error&) {
        fail(errc::store_corrupt, seal_.backend(),
             quoted_record(key) + " is not a valid token set");
    }
}

} // namespace authflow::store_detail
