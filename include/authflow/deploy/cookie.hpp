#pragma once
// Cookies: a strict, bounded Cookie header parser and Set-Cookie builders (RFC 6265).

#include <authflow/core/clock.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow {

/// Cookies a browser sent: name/value pairs in the order of the Cookie header. When a name
/// repeats (RFC 6265 §5.4 lists the most specific path first), get() returns the first.
/// A plain value; not synchronised.
class CookieJar {
public:
    using value_type = std::pair<std::string, std::string>;

    void add(std::string name, std::string value);
    /// The first value of `name`, or nothing.
    std::optional<std::string> get(std::string_view name) const;
    bool contains(std::string_view name) const;

    const std::vector<value_type>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }

private:
    std::vector<value_type> items_;
};

/// The largest Cookie header parse_cookie_header accepts (bytes).
inline constexpr std::size_t max_cookie_header_size = 8 * 1024;
/// The most cookies parse_cookie_header accepts in one header.
inline constexpr std::size_t max_cookie_count = 64;

/// Parses a Cookie header (RFC 6265 §4.2.1: `name=value` pairs separated by "; "; whitespace
/// around a pair is tolerated). A name must be an RFC 7230 token; a value is cookie-octets,
/// optionally in double quotes (which are removed, so a quoted session id still matches).
/// Malformed pairs (no '=',
/// an empty or invalid name, an invalid value, an unbalanced quote) are skipped.
/// Throws Error (too_large) when the header exceeds max_cookie_header_size bytes or holds more
/// than max_cookie_count pairs.
CookieJar parse_cookie_header(std::string_view header);

/// The SameSite attribute (RFC 6265bis §4.1.2.7).
enum class SameSite { lax, strict, none };

/// The attributes of a Set-Cookie field. The defaults suit a session cookie: host-only, Path=/,
/// HttpOnly, Secure, SameSite=Lax, no lifetime (a browser-session cookie).
struct CookieOptions {
    std::string path = "/";
    std::string domain; ///< empty: host-only (recommended)
    bool http_only = true;
    bool secure = true;
    SameSite same_site = SameSite::lax;
    /// Max-Age in seconds (RFC 6265 §5.2.2); unset: none.
    std::optional<std::chrono::seconds> max_age;
    /// Expires (RFC 6265 §5.2.1, IMF-fixdate); unset: none.
    std::optional<Clock::wall_time> expires;
};

/// Builds a Set-Cookie field value: `name=value; Path=/; Max-Age=…; Expires=…; Secure; HttpOnly;
/// SameSite=Lax` (RFC 6265 §4.1). Throws Error (invalid_argument) when the name is not a token,
/// the value is not cookie-octets, an attribute contains ';' or a control character, Max-Age is
/// negative, or SameSite=None is asked for without Secure (browsers drop such cookies).
std::string build_set_cookie(std::string_view name, std::string_view value,
                             const CookieOptions& options);

/// Builds the Set-Cookie value that deletes a cookie set with `options`: an empty value,
/// Max-Age=0, Expires in 1970, and the same Path, Domain, Secure, HttpOnly and SameSite (a
/// clear without them may not match the cookie, or may be refused, and sign-out would leave it).
/// Throws as
/// build_set_cookie.
std::string build_clear_cookie(std::string_view name, const CookieOptions& options);

/// An HTTP date (RFC 9110 §5.6.7 IMF-fixdate), e.g. "Thu, 01 Jan 1970 00:00:00 GMT".
std::string format_http_date(Clock::wall_time time);

} // namespace authflow
