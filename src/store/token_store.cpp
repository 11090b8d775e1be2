#include "store_internal.hpp"
#include "token_json.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/random.hpp>
#include <authflow/store/token_store.hpp>

#include <algorithm>
#include <exception>
#include <mutex>
#include <set>

namespace authflow {
namespace store_detail {

void fail(errc code, std::string_view backend, std::string_view message) {
    std::string text{backend};
    text += " store: ";
    text += message;
    throw StoreError(code, text);
}

std::shared_ptr<const Clock> clock_or_system(std::shared_ptr<const Clock> clock) {
    if (clock) {
        return clock;
    }
    // The system clock lives for the whole process: share it without owning it.
    return std::shared_ptr<const Clock>(std::shared_ptr<const Clock>{}, &system_clock());
}

std::int64_t wall_ms(const Clock& clock) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
        .count();
}

std::int64_t positive_ms(std::chrono::milliseconds ttl, std::string_view backend,
                         std::string_view what) {
    if (ttl.count() <= 0) {
        fail(errc::invalid_argument, backend, std::string{what} + " must be positive");
    }
    // A year is far beyond any sensible lease or session, and keeps expiry arithmetic in range.
    constexpr std::int64_t max_ms = 366LL * 24 * 3600 * 1000;
    if (ttl.count() > max_ms) {
        fail(errc::invalid_argument, backend, std::string{what} + " is longer than a year");
    }
    return ttl.count();
}

RecordCodec::RecordCodec(std::string backend, std::optional<StoreKey> key,
                         std::shared_ptr<const Clock> clock, RecordEncoding encoding)
    : backend_(std::move(backend)), clock_(clock_or_system(std::move(clock))), encoding_(encoding) {
    if (key) {
        cipher_.emplace(std::move(*key));
    }
}

std::string RecordCodec::encode(std::string_view name, const OAuthTokenSet& tokens) const {
    std::string json;
    try {
        json = encode_token_json(tokens);
    } catch (const std::exception&) {
        // nlohmann rejects invalid UTF-8; never echo the offending token.
        fail(errc::invalid_argument, backend_,
             "the token set cannot be serialised (a field is not valid UTF-8)");
    }
    std::string record = cipher_ ? cipher_->encrypt(name, json, encoding_) : std::move(json);
    remember(name, record, tokens);
    return record;
}

OAuthTokenSet RecordCodec::decode(std::string_view name, std::string_view key,
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

void RecordCodec::remember(std::string_view name, std::string record,
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

void RecordCodec::forget(std::string_view name) const {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(name); it != cache_.end()) {
        lru_.erase(it->second.position);
        cache_.erase(it);
    }
}

OAuthTokenSet RecordCodec::decode_uncached(std::string_view name, std::string_view key,
                                           std::string_view text) const {
    std::string quoted = "record '" + std::string{key.substr(0, 128)} + "'";
    if (text.size() > max_record_size) {
        fail(errc::store_corrupt, backend_, quoted + " is larger than 4 MiB");
    }
    std::string plain;
    std::string_view json = text;
    if (RecordCipher::is_encrypted(text)) {
        if (!cipher_) {
            fail(errc::decrypt_failed, backend_,
                 quoted + " is encrypted, but no store key is configured (set AUTHFLOW_STORE_KEY "
                          "or store_key_file)");
        }
        try {
            plain = cipher_->decrypt(name, text);
        } catch (const StoreError& error) {
            fail(error.code(), backend_, quoted + ": " + error.what());
        }
        json = plain;
    } else if (cipher_) {
        // A plain record where encrypted ones are expected: someone wrote around the store, or
        // the key was configured after the record was saved. Never trust it silently.
        fail(errc::decrypt_failed, backend_,
             quoted + " is not encrypted, but a store key (id " + cipher_->key().key_id() +
                 ") is configured; remove it and sign in again");
    }
    try {
        return decode_token_json(json, *clock_);
    } catch (const Error&) {
        fail(errc::store_corrupt, backend_, quoted + " is not a valid token set");
    }
}

std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        code = c;
        return 1;
    }
    std::size_t length = 0;
    if ((c & 0xe0) == 0xc0) {
        length = 2;
        code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        length = 3;
        code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        length = 4;
        code = c & 0x07;
    } else {
        return 0;
    }
    if (i + length > text.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xc0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t min_code[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < min_code[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return 0;
    }
    return length;
}

void note_unencrypted_once(std::string_view backend, std::string_view where) {
    static std::mutex mutex;
    static std::set<std::string, std::less<>> said;
    {
        std::lock_guard lock(mutex);
        if (!said.emplace(std::string{backend} + "\n" + std::string{where}).second) {
            return;
        }
    }
    {
        log(LogLevel::info, std::string{backend} + " token store " + std::string{where} +
                                " is not encrypted (no store key); the file is readable by "
                                "this user only. Set AUTHFLOW_STORE_KEY to encrypt it.");
    }
}

} // namespace store_detail

namespace {

// Accepts UTF-8 without control characters (C0, DEL or C1).
bool is_clean_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::uint32_t code = 0;
        std::size_t length = store_detail::decode_utf8(text, i, code);
        if (length == 0 || code < 0x20 || (code >= 0x7f && code < 0xa0)) {
            return false;
        }
        i += length;
    }
    return true;
}

} // namespace

