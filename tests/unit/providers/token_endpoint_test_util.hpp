#pragma once
// HTTP answers built in memory, for the provider tests and the token endpoint's pure parts.

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace authflow::test {

/// A JSON answer (Content-Type application/json).
inline HttpResponse json_response(int status, const nlohmann::json& body,
                                  HttpHeaders headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = body.dump();
    response.headers = std::move(headers);
    response.headers.emplace_back("Content-Type", "application/json");
    return response;
}

/// An answer of any bytes, without a Content-Type.
inline HttpResponse text_response(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

inline nlohmann::json bearer_tokens() {
    return {{"access_token", "AT-1"}, {"token_type", "Bearer"}, {"expires_in", 600}};
}

/// The code of the exception of type E that `f` throws; a test failure when it throws none or
/// another type.
template <typename E, typename F> errc thrown_code(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.code();
    } catch (...) {
        ADD_FAILURE() << "an exception of another type";
        return errc::internal;
    }
    ADD_FAILURE() << "no exception";
    return errc::internal;
}

} // namespace authflow::test
