#pragma once
// The token-set layer of TokenStore (not installed): OAuthTokenSet to sealed record bytes and
// back, remembering what it decoded last.

#include "record_seal.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace authflow::store_detail {

/// Turns token sets into stored records and back: JSON (OAuthTokenSet::to_json_string), sealed
/// by the RecordSeal (encrypted with the store key when there is one).
///
/// Decoding (a JSON parse, perhaps a decryption) costs far more than a small store's round trip,
/// and most loads read a record that has not changed since this process last saw it. So the
/// codec remembers, per record name, the last record text it decoded or encoded together with the
/// token set: a load whose text is byte-for-byte the remembered one returns a copy without
/// decoding again. The comparison is with the text the backend just returned, so the cache can
/// never hand out anything the store does not hold now. At most `cache_capacity` names are
/// remembered (least recently used first out). Safe to use from several threads.
class TokenSetCodec {
public:
    static constexpr std::size_t cache_capacity = 256;

    /// `seal` must outlive the codec.
    TokenSetCodec(const RecordSeal& seal, std::shared_ptr<const Clock> clock);

    /// `name` is the record's name bound into the encryption (RecordStore::record_name).
    std::string encode(std::string_view name, const OAuthTokenSet& tokens) const;
    /// Throws StoreError: store_corrupt (not JSON of a token set, too large, bad format),
    /// decrypt_failed (see RecordSeal::open).
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

    const RecordSeal& seal_;
    std::shared_ptr<const Clock> clock_;
    mutable std::mutex cache_mutex_;
    mutable std::map<std::string, CacheEntry, std::less<>> cache_;
    mutable std::list<std::string> lru_; ///< most recently used first
};

} // namespace authflow::store_detail
