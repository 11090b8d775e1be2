#pragma once
// Helpers of the tests that share one token store between processes: the test program starts
// copies of itself, each running one disabled test case as a child (its role, id and directory in
// the environment), coordinated through files in that directory; the refresh grants go to node
// oidc-provider's confidential client.
#include "support/oidc_provider.hpp"
#include "support/process.hpp"

#include <authflow/core/token_set.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace authflow::test {

/// The client the processes share: oidc-provider's confidential client.
inline constexpr const char* shared_client_id = "conf-client";

/// The value of the environment variable `name`, or `fallback` when it is not set.
std::string env_or(const char* name, std::string fallback = {});

/// Provider options for these tests: refresh tokens rotate (a reused one ends the grant) and
/// access tokens live `access_token_ttl` seconds.
OidcProviderOptions rotating_refresh_options(int access_token_ttl);

/// The shared client at `issuer` (scopes openid, offline_access, email); its token requests go
/// to `token_url` when given instead of the discovered endpoint.
std::shared_ptr<GenericOIDCProvider> make_shared_client(const std::string& issuer,
                                                        const std::string& token_url = {});

/// Signs alice in through the provider's pages (prompt=consent, so a refresh token is issued)
/// and returns her tokens.
OAuthTokenSet sign_in(GenericOIDCProvider& client);

/// How open_store opens a Redis store.
struct RedisStoreSpec {
    std::string prefix;        ///< the keys' prefix
    std::size_t pool_size = 0; ///< connections; 0 for the store's default
};

/// Opens the store described by "sqlite:<path>" or "redis:<url>" with the base64 store key.
/// Throws std::runtime_error for any other spec (or redis: in a build without Redis).
std::shared_ptr<TokenStore> open_store(const std::string& spec, const std::string& key,
                                       const RedisStoreSpec& redis);

/// Waits (polling every 5 ms) until `path` exists; false when it does not after `timeout`.
bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout);

/// Starts this test program again, running only the disabled case `child_test` (e.g.
/// "SessionChild.DISABLED_Run"), with `env` plus AUTHFLOW_TEST_CHILD_ROLE, _ID and _DIR; its
/// output goes to <dir>/<role>-<id>.log.
std::unique_ptr<ChildProcess> start_child(const std::string& child_test,
                                          const std::filesystem::path& dir, const std::string& role,
                                          int id, std::map<std::string, std::string> env);

} // namespace authflow::test
