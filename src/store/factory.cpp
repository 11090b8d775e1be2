#include "file_lease.hpp"
#include "internal/keyring_data_key.hpp"
#include "internal/store_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/store/factory.hpp>

#include <map>
#include <mutex>
#include <sstream>

namespace authflow {
namespace {

std::string optional_ms(const std::optional<std::chrono::milliseconds>& value) {
    return value ? std::to_string(value->count()) : "-";
}

std::string key_id_of(const std::optional<StoreKey>& key) {
    return key ? key->key_id() : "-";
}

std::string path_text(const std::filesystem::path& path) {
    return std::filesystem::absolute(path).lexically_normal().string();
}

// Identifies a store by everything that makes it differ; never holds a secret (the Redis URL,
// which may carry a password, is hashed; keys appear by key id).
std::string cache_key(const std::string& backend, const TokenStoreOptions& options) {
    std::ostringstream key;
    key << backend;
    if (backend == "memory") {
        const auto& o = options.memory;
        key << "|clock=" << o.clock.get() << "|ttl=" << optional_ms(o.record_ttl);
    } else if (backend == "sqlite") {
        const auto& o = options.sqlite;
        key << "|path=" << path_text(o.path.empty() ? default_sqlite_token_store_path() : o.path)
            << "|key=" << key_id_of(o.key) << "|busy=" << o.busy_timeout.count()
            << "|ttl=" << optional_ms(o.record_ttl) << "|clock=" << o.clock.get();
    } else if (backend == "redis") {
        const auto& o = options.redis;
        key << "|url=" << to_hex(sha256(o.url)) << "|prefix=" << o.prefix << "|pool=" << o.pool_size
            << "|key=" << key_id_of(o.key) << "|plain=" << o.insecure_plaintext_store
            << "|ttl=" << optional_ms(o.record_ttl) << "|timeouts=" << o.connect_timeout.count()
            << "," << o.command_timeout.count();
    } else if (backend == "keyring") {
        const auto& o = options.keyring;
        key << "|service=" << o.service << "|key=" << key_id_of(o.key)
            << "|ttl=" << optional_ms(o.record_ttl) << "|locks="
            << path_text(o.lock_dir.empty() ? store_detail::default_lock_dir() : o.lock_dir)
            << "|clock=" << o.clock.get();
    }
    return key.str();
}

struct Registry {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<TokenStore>> stores;
    std::optional<std::string> auto_choice;
};

Registry& registry() {
    static Registry instance;
    return instance;
}

bool is_built(std::string_view backend) {
    if (backend == "memory") {
        return true;
    }
    if (backend == "sqlite") {
        return AUTHFLOW_WITH_SQLITE != 0;
    }
    if (backend == "redis") {
        return AUTHFLOW_WITH_REDIS != 0;
    }
    if (backend == "keyring") {
        return AUTHFLOW_WITH_KEYRING != 0;
    }
    return false;
}

std::string choose_auto() {
    if (is_built("keyring") && secret_service_available()) {
        return "keyring";
    }
    if (is_built("sqlite")) {
        return "sqlite";
    }
    return "memory";
}

std::shared_ptr<TokenStore> make_resolved(const std::string& backend,
                                          const TokenStoreOptions& options) {
    if (backend == "memory") {
        return std::make_shared<MemoryTokenStore>(options.memory);
    }
#if AUTHFLOW_WITH_SQLITE
    if (backend == "sqlite") {
        return std::make_shared<SqliteTokenStore>(options.sqlite);
    }
#endif
#if AUTHFLOW_WITH_REDIS
    if (backend == "redis") {
        return std::make_shared<RedisTokenStore>(options.redis);
    }
#endif
#if AUTHFLOW_WITH_KEYRING
    if (backend == "keyring") {
        return std::make_shared<KeyringTokenStore>(options.keyring);
    }
#endif
    throw ConfigError(errc::config_invalid, "unknown token store backend: " + backend);
}

} // namespace

std::vector<std::string> available_token_store_backends() {
    std::vector<std::string> names;
    for (const char* name : {"memory", "sqlite", "redis", "keyring"}) {
        if (is_built(name)) {
            names.emplace_back(name);
        }
    }
    return names;
}

std::string resolve_token_store_backend(std::string_view backend) {
    if (backend == "auto") {
        return choose_auto();
    }
    if (backend == "memory" || backend == "sqlite" || backend == "redis" || backend == "keyring") {
        if (!is_built(backend)) {
            throw ConfigError(errc::config_invalid,
                              "this build of authflow has no " + std::string{backend} +
                                  " token store (it was configured with AUTHFLOW_WITH_" +
                                  (backend == "sqlite"  ? "SQLITE"
                                   : backend == "redis" ? "REDIS"
                                                        : "KEYRING") +
                                  "=OFF)");
        }
        return std::string{backend};
    }
    throw ConfigError(errc::config_invalid,
                      "unknown token store backend '" + std::string{backend.substr(0, 64)} +
                          "' (expected auto, memory, sqlite, redis or keyring)");
}

std::shared_ptr<TokenStore> make_token_store(std::string_view backend,
                                             const TokenStoreOptions& options) {
    return make_resolved(resolve_token_store_backend(backend), options);
}

std::shared_ptr<TokenStore> get_token_store(std::string_view backend,
                                            const TokenStoreOptions& options) {
    auto& reg = registry();
    std::string resolved;
    if (backend == "auto") {
        std::unique_lock lock(reg.mutex);
        if (reg.auto_choice) {
            resolved = *reg.auto_choice;
        } else {
            lock.unlock();
            resolved = choose_auto();
            lock.lock();
            reg.auto_choice = resolved;
        }
    } else {
        resolved = resolve_token_store_backend(backend);
    }
    std::string key = cache_key(resolved, options);
    {
        std::lock_guard lock(reg.mutex);
        if (auto it = reg.stores.find(key); it != reg.stores.end()) {
            return it->second;
        }
    }
    // Opening a store may do I/O (files, D-Bus): not under the registry lock. When two threads
    // race, the first to register wins and the other's store is dropped.
    auto store = make_resolved(resolved, options);
    std::lock_guard lock(reg.mutex);
    auto [it, inserted] = reg.stores.emplace(key, std::move(store));
    return it->second;
}

void reset_token_store() {
    auto& reg = registry();
    std::map<std::string, std::shared_ptr<TokenStore>> old;
    {
        std::lock_guard lock(reg.mutex);
        old.swap(reg.stores);
        reg.auto_choice.reset();
    }
}

TokenStoreOptions token_store_options(const OAuth2Settings& settings) {
    TokenStoreOptions options;
    options.sqlite.path = settings.token_store_path;
    options.redis.url = settings.redis_url;
    options.redis.prefix = settings.redis_prefix;
    options.redis.insecure_plaintext_store = settings.insecure_plaintext_store;
    options.keyring.service = settings.keyring_service;
    // Only the stores that encrypt need the key: a bad key file must not break a memory store.
    const auto backend = settings.token_store_backend;
    if (backend == TokenStoreBackend::sqlite || backend == TokenStoreBackend::redis ||
        backend == TokenStoreBackend::automatic) {
        auto key = load_store_key(settings.store_key_file);
        options.sqlite.key = key;
        options.redis.key = key;
    }
    if (backend == TokenStoreBackend::sqlite && !options.sqlite.key) {
        // No key configured: where a keyring answers, a new SQLite store is encrypted with a data
        // key the keyring keeps.
        options.sqlite.key = store_detail::keyring_data_key(
            options.sqlite.path.empty() ? default_sqlite_token_store_path() : options.sqlite.path);
    }
    return options;
}

std::shared_ptr<TokenStore> get_token_store(const OAuth2Settings& settings) {
    return get_token_store(to_string(settings.token_store_backend), token_store_options(settings));
}

} // namespace authflow
