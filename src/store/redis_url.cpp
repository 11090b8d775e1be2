// Redis URLs: parsed even in builds without hiredis, so that settings can be checked anywhere.

#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>
#include <authflow/store/redis_token_store.hpp>

#include <cctype>

namespace authflow {
namespace {

[[noreturn]] void bad_url(std::string_view why) {
    throw ConfigError(errc::config_invalid, "redis_url: " + std::string{why});
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
            return false;
        }
    }
    return true;
}

// A decimal number in [min, max], without sign or leading garbage.
int parse_number(std::string_view text, int min, int max, std::string_view what) {
    if (text.empty() || text.size() > 10) {
        bad_url(std::string{what} + " must be a number");
    }
    long long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            bad_url(std::string{what} + " must be a number");
        }
        value = value * 10 + (c - '0');
    }
    if (value < min || value > max) {
        bad_url(std::string{what} + " must be between " + std::to_string(min) + " and " +
                std::to_string(max));
    }
    return static_cast<int>(value);
}

std::string decode(std::string_view text, std::string_view what) {
    try {
        return url_decode(text, false);
    } catch (const Error&) {
        bad_url("bad percent-escape in the " + std::string{what});
    }
}

constexpr int max_db = 1 << 20;

RedisEndpoint parse_unix(std::string_view rest) {
    RedisEndpoint endpoint;
    endpoint.port = 0;
    // unix:///path and unix:/path both name an absolute path.
    if (rest.substr(0, 2) == "//") {
        rest.remove_prefix(2);
    }
    auto question = rest.find('?');
    std::string_view path = rest.substr(0, question);
    if (path.empty() || path.front() != '/') {
        bad_url("a unix socket URL needs an absolute path, e.g. unix:/run/redis/redis.sock");
    }
    if (path.find('#') != std::string_view::npos) {
        bad_url("fragments are not allowed");
    }
    endpoint.socket_path = decode(path, "socket path");
    if (question != std::string_view::npos) {
        std::string_view query = rest.substr(question + 1);
        if (query.substr(0, 3) != "db=" || query.find('&') != std::string_view::npos) {
            bad_url("a unix socket URL accepts only ?db=N");
        }
        endpoint.db = parse_number(query.substr(3), 0, max_db, "the database number");
    }
    return endpoint;
}

} // namespace

std::string RedisEndpoint::to_string() const {
    std::string text;
    if (!socket_path.empty()) {
        text = "unix:" + socket_path;
        if (db != 0) {
            text += "?db=" + std::to_string(db);
        }
        return text;
    }
    text = "redis://";
    if (!username.empty() || !password.empty()) {
        text += url_encode(username);
        if (!password.empty()) {
            text += ":***";
        }
        text += "@";
    }
    // Appended piece by piece: `":" + std::to_string(...)` trips GCC 12's -Wrestrict at -O3.
    bool is_ipv6 = host.find(':') != std::string::npos;
    text += is_ipv6 ? "[" : "";
    text += host;
    text += is_ipv6 ? "]:" : ":";
    text += std::to_string(port);
    text += '/';
    text += std::to_string(db);
    return text;
}

RedisEndpoint parse_redis_url(std::string_view url) {
    if (starts_with_ci(url, "rediss:")) {
        bad_url("rediss:// (Redis over TLS) is not supported: the hiredis library of Debian 12 "
                "(0.14) has no TLS. Reach Redis over a private network, or through a TLS tunnel "
                "(stunnel, spiped, ssh -L) and use redis:// to the tunnel's local end");
    }
    if (starts_with_ci(url, "unix:")) {
        return parse_unix(url.substr(5));
    }
    if (!starts_with_ci(url, "redis://")) {
        bad_url("expected redis://[[user]:password@]host[:port][/db] or unix:/path/to/socket");
    }
    std::string_view rest = url.substr(8);
    if (rest.find_first_of("?#") != std::string_view::npos) {
        bad_url("query parameters and fragments are not supported");
    }
    for (char c : rest) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            bad_url("spaces and control characters are not allowed");
        }
    }
    RedisEndpoint endpoint;
    // A password may hold '@' or '/' when not escaped: user information ends at the last '@'
    // (host and database number never contain one).
    auto at = rest.rfind('@');
    std::string_view host_and_db = at == std::string_view::npos ? rest : rest.substr(at + 1);
    auto slash = host_and_db.find('/');
    std::string_view authority = host_and_db.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : host_and_db.substr(slash + 1);
    if (at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) {
            bad_url("user information needs a password: redis://[user]:password@host");
        }
        endpoint.username = decode(userinfo.substr(0, colon), "user name");
        endpoint.password = decode(userinfo.substr(colon + 1), "password");
        if (endpoint.password.empty()) {
            bad_url("the password is empty");
        }
    }

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            bad_url("unterminated [IPv6] host");
        }
        endpoint.host = std::string{authority.substr(1, close - 1)};
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                bad_url("unexpected text after the [IPv6] host");
            }
            port_text = after.substr(1);
            if (port_text.empty()) {
                bad_url("empty port");
            }
        }
        if (endpoint.host.empty() ||
            endpoint.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
            bad_url("bad IPv6 address");
        }
    } else {
        auto colon = authority.find(':');
        endpoint.host = std::string{authority.substr(0, colon)};
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) {
                bad_url("empty port");
            }
        }
        for (char c : endpoint.host) {
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                  c == '_')) {
                bad_url("bad host name");
            }
        }
    }
    if (endpoint.host.empty()) {
        bad_url("missing host");
    }
    if (!port_text.empty()) {
        endpoint.port = parse_number(port_text, 1, 65535, "the port");
    }
    if (!path.empty()) {
        endpoint.db = parse_number(path, 0, max_db, "the database number");
    }
    return endpoint;
}

} // namespace authflow
