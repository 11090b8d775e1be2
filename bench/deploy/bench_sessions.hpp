// What the deploy-mode benchmarks share: their COUNT argument and sessions shaped like those the
// callback route creates.
#pragma once

#include <authflow/core/clock.hpp>
#include <authflow/deploy/session_store.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace authflow::bench {

/// argv[1] as a positive count, else `fallback`; exits with 2 and a usage line when it is not one.
inline std::size_t parse_count(int argc, char** argv, std::size_t fallback, const char* program) {
    if (argc < 2) {
        return fallback;
    }
    const std::string_view text{argv[1]};
    std::size_t count = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (error != std::errc{} || end != text.data() + text.size() || count == 0) {
        std::cerr << "usage: " << program << " [COUNT]\n";
        std::exit(2);
    }
    return count;
}

/// Session number `i` as the callback creates it: a new 43-character id, subject, roles
/// {"viewer"}, metadata {"provider", "user_info": {sub, name, email, email_verified}}, valid for a
/// day from `now`.
inline UserSession callback_shaped_session(std::size_t i, Clock::wall_time now) {
    UserSession session;
    session.session_id = new_session_id();
    session.user_id = "user-" + std::to_string(i);
    session.roles = {"viewer"};
    session.created_at = now;
    session.expires_at = now + std::chrono::hours(24);
    session.metadata = {{"provider", "oidc"},
                        {"user_info",
                         {{"sub", session.user_id},
                          {"name", "User " + std::to_string(i)},
                          {"email", session.user_id + "@example.test"},
                          {"email_verified", true}}}};
    return session;
}

} // namespace authflow::bench
