// Helpers shared by the provider classes.
#include "provider_internal.hpp"

#include <algorithm>
#include <cctype>

namespace authflow::detail {

std::string form_urlencode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out;
}

std::string safe_text(std::string_view text, std::size_t max) {
    std::string out;
    const std::size_t n = std::min(text.size(), max);
    out.reserve(n + 3);
    for (std::size_t i = 0; i < n; ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        out += (u >= 0x20 && u < 0x7f) ? text[i] : '?';
    }
    if (text.size() > max) {
        out += "...";
    }
    return out;
}

std::optional<nlohmann::json> parse_json_object(std::string_view body) {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return std::nullopt;
    }
    return doc;
}

std::optional<ProviderAnswer> oauth_error_of(const nlohmann::json& body, int http_status) {
    auto error = string_member(body, "error");
    if (!error) {
        return std::nullopt;
    }
    ProviderAnswer answer;
    // RFC 6749 §5.2 limits error codes to printable ASCII; a provider that sends more gets its
    // text cut, never echoed raw into logs or terminals.
    answer.error = safe_text(*error, 64);
    answer.error_description =
        safe_text(string_member(body, "error_description").value_or(""), 512);
    answer.http_status = http_status;
    return answer;
}

// Reads `name="value"` (or name=token) from a WWW-Authenticate parameter list.
std::string challenge_param(std::string_view header, std::string_view name) {
    std::size_t pos = 0;
    while ((pos = header.find(name, pos)) != std::string_view::npos) {
        const bool at_start = pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ',';
        std::size_t eq = pos + name.size();
        while (eq < header.size() && header[eq] == ' ') {
            ++eq;
        }
        if (!at_start || eq >= header.size() || header[eq] != '=') {
            pos += name.size();
            continue;
        }
        std::size_t start = eq + 1;
        while (start < header.size() && header[start] == ' ') {
            ++start;
        }
        if (start < header.size() && header[start] == '"') {
            const std::size_t end = header.find('"', start + 1);
            return std::string{header.substr(start + 1, end == std::string_view::npos
                                                            ? std::string_view::npos
                                                            : end - start - 1)};
        }
        const std::size_t end = header.find(',', start);
        return std::string{header.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start)};
    }
    return {};
}

ProviderAnswer bearer_challenge_error(const HttpResponse& response) {
    ProviderAnswer answer;
    answer.http_status = response.status;
    if (auto header = response.header("WWW-Authenticate")) {
        answer.error = safe_text(challenge_param(*header, "error"), 64);
        answer.error_description = safe_text(challenge_param(*header, "error_description"), 512);
    }
    if (answer.error.empty()) {
        if (auto body = parse_json_object(response.body)) {
            if (auto from_body = oauth_error_of(*body, response.status)) {
                return *from_body;
            }
        }
    }
    return answer;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& scope : scopes) {
        if (!out.empty()) {
            out += ' ';
        }
        out += scope;
    }
    return out;
}

std::optional<std::string> string_member(const nlohmann::json& object, const char* name) {
    if (!object.is_object()) {
        return std::nullopt;
    }
    auto it = object.find(name);
    if (it == object.end() || !it->is_string()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

} // namespace authflow::detail
