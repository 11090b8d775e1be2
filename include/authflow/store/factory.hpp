#pragma once
// Choosing and sharing token stores, with each backend's own options honoured.

#include <authflow/core/settings.hpp>
#include <authflow/store/keyring_token_store.hpp>
#include <authflow/store/memory_token_store.hpp>
#include <authflow/store/redis_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>
#include <authflow/store/token_store.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// The options of every backend; only the chosen backend's are used.
struct TokenStoreOptions {
    MemoryTokenStoreOptions memory;
    SqliteTokenStoreOptions sqlite;
    RedisTokenStoreOptions redis;
    KeyringTokenStoreOptions keyring;
};

/// The backends this build has, among "memory", "sqlite", "redis", "keyring".
std::vector<std::string> available_token_store_backends();

/// Turns a backend name into the backend to use: "auto" becomes "keyring" when a Secret Service
/// answers, else "sqlite" (else "memory" when built without both); other names are returned as
/// they are. Throws ConfigError (config_invalid) for an unknown name or one this build lacks.
std::string resolve_token_store_backend(std::string_view backend);

/// A new store of `backend` ("auto" resolved as above) with its options. Throws ConfigError for
/// an unknown backend or invalid options, StoreError when the backend cannot be opened.
std::shared_ptr<TokenStore> make_token_store(std::string_view backend,
                                             const TokenStoreOptions& options = {});

/// The process-wide store of `backend` for these options: the same instance for the same backend
/// and options, a different one when either differs (never the first instance made, whatever
/// was asked: tokens would land in the wrong backend). Nothing is cached when creation throws.
/// Throws as make_token_store. Safe to call from several threads.
std::shared_ptr<TokenStore> get_token_store(std::string_view backend = "memory",
                                            const TokenStoreOptions& options = {});

/// Forgets every cached store (stores still referenced elsewhere live on).
void reset_token_store();

/// The options that `settings` describe: token_store_path, redis_url, redis_prefix,
/// keyring_service, insecure_plaintext_store, and the store key from AUTHFLOW_STORE_KEY or
/// store_key_file (see load_store_key). For the sqlite backend without a configured key, where a
/// Secret Service answers, a new database gets a data key the keyring keeps (one existing without
/// such a key stays plain). Throws ConfigError for an unreadable or invalid key.
TokenStoreOptions token_store_options(const OAuth2Settings& settings);

/// get_token_store(settings.token_store_backend, token_store_options(settings)).
std::shared_ptr<TokenStore> get_token_store(const OAuth2Settings& settings);

} // namespace authflow
