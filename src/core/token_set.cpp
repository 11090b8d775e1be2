#include <authflow/core/errors.hpp>
#include <authflow/core/token_set.hpp>

#include <charconv>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

namespace authflow {
namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(const std::string& what) {
    throw TokenError(errc::token_invalid, "invalid token set: " + what);
}

std::string required_string(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        invalid(std::string{"'"} + key + "' is missing");
    }
    if (!it->is_string()) {
        invalid(std::string{"'"} + key + "' is not a string");
    }
    return it->get<std::string>();
}

std::optional<std::string> optional_string(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return std::nullopt;
    }
    if (!it->is_string()) {
        invalid(std::string{"'"} + key + "' is not a string");
    }
    return it->get<std::string>();
}

// The largest lifetime we accept (100 years) keeps every later sum far from overflow.
constexpr std::int64_t max_expires_in = 100LL * 365 * 24 * 3600;

} // namespace

std::int64_t parse_expires_in(const json& value) {
    std::int64_t seconds = 0;
    if (value.is_number_integer()) {
        if (value.is_number_unsigned() &&
            value.get<std::uint64_t>() > static_cast<std::uint64_t>(max_expires_in)) {
            invalid("'expires_in' is out of range");
        }
        seconds = value.get<std::int64_t>();
    } else if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
            invalid("'expires_in' is not a whole number of seconds");
        }
    } else {
        invalid("'expires_in' is not a whole number of seconds");
    }
    if (seconds < 0 || seconds > max_expires_in) {
        invalid("'expires_in' is out of range");
    }
    return seconds;
}

std::optional<double> OAuthTokenSet::expires_at() const {
    if (!expires_in) {
        return std::nullopt;
    }
    return issued_at + static_cast<double>(*expires_in);
}

std::optional<double> OAuthTokenSet::seconds_left(const Clock& clock) const {
    auto at = expires_at();
    if (!at) {
        return std::nullopt;
    }
    return *at - clock.unix_seconds();
}

bool OAuthTokenSet::is_expired(std::chrono::seconds leeway, const Clock& clock) const {
    auto left = seconds_left(clock);
    return left && *left < static_cast<double>(leeway.count());
}

json OAuthTokenSet::to_json() const {
    // nlohmann::json objects sort their keys; to_json_string keeps pywry.auth's order.
    json out = json::object();
    out["access_token"] = access_token;
    out["token_type"] = token_type;
    out["refresh_token"] = refresh_token ? json(*refresh_token) : json(nullptr);
    out["expires_in"] = expires_in ? json(*expires_in) : json(nullptr);
    out["id_token"] = id_token ? json(*id_token) : json(nullptr);
    out["scope"] = scope;
    out["raw"] = raw;
    out["issued_at"] = issued_at;
    if (dpop_key) {
        out["dpop_key"] = *dpop_key;
    }
    return out;
}

std::string OAuthTokenSet::to_json_string() const {
    nlohmann::ordered_json out;
    out["access_token"] = access_token;
    out["token_type"] = token_type;
    out["refresh_token"] =
        refresh_token ? nlohmann::ordered_json(*refresh_token) : nlohmann::ordered_json(nullptr);
    out["expires_in"] =
        expires_in ? nlohmann::ordered_json(*expires_in) : nlohmann::ordered_json(nullptr);
    out["id_token"] =
        id_token ? nlohmann::ordered_json(*id_token) : nlohmann::ordered_json(nullptr);
    out["scope"] = scope;
    out["raw"] = nlohmann::ordered_json(raw);
    out["issued_at"] = issued_at;
    if (dpop_key) {
        out["dpop_key"] = *dpop_key;
    }
    return out.dump();
}

OAuthTokenSet OAuthTokenSet::from_json(const json& object, const Clock& clock) {
    if (!object.is_object()) {
        invalid("not a JSON object");
    }
    OAuthTokenSet tokens;
    tokens.access_token = required_string(object, "access_token");
    if (tokens.access_token.empty()) {
        invalid("'access_token' is empty");
    }
    tokens.token_type = optional_string(object, "token_type").value_or("Bearer");
    tokens.refresh_token = optional_string(object, "refresh_token");
    if (auto it = object.find("expires_in"); it != object.end() && !it->is_null()) {
        tokens.expires_in = parse_expires_in(*it);
    }
    tokens.id_token = optional_string(object, "id_token");
    tokens.scope = optional_string(object, "scope").value_or("");
    if (auto it = object.find("raw"); it != object.end() && !it->is_null()) {
        if (!it->is_object()) {
            invalid("'raw' is not an object");
        }
        tokens.raw = *it;
    }
    if (auto it = object.find("issued_at"); it != object.end() && !it->is_null()) {
        if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
            invalid("'issued_at' is not a time");
        }
        tokens.issued_at = it->get<double>();
    } else {
        tokens.issued_at = clock.unix_seconds();
    }
    tokens.dpop_key = optional_string(object, "dpop_key");
    return tokens;
}

OAuthTokenSet OAuthTokenSet::from_json_string(std::string_view text, const Clock& clock) {
    json object = json::parse(text, nullptr, false);
    if (object.is_discarded()) {
        invalid("malformed JSON");
    }
    return from_json(object, clock);
}

OAuthTokenSet OAuthTokenSet::from_token_response(const json& response, const Clock& clock) {
    if (!response.is_object()) {
        invalid("the token response is not a JSON object");
    }
    OAuthTokenSet tokens;
    tokens.access_token = required_string(response, "access_token");
    if (tokens.access_token.empty()) {
        invalid("'access_token' is empty");
    }
    tokens.token_type = optional_string(response, "token_type").value_or("Bearer");
    tokens.refresh_token = optional_string(response, "refresh_token");
    if (auto it = response.find("expires_in"); it != response.end() && !it->is_null()) {
        tokens.expires_in = parse_expires_in(*it);
    }
    tokens.id_token = optional_string(response, "id_token");
    tokens.scope = optional_string(response, "scope").value_or("");
    tokens.raw = response;
    tokens.issued_at = clock.unix_seconds();
    return tokens;
}

std::string OAuthTokenSet::to_string() const {
    std::ostringstream out;
    out << "OAuthTokenSet{token_type=" << token_type << ", access_token=<"
        << (access_token.empty() ? "absent" : "redacted") << ">, refresh_token=<"
        << (refresh_token ? "redacted" : "absent") << ">, id_token=<"
        << (id_token ? "redacted" : "absent") << ">, scope=\"" << scope << "\"";
    if (dpop_key) {
        out << ", dpop_key=<redacted>";
    }
    if (expires_in) {
        out << ", expires_in=" << *expires_in;
    }
    // Any finite time may come from a stored record: converting one past the range of int64_t
    // would be undefined, so the whole seconds are printed as a floating-point number.
    out << ", issued_at=" << std::fixed << std::setprecision(0) << std::floor(issued_at) << "}";
    return out.str();
}

} // namespace authflow
