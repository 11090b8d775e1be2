#pragma once
// What the fuzz targets of the deploy routes and the gateway's check share: a provider that
// answers from fixed handlers (no network), the tokens of the one live session each input starts
// from, and the reading of an input as a request:
//   METHOD SP TARGET LF          the request line (TARGET = path[?query])
//   Name: value LF ...           header fields (Cookie, Origin, Authorization, X-Forwarded-*, ...);
//                                "@remote: addr" sets the peer address, "@tls: 1" marks TLS
//   LF body                      after an empty line, the body

#include "fuzz_common.hpp"
#include "fuzz_keys.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/http.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace authflow::fuzz {

/// A provider at https://op.example whose token, userinfo, revocation and key-set endpoints
/// answer from fixed handlers: a code or a refresh always gets tokens (an ID token for a code).
struct OfflineProvider {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::shared_ptr<FakeHttp> http = std::make_shared<FakeHttp>();
    std::shared_ptr<GenericOIDCProvider> provider;

    OfflineProvider() {
        quiet_logs();
        http->on_body("https://op.example/jwks", 200, seed_jwks);
        http->on("https://op.example/token", [](const HttpRequest& request) {
            HttpResponse response;
            response.status = 200;
            response.headers.emplace_back("Content-Type", "application/json");
            nlohmann::json body = {{"access_token", "AT-1"},
                                   {"token_type", "Bearer"},
                                   {"expires_in", 3600},
                                   {"refresh_token", "RT-2"}};
            if (request.body.find("grant_type=authorization_code") != std::string::npos) {
                body["id_token"] = seed_id_token;
            }
            response.body = body.dump();
            return response;
        });
        http->on_body("https://op.example/userinfo", 200,
                      R"({"sub":"alice","email":"alice@example.com","email_verified":true})");
        http->on_body("https://op.example/revoke", 200, "{}");

        ProviderConfig config;
        config.client_id = seed_client_id;
        config.client_secret = seed_client_secret;
        config.issuer_url = seed_issuer;
        config.authorize_url = "https://op.example/authorize";
        config.token_url = "https://op.example/token";
        config.userinfo_url = "https://op.example/userinfo";
        config.revocation_url = "https://op.example/revoke";
        config.end_session_url = "https://op.example/logout";
        config.jwks_uri = "https://op.example/jwks";
        config.http = http;
        config.clock = clock;
        provider =
            std::make_shared<GenericOIDCProvider>(config, GenericOIDCProvider::Discovery::off);
    }

    /// The tokens of a session signed in now, valid for an hour, with a refresh token.
    OAuthTokenSet live_tokens() const {
        OAuthTokenSet tokens;
        tokens.access_token = "AT-0";
        tokens.refresh_token = "RT-1";
        tokens.expires_in = 3600;
        tokens.issued_at = static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(clock->now().time_since_epoch())
                .count());
        return tokens;
    }
};

/// Splits off the next line (without its LF, and a CR before it); nothing left: false.
inline bool next_line(std::string_view& text, std::string_view& line) {
    if (text.empty()) {
        return false;
    }
    const std::size_t end = text.find('\n');
    line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return true;
}

inline std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

/// The request the input describes (format above); false for an input a server would refuse
/// before any routing (no request line, a query that does not parse).
inline bool parse_request(std::string_view text, Request& request) {
    request.remote_address = "203.0.113.7";
    std::string_view line;
    if (!next_line(text, line)) {
        return false;
    }
    const std::size_t space = line.find(' ');
    request.method = std::string{line.substr(0, space)};
    const std::string_view target =
        space == std::string_view::npos ? std::string_view{"/"} : line.substr(space + 1);
    const std::size_t question = target.find('?');
    request.path = std::string{target.substr(0, question)};
    if (question != std::string_view::npos) {
        try {
            request.query = parse_query(target.substr(question + 1));
        } catch (const Error&) {
            return false; // a server answers 400 before the routes see it
        }
    }
    while (next_line(text, line) && !line.empty()) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim_blanks(line.substr(colon + 1));
        if (name == "@remote") {
            request.remote_address = std::string{value};
        } else if (name == "@tls") {
            request.is_tls = value == "1";
        } else {
            try {
                request.headers.add(std::string{name}, std::string{value});
            } catch (const Error&) {
                // An empty name, CR or NUL: servers refuse such a field before any routing.
            }
        }
    }
    request.body = std::string{text};
    return true;
}

} // namespace authflow::fuzz
