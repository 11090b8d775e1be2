// The error model: stable snake_case names, the error category, the exception hierarchy.
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace authflow {
namespace {

/// Every code, found by walking the enum from its first value until a name is "unknown".
std::vector<errc> all_codes() {
    std::vector<errc> codes;
    for (int value = static_cast<int>(errc::internal); value < 10000; ++value) {
        auto code = static_cast<errc>(value);
        if (to_string(code) == "unknown") {
            break;
        }
        codes.push_back(code);
    }
    return codes;
}

/// [a-z][a-z0-9]*(_[a-z0-9]+)* (std::regex trips a GCC 12 warning under the sanitizers).
bool is_snake_case(std::string_view name) {
    if (name.empty() || name.front() < 'a' || name.front() > 'z' || name.back() == '_') {
        return false;
    }
    char previous = '\0';
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || (c == '_' && previous == '_')) {
            return false;
        }
        previous = c;
    }
    return true;
}

TEST(Errors, SnakeCaseCheck) {
    EXPECT_TRUE(is_snake_case("bad_at_hash"));
    EXPECT_TRUE(is_snake_case("timeout"));
    EXPECT_FALSE(is_snake_case("Bad"));
    EXPECT_FALSE(is_snake_case("bad__x"));
    EXPECT_FALSE(is_snake_case("bad_"));
    EXPECT_FALSE(is_snake_case("_bad"));
    EXPECT_FALSE(is_snake_case("bad-x"));
    EXPECT_FALSE(is_snake_case(""));
}

TEST(Errors, EveryCodeHasAUniqueSnakeCaseName) {
    const auto codes = all_codes();
    // The walk must reach the last code of the enum as declared today.
    ASSERT_GE(codes.size(), static_cast<std::size_t>(errc::forbidden));
    EXPECT_EQ(codes.back() >= errc::forbidden, true);

    std::set<std::string_view> names;
    for (auto code : codes) {
        const auto name = to_string(code);
        EXPECT_TRUE(is_snake_case(name)) << static_cast<int>(code) << " -> " << name;
        EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    }
}

TEST(Errors, NamesMatchTheEnumerators) {
    EXPECT_EQ(to_string(errc::internal), "internal");
    EXPECT_EQ(to_string(errc::invalid_argument), "invalid_argument");
    EXPECT_EQ(to_string(errc::config_invalid), "config_invalid");
    EXPECT_EQ(to_string(errc::config_missing), "config_missing");
    EXPECT_EQ(to_string(errc::bad_base64), "bad_base64");
    EXPECT_EQ(to_string(errc::bad_url), "bad_url");
    EXPECT_EQ(to_string(errc::bad_pkce), "bad_pkce");
    EXPECT_EQ(to_string(errc::token_invalid), "token_invalid");
    EXPECT_EQ(to_string(errc::timeout), "timeout");
    EXPECT_EQ(to_string(errc::too_large), "too_large");
    EXPECT_EQ(to_string(errc::insecure_url), "insecure_url");
    EXPECT_EQ(to_string(errc::alg_none), "alg_none");
    EXPECT_EQ(to_string(errc::bad_audience), "bad_audience");
    EXPECT_EQ(to_string(errc::bad_at_hash), "bad_at_hash");
    EXPECT_EQ(to_string(errc::invalid_state), "invalid_state");
    EXPECT_EQ(to_string(errc::auth_timeout), "auth_timeout");
    EXPECT_EQ(to_string(errc::decrypt_failed), "decrypt_failed");
    EXPECT_EQ(to_string(errc::forbidden), "forbidden");
}

TEST(Errors, DocsListEveryCode) {
    const auto path = test::source_dir() / "docs" / "errors.md";
    std::string text;
    ASSERT_NO_THROW(text = test::read_file(path)) << path;
    for (auto code : all_codes()) {
        std::string cell = "`"; // appended, not `"`" + name + "`"`: GCC 12 warns falsely at -O2
        cell += to_string(code);
        cell += '`';
        EXPECT_NE(text.find(cell), std::string::npos) << "docs/errors.md lacks " << cell;
    }
}

