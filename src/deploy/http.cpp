#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/http.hpp>

#include <algorithm>

namespace authflow {
namespace {

// CR, LF and NUL in a field would split or end the header block (response splitting).
void check_field(std::string_view name, std::string_view value) {
    const auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
    if (name.empty() || std::any_of(name.begin(), name.end(), bad) ||
        std::any_of(value.begin(), value.end(), bad)) {
        throw Error(errc::invalid_argument,
                    "HTTP header field with an empty name, CR, LF or NUL character");
    }
}

} // namespace

Headers::Headers(std::initializer_list<value_type> items) {
    for (const auto& [name, value] : items) {
        add(name, value);
    }
}

void Headers::add(std::string name, std::string value) {
    check_field(name, value);
    items_.emplace_back(std::move(name), std::move(value));
}

void Headers::reserve(std::size_t count) {
    items_.reserve(count);
}

void Headers::set(std::string_view name, std::string value) {
    check_field(name, value);
    remove(name);
    items_.emplace_back(std::string{name}, std::move(value));
}

void Headers::remove(std::string_view name) {
    std::erase_if(items_, [&](const value_type& item) { return iequals(item.first, name); });
}

bool Headers::contains(std::string_view name) const {
    return count(name) > 0;
}

std::optional<std::string> Headers::get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [key, value] : items_) {
        if (iequals(key, name)) {
            values.push_back(value);
        }
    }
    return values;
}

std::size_t Headers::count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(items_.begin(), items_.end(),
                      [&](const value_type& item) { return iequals(item.first, name); }));
}

const CookieJar& Request::cookies() const {
    std::string source;
    for (const auto& [name, value] : headers) {
        if (iequals(name, "Cookie")) {
            if (!source.empty()) {
                source += "; ";
            }
            source += value;
            if (source.size() > max_cookie_header_size) {
                break; // parse_cookie_header rejects it; stop copying early
            }
        }
    }
    if (!cookie_source_ || *cookie_source_ != source) {
        cookie_cache_ = parse_cookie_header(source);
        cookie_source_ = std::move(source);
    }
    return cookie_cache_;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    return cookies().get(name);
}

Response Response::json(int status, const nlohmann::json& body) {
    Response response;
    response.status = status;
    response.headers.reserve(3);
    response.headers.add("Content-Type", "application/json");
    response.headers.add("Cache-Control", "no-store");
    response.headers.add("X-Content-Type-Options", "nosniff");
    // Replace invalid UTF-8 rather than throw: a body can echo a provider's error text.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

Response Response::redirect(std::string_view location, int status) {
    if (std::any_of(location.begin(), location.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        })) {
        throw Error(errc::invalid_argument, "redirect location contains a control character");
    }
    Response response;
    response.status = status;
    response.headers.add("Location", std::string{location});
    response.headers.add("Cache-Control", "no-store");
    return response;
}

Response Response::html(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.add("Content-Type", "text/html; charset=utf-8");
    response.headers.add("X-Content-Type-Options", "nosniff");
    response.body = std::move(body);
    return response;
}

void Response::add_set_cookie(std::string set_cookie_value) {
    headers.add("Set-Cookie", std::move(set_cookie_value));
}

} // namespace authflow
