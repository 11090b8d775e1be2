#include "support/session_processes.hpp"

#include <authflow/config.hpp>
#include <authflow/core/url.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/redis_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace authflow::test {

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string{value} : fallback;
}

OidcProviderOptions rotating_refresh_options(int access_token_ttl) {
    OidcProviderOptions options;
    options.rotate_refresh_token = true;
    options.access_token_ttl = access_token_ttl;
    return options;
}

std::shared_ptr<GenericOIDCProvider> make_shared_client(const std::string& issuer,
                                                        const std::string& token_url) {
    ProviderConfig config;
    config.client_id = shared_client_id;
    config.client_secret = OidcProvider::secret_of(shared_client_id);
    config.issuer_url = issuer;
    config.token_url = token_url;
    config.scopes = {"openid", "offline_access", "email"};
    return std::make_shared<GenericOIDCProvider>(std::move(config));
}

OAuthTokenSet sign_in(GenericOIDCProvider& client) {
    auto request = client.begin_authorization(OidcProvider::default_redirect_uri,
                                              QueryParams{{"prompt", "consent"}});
    OpBrowser browser;
    auto callback = browser.authorize(request.url, OidcProvider::default_redirect_uri);
    return client.complete_login(request, callback).tokens;
}

std::shared_ptr<TokenStore> open_store(const std::string& spec,
                                       [[maybe_unused]] const std::string& key,
                                       [[maybe_unused]] const RedisStoreSpec& redis) {
#if AUTHFLOW_WITH_SQLITE
    if (spec.rfind("sqlite:", 0) == 0) {
        SqliteTokenStoreOptions options;
        options.path = spec.substr(7);
        options.key = StoreKey::from_base64(key);
        return std::make_shared<SqliteTokenStore>(options);
    }
#endif
#if AUTHFLOW_WITH_REDIS
    if (spec.rfind("redis:", 0) == 0) {
        RedisTokenStoreOptions options;
        options.url = spec.substr(6);
        options.prefix = redis.prefix;
        options.key = StoreKey::from_base64(key);
        if (redis.pool_size != 0) {
            options.pool_size = redis.pool_size;
        }
        return std::make_shared<RedisTokenStore>(options);
    }
#endif
    throw std::runtime_error("unknown store spec " + spec);
}

bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!std::filesystem::exists(path)) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return true;
}

std::unique_ptr<ChildProcess> start_child(const std::string& child_test,
                                          const std::filesystem::path& dir, const std::string& role,
                                          int id, std::map<std::string, std::string> env) {
    env["AUTHFLOW_TEST_CHILD_ROLE"] = role;
    env["AUTHFLOW_TEST_CHILD_ID"] = std::to_string(id);
    env["AUTHFLOW_TEST_CHILD_DIR"] = dir.string();
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{std::filesystem::read_symlink("/proc/self/exe").string(),
                                 "--gtest_filter=" + child_test, "--gtest_also_run_disabled_tests",
                                 "--gtest_brief=1"},
        env, dir / (role + "-" + std::to_string(id) + ".log"));
}

} // namespace authflow::test
