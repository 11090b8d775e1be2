#include "document_codec.hpp"
#include "internal/store_internal.hpp"
#include "record_seal.hpp"
#include "token_set_codec.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/store/token_store.hpp>

#include <algorithm>

namespace authflow {

// The typed layers share one seal: documents are encrypted exactly like token sets.
struct TokenStore::Layers {
    Layers(std::string backend, RecordSealing sealing)
        : seal(std::move(backend), std::move(sealing.key), sealing.encoding),
          tokens(seal, std::move(sealing.clock)), documents(seal) {}

    store_detail::RecordSeal seal;
    store_detail::TokenSetCodec tokens;
    store_detail::DocumentCodec documents;
};

TokenStore::TokenStore(std::string_view backend, RecordSealing sealing)
    : layers_(std::make_unique<Layers>(std::string{backend}, std::move(sealing))) {}

bool TokenStore::encrypts() const noexcept {
    return layers_->seal.is_encrypting();
}

TokenStore::~TokenStore() = default;

std::string TokenStore::token_record(std::string_view key, const OAuthTokenSet& tokens) const {
    return layers_->tokens.encode(record_name(RecordKind::token_set, key), tokens);
}

void TokenStore::save(std::string_view key, const OAuthTokenSet& tokens) {
    validate_store_key(key);
    do_put(RecordKind::token_set, std::string{key}, token_record(key, tokens), std::nullopt);
}

void TokenStore::save(std::string_view key, const OAuthTokenSet& tokens,
                      std::chrono::milliseconds ttl) {
    validate_store_key(key);
    store_detail::positive_ms(ttl, backend(), "record ttl");
    do_put(RecordKind::token_set, std::string{key}, token_record(key, tokens), ttl);
}

bool TokenStore::save_if_held(const Lease& lease, std::string_view key,
                              const OAuthTokenSet& tokens) {
    validate_store_key(key);
    return put_if_held(lease, RecordKind::token_set, key, token_record(key, tokens));
}

std::optional<OAuthTokenSet> TokenStore::load(std::string_view key) {
    validate_store_key(key);
    std::string owned{key};
    auto record = do_get(RecordKind::token_set, owned);
    if (!record) {
        return std::nullopt;
    }
    return layers_->tokens.decode(record_name(RecordKind::token_set, key), key, *record);
}

bool TokenStore::remove(std::string_view key) {
    validate_store_key(key);
    layers_->tokens.forget(record_name(RecordKind::token_set, key));
    std::string owned{key};
    bool removed = false;
    for (RecordKind kind : record_kinds) {
        removed = do_erase(kind, owned) || removed;
    }
    return removed;
}

bool TokenStore::exists(std::string_view key) {
    validate_store_key(key);
    std::string owned{key};
    return std::any_of(std::begin(record_kinds), std::end(record_kinds),
                       [&](RecordKind kind) { return do_contains(kind, owned); });
}

std::vector<std::string> TokenStore::list_keys() {
    std::vector<std::string> keys;
    for (RecordKind kind : record_kinds) {
        auto more = do_keys(kind);
        keys.insert(keys.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

void TokenStore::save_document(std::string_view key, const nlohmann::json& document) {
    validate_store_key(key);
    std::string name = record_name(RecordKind::document, key);
    do_put(RecordKind::document, std::string{key}, layers_->documents.encode(name, document),
           std::nullopt);
}

std::optional<nlohmann::json> TokenStore::load_document(std::string_view key) {
    validate_store_key(key);
    std::string owned{key};
    std::string name = record_name(RecordKind::document, key);
    if (auto record = do_get(RecordKind::document, owned)) {
        return layers_->documents.decode(name, key, *record);
    }
    // Earlier versions kept a document inside a token set under the same key: read it, and move
    // it to the document records so the next read finds it there.
    auto legacy = do_get(RecordKind::token_set, owned);
    if (!legacy) {
        return std::nullopt;
    }
    std::string legacy_name = record_name(RecordKind::token_set, key);
    auto document =
        store_detail::legacy_document(layers_->tokens.decode(legacy_name, key, *legacy));
    if (!document) {
        store_detail::fail(errc::store_corrupt, backend(),
                           store_detail::quoted_record(key) + " is not a document");
    }
    // Moving it is an improvement, not a condition of reading it (the store may be read-only).
    try {
        do_put(RecordKind::document, owned, layers_->documents.encode(name, *document),
               std::nullopt);
        layers_->tokens.forget(legacy_name);
        do_erase(RecordKind::token_set, owned);
    } catch (const StoreError& error) {
        log(LogLevel::warning, std::string{backend()} + " store: could not move " +
                                   store_detail::quoted_record(key) +
                                   " to the document records (it stays readable): " + error.what());
    }
    return document;
}

} // namespace authflow