void validate_store_key(std::string_view key, std::string_view what) {
    if (key.empty() || key.size() > 512) {
        throw StoreError(errc::invalid_argument,
                         "token store: a " + std::string{what} + " must be 1 to 512 bytes long");
    }
    if (!is_clean_utf8(key)) {
        throw StoreError(errc::invalid_argument, "token store: a " + std::string{what} +
                                                     " must be UTF-8 without control characters");
    }
}

// --- Lease ---------------------------------------------------------------------------------

Lease::Lease(std::shared_ptr<detail::LeaseBackend> backend, std::string name, std::string holder)
    : backend_(std::move(backend)), name_(std::move(name)), holder_(std::move(holder)) {}

Lease::~Lease() {
    try {
        release();
    } catch (const std::exception& error) {
        log(LogLevel::warning,
            "could not release lease '" + name_ + "' (it expires by itself): " + error.what());
    }
}

void Lease::renew(std::chrono::milliseconds ttl) {
    store_detail::positive_ms(ttl, backend_->backend_name(), "lease ttl");
    std::lock_guard lock(mutex_);
    if (released_ || !backend_->renew(name_, holder_, ttl)) {
        store_detail::fail(errc::lease_lost, backend_->backend_name(),
                           "lease '" + name_ + "' is no longer held by this holder");
    }
}

bool Lease::release() {
    std::lock_guard lock(mutex_);
    if (released_) {
        return false;
    }
    released_ = true;
    return backend_->release(name_, holder_);
}

bool Lease::is_released() const {
    std::lock_guard lock(mutex_);
    return released_;
}

// --- TokenStore ------------------------------------------------------------------------------

void TokenStore::save(std::string_view key, const OAuthTokenSet& tokens) {
    validate_store_key(key);
    do_save(std::string{key}, tokens, std::nullopt);
}

void TokenStore::save(std::string_view key, const OAuthTokenSet& tokens,
                      std::chrono::milliseconds ttl) {
    validate_store_key(key);
    store_detail::positive_ms(ttl, backend(), "record ttl");
    do_save(std::string{key}, tokens, ttl);
}

std::optional<OAuthTokenSet> TokenStore::load(std::string_view key) {
    validate_store_key(key);
    return do_load(std::string{key});
}

bool TokenStore::remove(std::string_view key) {
    validate_store_key(key);
    return do_remove(std::string{key});
}

bool TokenStore::exists(std::string_view key) {
    validate_store_key(key);
    return do_exists(std::string{key});
}

std::vector<std::string> TokenStore::list_keys() {
    auto keys = do_list_keys();
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

namespace {

// A document travels as a token set that no token endpoint could have issued, so every backend
// stores (and encrypts) it unchanged.
constexpr std::string_view document_marker = "authflow-document";

} // namespace

void TokenStore::save_document(std::string_view key, const nlohmann::json& document) {
    OAuthTokenSet record;
    record.access_token = std::string{document_marker};
    record.token_type = std::string{document_marker};
    record.raw = nlohmann::json{{std::string{document_marker}, document}};
    record.issued_at = 0;
    save(key, record);
}

std::optional<nlohmann::json> TokenStore::load_document(std::string_view key) {
    auto record = load(key);
    if (!record) {
        return std::nullopt;
    }
    auto it = record->raw.find(std::string{document_marker});
    if (record->token_type != document_marker || it == record->raw.end()) {
        store_detail::fail(errc::store_corrupt, backend(),
                           "record '" + std::string{key.substr(0, 128)} + "' is not a document");
    }
    return *it;
}

std::unique_ptr<Lease> TokenStore::try_acquire(std::string_view name,
                                               std::chrono::milliseconds ttl) {
    validate_store_key(name, "lease name");
    store_detail::positive_ms(ttl, backend(), "lease ttl");
    auto backend = lease_backend();
    std::string holder = random_token(18);
    std::string lease_name{name};
    if (!backend->acquire(lease_name, holder, ttl)) {
        return nullptr;
    }
    return std::make_unique<Lease>(std::move(backend), std::move(lease_name), std::move(holder));
}

} // namespace authflow
