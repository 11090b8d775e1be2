#pragma once
// Warnings for AUTHFLOW_* environment variables that authflow does not read: a mistyped setting
// (AUTHFLOW_OAUTH2__CLIENTID) would otherwise be ignored without a word.

#include <span>
#include <string>
#include <vector>

namespace authflow::cli {

/// One warning per variable of `names` that starts with AUTHFLOW_ and is neither a setting
/// (AUTHFLOW_OAUTH2__<FIELD>, AUTHFLOW_DEPLOY__<FIELD>) nor a variable the program, its tests or
/// scripts read (AUTHFLOW_STORE_KEY, AUTHFLOW_CONFIG_FILE, AUTHFLOW_TEST_*, ...), naming the
/// closest known variable when one is near. Names only: values are never read.
std::vector<std::string> unknown_environment_warnings(std::span<const std::string> names);

/// The names of the process's environment variables that start with AUTHFLOW_.
std::vector<std::string> authflow_environment_names();

} // namespace authflow::cli
