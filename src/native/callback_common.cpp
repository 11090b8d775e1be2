// Parts of the callback server that every build has: the result record, options.

#include "callback_options.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/native/callback_server.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string_view>

namespace authflow {

CallbackResult make_callback_result(QueryParams params) {
    CallbackResult result;
    auto first = [&](std::string_view name) { return params.get(name).value_or(std::string{}); };
    result.code = first("code");
    result.state = first("state");
    result.iss = first("iss");
    result.error = first("error");
    result.error_description = first("error_description");
    result.params = std::move(params);
    return result;
}

namespace detail {

bool is_loopback_ip_literal(const std::string& host) noexcept {
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&v6);
    }
    return false;
}

bool is_ipv6_literal(const std::string& host) noexcept {
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

namespace {

// RFC 3986 pchar without percent-encoding, plus '/': a redirect path is written by the
// developer, and anything fancier would have to match httplib's decoding exactly.
bool is_plain_path_char(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view{"-._~!$&'()*+,;=:@/"}.find(c) != std::string_view::npos;
}

[[noreturn]] void invalid(const std::string& what) {
    throw ConfigError(errc::config_invalid, "callback server: " + what);
}

} // namespace

void validate_callback_options(const CallbackServerOptions& options) {
    // RFC 8252 §8.3: listen on the loopback interface only, by IP literal.
    if (!is_loopback_ip_literal(options.host)) {
        invalid("host must be a loopback IP literal (127.0.0.1 or ::1), got '" + options.host +
                "'");
    }
    if (!options.redirect_host.empty()) {
        std::string name = options.redirect_host;
        if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
            name = name.substr(1, name.size() - 2);
        }
        if (!is_loopback_host(name)) {
            invalid("redirect_host must be a loopback host");
        }
        // An IP literal in the redirect URI must be the address we listen on; only "localhost"
        // (which browsers resolve to loopback themselves) may differ.
        in6_addr a{};
        in6_addr b{};
        in_addr a4{};
        in_addr b4{};
        bool same =
            (inet_pton(AF_INET, name.c_str(), &a4) == 1 &&
             inet_pton(AF_INET, options.host.c_str(), &b4) == 1 && a4.s_addr == b4.s_addr) ||
            (inet_pton(AF_INET6, name.c_str(), &a) == 1 &&
             inet_pton(AF_INET6, options.host.c_str(), &b) == 1 && IN6_ARE_ADDR_EQUAL(&a, &b));
        if (!same && name != "localhost") {
            invalid("redirect_host '" + name + "' is not the address the server binds ('" +
                    options.host + "')");
        }
    }
    if (options.port < 0 || options.port > 65535) {
        invalid("port must be 0 (any free port) or 1..65535");
    }
    if (options.path.empty() || options.path.front() != '/' || options.path.size() > 1024) {
        invalid("path must be an absolute path such as /callback");
    }
    for (char c : options.path) {
        if (!is_plain_path_char(c)) {
            invalid("path may hold only letters, digits, '/' and -._~!$&'()*+,;=:@");
        }
    }
    if (options.expected_state.empty()) {
        invalid("expected_state is required");
    }
    if (options.read_timeout.count() <= 0 || options.write_timeout.count() <= 0 ||
        options.idle_timeout.count() <= 0) {
        invalid("timeouts must be positive");
    }
    if (options.max_payload_bytes == 0) {
        invalid("max_payload_bytes must be positive");
    }
}

} // namespace detail

CallbackServerOptions CallbackServerOptions::from_redirect_uri(std::string_view redirect_uri) {
    ParsedUrl url;
    try {
        url = parse_url(redirect_uri);
    } catch (const Error&) {
        throw ConfigError(errc::config_invalid, "redirect_uri is not an absolute http URL");
    }
    // RFC 8252 §7.3: loopback redirects use plain http; there is no certificate for 127.0.0.1.
    if (url.scheme != "http") {
        throw ConfigError(errc::config_invalid,
                          "redirect_uri must use http (RFC 8252 §7.3 loopback redirect)");
    }
    if (url.has_userinfo || !url.query.empty() || !url.fragment.empty() ||
        redirect_uri.find_first_of("?#") != std::string_view::npos) {
        throw ConfigError(errc::config_invalid,
                          "redirect_uri must not carry user info, a query or a fragment");
    }
    if (!is_loopback_host(url.host)) {
        throw ConfigError(errc::config_invalid,
                          "redirect_uri must point to a loopback host (RFC 8252 §8.3)");
    }
    CallbackServerOptions options;
    if (url.host == "localhost") {
        // RFC 8252 §8.3 prefers the IP literal; honour a registered "localhost" URI but listen
        // on the IPv4 loopback address, which every browser tries for localhost.
        options.host = "127.0.0.1";
        options.redirect_host = "localhost";
    } else {
        options.host = url.host;
    }
    options.port = url.port;
    options.path = url.path;
    // The state comes later, per flow; check everything else with a placeholder.
    CallbackServerOptions check = options;
    check.expected_state.assign(1, 'x');
    detail::validate_callback_options(check);
    return options;
}

} // namespace authflow
