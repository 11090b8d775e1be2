#pragma once
// A framework-agnostic HTTP request and response, so that any C++ web server can mount the
// deploy routes (an adapter converts its own types to and from these).

#include <authflow/core/ascii.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/cookie.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow {

/// HTTP header fields: ordered, names compared case-insensitively (RFC 9110 §5.1), a name may
/// repeat (Set-Cookie does). A plain value; not synchronised.
class Headers {
public:
    using value_type = std::pair<std::string, std::string>;

    Headers() = default;
    Headers(std::initializer_list<value_type> items);

    /// Appends a field (names may repeat).
    void add(std::string name, std::string value);
    /// Makes room for `count` fields (no other effect).
    void reserve(std::size_t count);
    /// Replaces every field named `name` by one.
    void set(std::string_view name, std::string value);
    void remove(std::string_view name);
    bool contains(std::string_view name) const;
    /// The first value of `name`, or nothing.
    std::optional<std::string> get(std::string_view name) const;
    /// Every value of `name`, in order.
    std::vector<std::string> get_all(std::string_view name) const;
    /// How many fields are named `name`.
    std::size_t count(std::string_view name) const;

    const std::vector<value_type>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }

private:
    std::vector<value_type> items_;
};

/// One HTTP request as the deploy layer sees it. A plain value; not synchronised (cookies()
/// fills a cache, so even const use needs external synchronisation across threads).
struct Request {
    std::string method = "GET";
    std::string path = "/"; ///< the path only, without the query
    QueryParams query;
    Headers headers;
    /// The peer's IP address as the server saw it (no port), e.g. "203.0.113.7" or "::1".
    std::string remote_address;
    /// True when the connection to this server itself is TLS (not a proxy's claim).
    bool is_tls = false;
    std::string body;

    /// The cookies of every Cookie header (joined with "; ", as RFC 9113 §8.2.3 says for
    /// HTTP/2), parsed on first use and re-parsed if the headers changed. Throws Error
    /// (too_large) as parse_cookie_header.
    const CookieJar& cookies() const;
    /// The first cookie named `name`, or nothing. Throws as cookies().
    std::optional<std::string> cookie(std::string_view name) const;

private:
    mutable std::optional<std::string> cookie_source_;
    mutable CookieJar cookie_cache_;
};

/// One HTTP response. A plain value; not synchronised.
struct Response {
    int status = 200;
    Headers headers; ///< may hold several Set-Cookie fields
    std::string body;

    /// A response with a JSON body (Content-Type: application/json; Cache-Control: no-store;
    /// X-Content-Type-Options: nosniff).
    static Response json(int status, const nlohmann::json& body);
    /// A 302 (or `status`) redirect to `location` (Cache-Control: no-store). Throws Error
    /// (invalid_argument) if `location` contains a control character (header injection).
    static Response redirect(std::string_view location, int status = 302);
    /// A text/html; charset=utf-8 response (X-Content-Type-Options: nosniff).
    static Response html(int status, std::string body);

    /// Appends one Set-Cookie field (build it with build_set_cookie or build_clear_cookie).
    void add_set_cookie(std::string set_cookie_value);
};

} // namespace authflow
