#include "http_grammar.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/deploy/cookie.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace authflow {
namespace {

// RFC 6265 §4.1.1 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (no space, DQUOTE,
// comma, semicolon, backslash or control character).
bool is_cookie_octet(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x2b) || (u >= 0x2d && u <= 0x3a) ||
           (u >= 0x3c && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
}

bool is_cookie_value(std::string_view value) noexcept {
    return std::all_of(value.begin(), value.end(), is_cookie_octet);
}

// RFC 6265 §4.1.1 av-octet: any CHAR except CTLs or ';'.
bool is_attribute_value(std::string_view value) noexcept {
    return std::all_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != ';';
    });
}

/// The value of one cookie-pair without its optional quotes, or nothing if it is malformed.
std::optional<std::string_view> cookie_value(std::string_view raw) noexcept {
    if (raw.starts_with('"')) {
        if (raw.size() < 2 || !raw.ends_with('"')) {
            return std::nullopt;
        }
        raw = raw.substr(1, raw.size() - 2);
    }
    if (!is_cookie_value(raw)) {
        return std::nullopt;
    }
    return raw;
}

void append_two_digits(std::string& out, unsigned value) {
    out += static_cast<char>('0' + value / 10 % 10);
    out += static_cast<char>('0' + value % 10);
}

std::string_view same_site_text(SameSite same_site) noexcept {
    switch (same_site) {
    case SameSite::strict:
        return "Strict";
    case SameSite::none:
        return "None";
    case SameSite::lax:
        break;
    }
    return "Lax";
}

std::string cookie_line(std::string_view name, std::string_view value,
                        const CookieOptions& options) {
    if (!http_grammar::is_token(name)) {
        throw Error(errc::invalid_argument, "cookie name is not an RFC 6265 token");
    }
    if (!is_cookie_value(value)) {
        throw Error(errc::invalid_argument, "cookie value contains characters outside RFC 6265 "
                                            "cookie-octets");
    }
    if (!is_attribute_value(options.path) || !is_attribute_value(options.domain)) {
        throw Error(errc::invalid_argument, "cookie Path or Domain contains ';' or a control "
                                            "character");
    }
    if (options.max_age && options.max_age->count() < 0) {
        throw Error(errc::invalid_argument, "cookie Max-Age is negative");
    }
    if (options.same_site == SameSite::none && !options.secure) {
        throw Error(errc::invalid_argument, "SameSite=None requires Secure");
    }
    std::string out;
    out.reserve(name.size() + value.size() + 96);
    out.append(name).append("=").append(value);
    if (!options.path.empty()) {
        out.append("; Path=").append(options.path);
    }
    if (!options.domain.empty()) {
        out.append("; Domain=").append(options.domain);
    }
    if (options.max_age) {
        out.append("; Max-Age=").append(std::to_string(options.max_age->count()));
    }
    if (options.expires) {
        out.append("; Expires=").append(format_http_date(*options.expires));
    }
    if (options.secure) {
        out.append("; Secure");
    }
    if (options.http_only) {
        out.append("; HttpOnly");
    }
    out.append("; SameSite=").append(same_site_text(options.same_site));
    return out;
}

} // namespace

void CookieJar::add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> CookieJar::get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

bool CookieJar::contains(std::string_view name) const {
    return get(name).has_value();
}

CookieJar parse_cookie_header(std::string_view header) {
    if (header.size() > max_cookie_header_size) {
        throw Error(errc::too_large, "Cookie header is larger than 8 KiB");
    }
    CookieJar jar;
    std::size_t pieces = 0;
    while (!header.empty()) {
        const auto semicolon = header.find(';');
        std::string_view piece = http_grammar::trim_ows(header.substr(0, semicolon));
        header =
            semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
        if (piece.empty()) {
            continue;
        }
        if (++pieces > max_cookie_count) {
            throw Error(errc::too_large, "Cookie header holds more than 64 cookies");
        }
        const auto eq = piece.find('=');
        if (eq == std::string_view::npos) {
            continue; // RFC 6265 §4.2.1: a cookie-pair always has '='
        }
        const std::string_view name = piece.substr(0, eq);
        if (!http_grammar::is_token(name)) {
            continue;
        }
        const auto value = cookie_value(piece.substr(eq + 1));
        if (!value) {
            continue;
        }
        jar.add(std::string{name}, std::string{*value});
    }
    return jar;
}

std::string build_set_cookie(std::string_view name, std::string_view value,
                             const CookieOptions& options) {
    return cookie_line(name, value, options);
}

std::string build_clear_cookie(std::string_view name, const CookieOptions& options) {
    CookieOptions clear = options;
    clear.max_age = std::chrono::seconds{0};
    clear.expires = Clock::wall_time{}; // the epoch: in the past for every browser
    return cookie_line(name, "", clear);
}

std::string format_http_date(Clock::wall_time time) {
    using namespace std::chrono;
    constexpr std::array<std::string_view, 7> weekdays = {"Sun", "Mon", "Tue", "Wed",
                                                          "Thu", "Fri", "Sat"};
    constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto seconds = floor<std::chrono::seconds>(time);
    const auto day = floor<days>(seconds);
    const year_month_day date{day};
    const hh_mm_ss clock_time{seconds - day};
    const weekday week_day{day};

    std::string out;
    out.reserve(29);
    out.append(weekdays[week_day.c_encoding()]).append(", ");
    append_two_digits(out, static_cast<unsigned>(date.day()));
    out.append(" ").append(months[static_cast<unsigned>(date.month()) - 1]).append(" ");
    const int year = static_cast<int>(date.year());
    if (year < 0 || year > 9999) {
        throw Error(errc::invalid_argument, "date outside the years 0 to 9999");
    }
    append_two_digits(out, static_cast<unsigned>(year) / 100);
    append_two_digits(out, static_cast<unsigned>(year) % 100);
    out.append(" ");
    append_two_digits(out, static_cast<unsigned>(clock_time.hours().count()));
    out.append(":");
    append_two_digits(out, static_cast<unsigned>(clock_time.minutes().count()));
    out.append(":");
    append_two_digits(out, static_cast<unsigned>(clock_time.seconds().count()));
    out.append(" GMT");
    return out;
}

} // namespace authflow
