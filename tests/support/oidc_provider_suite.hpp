#pragma once
// A gtest fixture for a test program whose cases share one OpenID Provider (node oidc-provider).
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace authflow::test {

/// Starts oidc-provider once for the suite, when node and the pinned package are there, with
/// http://127.0.0.1:<fixed_port>/callback (a port free at the start) as its registered redirect
/// URI; each case is skipped without it (a failure under CI). Derive the suite's fixture from
/// it. Not thread-safe (gtest calls it from the main thread).
class OidcProviderSuite : public ::testing::Test {
protected:
    static inline std::unique_ptr<OidcProvider> op;
    static inline int fixed_port = 0;

    static void SetUpTestSuite() {
        if (!OidcProvider::available()) {
            return;
        }
        fixed_port = free_port();
        OidcProviderOptions options;
        options.redirect_uris = {fixed_redirect_uri()};
        op = std::make_unique<OidcProvider>(options);
    }
    static void TearDownTestSuite() { op.reset(); }

    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        ASSERT_TRUE(op);
    }

    /// http://127.0.0.1:<fixed_port>/callback
    static std::string fixed_redirect_uri() {
        return "http://127.0.0.1:" + std::to_string(fixed_port) + "/callback";
    }
};

} // namespace authflow::test
