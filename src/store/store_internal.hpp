#pragma once
// Helpers shared by the token-store backends (not installed).

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/store/encryption.hpp>

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::store_detail {

/// Throws StoreError(code, "<backend> store: <message>").
[[noreturn]] void fail(errc code, std::string_view backend, std::string_view message);

/// `clock`, or the process's system clock when null.
std::shared_ptr<const Clock> clock_or_system(std::shared_ptr<const Clock> clock);

/// Wall time in Unix milliseconds.
std::int64_t wall_ms(const Clock& clock);

/// Milliseconds of a duration, checked to be positive (throws StoreError invalid_argument).
std::int64_t positive_ms(std::chrono::milliseconds ttl, std::string_view backend,
                         std::string_view what);

/// Largest record text a store accepts when reading (a bound on memory for damaged data).
inline constexpr std::size_t max_record_size = 4 * 1024 * 1024;

/// Turns token sets into stored records and back: JSON (OAuthTokenSet::to_json_string),
/// encrypted with the store key when there is one.
///
/// Decoding (a JSON parse, perhaps a decryption) costs far more than a small store's round trip,
/// and most loads read a record that has not changed since this process last saw it. So the
/// codec remembers, per record name, the last record text it decoded or encoded together with the
/// token set: a load whose text is byte-for-byte the remembered one returns a copy without
/// decoding again. The comparison is with the text the backend just returned, so the cache can
/// never hand out anything the store does not hold now. At most `cache_capacity` names are
/// remembered (least recently used first out). Safe to use from several threads.
class RecordCodec {
public:
    static constexpr std::size_t cache_capacity = 256;

    RecordCodec(std::string backend, std::optional<StoreKey> key,
                std::shared_ptr<const Clock> clock, RecordEncoding encoding = RecordEncoding::text);

    bool is_encrypting() const noexcept { return cipher_.has_value(); }
    /// `name` is the record's name bound into the encryption (the key, or the full Redis key).
    std::string encode(std::string_view name, const OAuthTokenSet& tokens) const;
    /// Throws StoreError: store_corrupt (not JSON of a token set, too large, bad format),
    /// decrypt_failed (wrong key, altered, another name's record, encrypted record without a
    /// key, or a plain record when a key is configured).
    OAuthTokenSet decode(std::string_view name, std::string_view key, std::string_view text) const;
    /// Drops what the cache remembers for `name` (after a removal: keeps plaintext short-lived).
    void forget(std::string_view name) const;

private:
    OAuthTokenSet decode_uncached(std::string_view name, std::string_view key,
                                  std::string_view text) const;
    void remember(std::string_view name, std::string record, const OAuthTokenSet& tokens) const;

    struct CacheEntry {
        std::string record;
        OAuthTokenSet tokens;
        std::list<std::string>::iterator position; ///< in lru_
    };

    std::string backend_;
    std::optional<RecordCipher> cipher_;
    std::shared_ptr<const Clock> clock_;
    RecordEncoding encoding_;
    mutable std::mutex cache_mutex_;
    mutable std::map<std::string, CacheEntry, std::less<>> cache_;
    mutable std::list<std::string> lru_; ///< most recently used first
};

/// Decodes the UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no surrogates,
/// at most U+10FFFF) into `code`; returns its length, or 0 when it is not valid. For bytes below
/// 0x80 it returns 1.
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code);

/// Logs (info), once per process and place, that a backend keeps records without encryption.
void note_unencrypted_once(std::string_view backend, std::string_view where);

} // namespace authflow::store_detail
