#pragma once
// Private to the deploy layer: what every auth route reads from a request and answers with.

#include <authflow/core/url.hpp>
#include <authflow/deploy/http.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace authflow::deploy_detail {

/// {"error": error, "error_description": description} with `status` (no-store).
inline Response error_json(int status, std::string_view error, std::string_view description) {
    return Response::json(status,
                          nlohmann::json{{"error", error}, {"error_description", description}});
}

/// The single value of a query (or form) parameter, or nothing when absent or repeated.
inline std::optional<std::string> single(const QueryParams& params, std::string_view name) {
    std::optional<std::string> found;
    for (const auto& [key, value] : params) {
        if (key == name) {
            if (found) {
                return std::nullopt;
            }
            found = value;
        }
    }
    return found;
}

} // namespace authflow::deploy_detail
