// The exit code of every errc, as the program chose it before error families.
#include "authflow/exit_code.hpp"

#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace authflow::cli {
namespace {

/// The program's catch clauses before families, kept verbatim as the expectation.
int exit_code_before_families(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const AuthFlowCancelled&) {
        return exit_interrupted;
    } catch (const ConfigError&) {
        return exit_usage;
    } catch (const Error& e) {
        return e.code() == errc::token_missing || e.code() == errc::reauth_required
                   ? exit_not_signed_in
                   : exit_failed;
    }
}

int exit_code_now(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return exit_code_for(e);
    }
}

/// The types the library throws: for each code, every type it could be thrown with.
std::vector<std::pair<std::string, std::exception_ptr>> thrown_as(errc code) {
    return {
        {"Error", std::make_exception_ptr(Error(code, "x"))},
        {"AuthenticationError", std::make_exception_ptr(AuthenticationError(code, "x"))},
        {"AuthFlowCancelled", std::make_exception_ptr(AuthFlowCancelled(code, "x"))},
        {"TokenError", std::make_exception_ptr(TokenError(code, "x"))},
        {"TokenExpiredError", std::make_exception_ptr(TokenExpiredError(code, "x"))},
        {"TokenRefreshError", std::make_exception_ptr(TokenRefreshError(code, "x"))},
        {"ConfigError", std::make_exception_ptr(ConfigError(code, "x"))},
        {"StoreError", std::make_exception_ptr(StoreError(code, "x"))},
        {"TransportError", std::make_exception_ptr(TransportError(code, "x"))},
    };
}

TEST(ExitCode, EveryCodeAndTypeExitsAsBeforeFamilies) {
    for (const errc code : all_error_codes()) {
        for (const auto& [type, error] : thrown_as(code)) {
            if (family(code) == error_family::configuration && type != "ConfigError") {
                continue; // the library throws config_invalid, config_missing, insecure_url
                          // only as ConfigError
            }
            EXPECT_EQ(exit_code_now(error), exit_code_before_families(error))
                << type << "(" << to_string(code) << ")";
        }
    }
}

TEST(ExitCode, FamiliesDecide) {
    // Codes of the configuration family are only thrown as ConfigError; their family alone
    // already means exit 2.
    for (const errc code : all_error_codes()) {
        if (family(code) == error_family::configuration) {
            EXPECT_EQ(exit_code_for(Error(code, "x")), exit_usage) << to_string(code);
        }
    }
    EXPECT_EQ(exit_code_for(TokenExpiredError(errc::token_missing, "x")), exit_not_signed_in);
    EXPECT_EQ(exit_code_for(TokenRefreshError(errc::reauth_required, "x")), exit_not_signed_in);
    EXPECT_EQ(exit_code_for(TokenRefreshError(errc::refresh_failed, "x")), exit_failed);
    EXPECT_EQ(exit_code_for(AuthFlowTimeout("x", 1.0)), exit_failed);
}

} // namespace
} // namespace authflow::cli
