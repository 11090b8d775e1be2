#pragma once
// Two processes sharing one token store: this test program started again as children, each
// running one role of the `StoreChild.DISABLED_Run` test.

#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/store/token_store.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace authflow::test {

using ChildEnv = std::map<std::string, std::string>;

/// Defined by each test program that uses these helpers: opens, in a child, the store the parent
/// described in the environment it passed.
std::shared_ptr<TokenStore> open_child_store();

/// Two processes open the store at the same moment (so both may create it) and write records
/// at once, each its own keys and one shared key; afterwards the store `open_store` opens in this
/// process holds every record intact.
void expect_two_processes_share_records(
    const std::function<std::shared_ptr<TokenStore>()>& open_store, const ChildEnv& env);

/// Two processes each increment a counter in a file `rounds` times, read-pause-write, holding
/// the lease "counter" around each increment when `use_lease`. Returns the final count.
int run_two_process_counter(const ChildEnv& env, bool use_lease, int rounds);

/// A child takes the lease "held" for `ttl` and is killed (SIGKILL): `store` cannot take it at
/// once, and can within the TTL (plus some slack) of the child's acquisition.
void expect_dead_holder_blocks_at_most_ttl(TokenStore& store, const ChildEnv& env,
                                           std::chrono::milliseconds ttl);

} // namespace authflow::test
