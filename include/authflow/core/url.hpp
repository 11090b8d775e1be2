#pragma once
// URLs and query strings (RFC 3986, application/x-www-form-urlencoded).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow {

/// Percent-encodes everything but RFC 3986's unreserved characters (space becomes %20).
std::string url_encode(std::string_view text);
/// Decodes %XX escapes; with `plus_is_space`, '+' becomes a space (form encoding).
/// Throws Error (bad_url) on a truncated or non-hex escape.
std::string url_decode(std::string_view text, bool plus_is_space = true);

/// An ordered list of name/value pairs; names may repeat. A plain value; not synchronised.
class QueryParams {
public:
    using value_type = std::pair<std::string, std::string>;

    QueryParams() = default;
    QueryParams(std::initializer_list<value_type> items) : items_(items) {}

    /// Appends a pair (names may repeat).
    void add(std::string name, std::string value);
    /// Replaces every value of `name` by one.
    void set(std::string_view name, std::string value);
    void remove(std::string_view name);
    bool contains(std::string_view name) const;
    /// The first value of `name`, or nothing.
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> get_all(std::string_view name) const;

    const std::vector<value_type>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }

private:
    std::vector<value_type> items_;
};

/// Parses `a=1&b=2&a=3` (a leading '?' is skipped; '+' is a space). Empty pieces are skipped;
/// a name without '=' has an empty value. Throws Error (bad_url) on a bad escape.
QueryParams parse_query(std::string_view query);
/// Builds `a=1&b=2` with every name and value percent-encoded (spaces as %20).
std::string build_query(const QueryParams& params);
/// Appends a query to a URL, joining with '&' when it already has one, before any fragment.
std::string append_query(std::string_view url, const QueryParams& params);

/// The parts of an absolute http(s) URL.
struct ParsedUrl {
    std::string scheme; ///< lower-case "http" or "https"
    std::string host;   ///< lower-case; IPv6 without brackets
    int port = 0;       ///< explicit or the scheme's default
    std::string path;   ///< "/" when empty
    std::string query;  ///< without '?'
    std::string fragment;
    bool has_userinfo = false;

    /// scheme://host[:port] with the default port omitted.
    std::string origin() const;
};

/// Parses an absolute http or https URL. Throws Error (bad_url) on anything else.
ParsedUrl parse_url(std::string_view url);

/// True for 127.0.0.0/8, ::1 and "localhost" (RFC 8252 §8.3 loopback).
bool is_loopback_host(std::string_view host) noexcept;

/// Throws ConfigError (insecure_url) unless `url` is https, or http to a loopback host.
/// `what` names the setting or endpoint in the message, e.g. "token_url".
void require_secure_url(std::string_view url, std::string_view what);

} // namespace authflow
