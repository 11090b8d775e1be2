// example_token_store [BACKEND]: keeps a token set in a token store, reads it back, lists the
// keys, and takes a lease the way a refresher would (docs/token-stores.md).
//
// BACKEND is memory (default), sqlite, redis, keyring or auto. The store key for encryption at
// rest comes from AUTHFLOW_STORE_KEY (Redis needs one: `export AUTHFLOW_STORE_KEY=$(openssl rand
// -base64 32)`); Redis is reached at AUTHFLOW_REDIS_URL or redis://127.0.0.1:6379/0.

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/store/factory.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    std::string backend = argc > 1 ? argv[1] : "memory";
    try {
        authflow::TokenStoreOptions options;
        auto key = authflow::load_store_key(); // AUTHFLOW_STORE_KEY, if set
        options.sqlite.key = key;
        options.redis.key = key;
        if (const char* url = std::getenv("AUTHFLOW_REDIS_URL")) {
            options.redis.url = url;
        }
        auto store = authflow::get_token_store(backend, options);

        authflow::OAuthTokenSet tokens;
        tokens.access_token = "example-access-token";
        tokens.refresh_token = "example-refresh-token";
        tokens.expires_in = 3600;
        tokens.scope = "openid email";
        tokens.issued_at = authflow::system_clock().unix_seconds();
        store->save("example-user", tokens);

        if (auto loaded = store->load("example-user")) {
            std::cout << store->backend() << ": " << loaded->to_string() << "\n";
        }
        for (const auto& key_name : store->list_keys()) {
            std::cout << "key: " << key_name << "\n";
        }

        // One refresher at a time, across every process that shares the store.
        if (auto lease = store->try_acquire("refresh:example-user", std::chrono::seconds{30})) {
            std::cout << "lease taken; refreshing would happen here\n";
            lease->release();
        } else {
            std::cout << "another process is refreshing\n";
        }
        store->remove("example-user");
        return 0;
    } catch (const authflow::Error& error) {
        std::cerr << "error: " << authflow::to_string(error.code()) << ": " << error.what() << "\n";
        return 1;
    }
}
