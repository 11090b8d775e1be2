// The refresh lease of a deploy session's tokens, as a sign-out takes it: after any refresh in
// flight (which holds it across its call to the token endpoint) has stored what it received.
#include <authflow/core/log.hpp>
#include <authflow/deploy/auth_routes.hpp>

#include <string>
#include <thread>

namespace authflow {

std::unique_ptr<Lease> AuthRoutes::wait_for_refresh_lease(const std::string& key) const {
    // Bounded: a holder that died keeps the lease at most its TTL; past the bound the sign-out
    // goes on without it (the refresh's own session check still keeps its tokens out).
    for (int attempt = 0; attempt < refresh_lease_attempts; ++attempt) {
        try {
            if (auto lease = stores_.tokens->try_acquire("refresh:" + key, refresh_lease_ttl)) {
                return lease;
            }
        } catch (const StoreError& e) {
            log(LogLevel::warning, std::string{"logout: refresh lease not taken: "} + e.what());
            return nullptr;
        }
        std::this_thread::sleep_for(refresh_lease_poll);
    }
    log(LogLevel::warning, "logout: a refresh held the session's lease too long; signing out "
                           "without it");
    return nullptr;
}

} // namespace authflow