TEST(Errors, Category) {
    EXPECT_STREQ(authflow_category().name(), "authflow");
    const std::error_code ec = make_error_code(errc::bad_audience);
    EXPECT_EQ(&ec.category(), &authflow_category());
    EXPECT_EQ(ec.value(), static_cast<int>(errc::bad_audience));
    EXPECT_EQ(ec.message(), "bad_audience");
    EXPECT_TRUE(ec); // no code is 0 (0 means success for std::error_code)

    const std::error_code implicit = errc::timeout; // is_error_code_enum
    EXPECT_EQ(implicit, make_error_code(errc::timeout));
    EXPECT_NE(implicit, make_error_code(errc::connect));
    EXPECT_NE(implicit, std::make_error_code(std::errc::timed_out));
}

TEST(Errors, CarriesCodeAndMessage) {
    const Error e(errc::bad_url, "a message");
    EXPECT_EQ(e.code(), errc::bad_url);
    EXPECT_STREQ(e.what(), "a message");
    EXPECT_EQ(e.oauth_error(), "");
    EXPECT_EQ(e.error_description(), "");
    EXPECT_EQ(e.http_status(), 0);
    EXPECT_EQ(e.display_code(), "bad_url");
}

TEST(Errors, DisplayCodePrefersTheProvidersError) {
    const TokenRefreshError e(errc::refresh_failed, "refresh refused",
                              ProviderAnswer{"invalid_grant", "refresh token revoked", 400});
    EXPECT_EQ(e.code(), errc::refresh_failed);
    EXPECT_EQ(e.display_code(), "invalid_grant");
    EXPECT_EQ(e.oauth_error(), "invalid_grant");
    EXPECT_EQ(e.error_description(), "refresh token revoked");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_EQ(e.provider_answer().http_status, 400);

    // An HTTP status without an OAuth error keeps authflow's code.
    const Error status_only(errc::provider_error, "bad gateway", ProviderAnswer{"", "", 502});
    EXPECT_EQ(status_only.display_code(), "provider_error");
    EXPECT_EQ(status_only.http_status(), 502);
}

TEST(Errors, Hierarchy) {
    try {
        throw TokenExpiredError(errc::token_expired, "expired");
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::token_expired);
    }
    try {
        throw TokenRefreshError(errc::refresh_failed, "x");
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::refresh_failed);
    }
    try {
        throw AuthFlowCancelled(errc::cancelled, "x");
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::cancelled);
    }
    try {
        throw AuthFlowTimeout("no callback", 120.0);
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::auth_timeout);
        EXPECT_DOUBLE_EQ(dynamic_cast<const AuthFlowTimeout&>(e).timeout_seconds(), 120.0);
    }
    try {
        throw ConfigError(errc::config_invalid, "x");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), errc::config_invalid);
        EXPECT_EQ(dynamic_cast<const AuthenticationError*>(&e), nullptr);
    }
    try {
        throw StoreError(errc::store_failed, "x");
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "x");
    }
    try {
        throw TransportError(errc::timeout, "x");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), errc::timeout);
    }
}

// One stored failure handed to several threads: each gets its own object, of the same type
// and with the same fields.
TEST(Errors, RethrowCopyThrowsAFreshObjectOfTheMostDerivedType) {
    const auto stored = std::make_exception_ptr(AuthFlowTimeout("timed out", 2.5));
    const Error* original = nullptr;
    try {
        std::rethrow_exception(stored);
    } catch (const Error& e) {
        original = &e;
    }
    try {
        rethrow_copy(stored);
    } catch (const AuthFlowTimeout& e) {
        EXPECT_NE(&e, original);
        EXPECT_EQ(e.code(), errc::auth_timeout);
        EXPECT_EQ(e.timeout_seconds(), 2.5);
        EXPECT_STREQ(e.what(), "timed out");
    }
    const auto foreign = std::make_exception_ptr(std::out_of_range("x"));
    EXPECT_THROW(rethrow_copy(foreign), std::out_of_range);
}

} // namespace
} // namespace authflow
