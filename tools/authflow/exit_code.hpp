#pragma once
// The exit code of a failed command (../shared/CLI.md), read from the error's family.

#include "cli.hpp"

#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>

namespace authflow::cli {

/// 130 for a cancelled sign-in, 2 for a configuration error (any ConfigError: the settings,
/// whatever the code), 3 when a new sign-in is needed, else 1.
inline ExitCode exit_code_for(const Error& error) noexcept {
    if (dynamic_cast<const AuthFlowCancelled*>(&error) != nullptr) {
        return exit_interrupted;
    }
    if (dynamic_cast<const ConfigError*>(&error) != nullptr ||
        family(error.code()) == error_family::configuration) {
        return exit_usage;
    }
    return family(error.code()) == error_family::not_signed_in ? exit_not_signed_in : exit_failed;
}

} // namespace authflow::cli
