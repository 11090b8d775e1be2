#include "token_json.hpp"

#include "internal/store_internal.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

namespace authflow::store_detail {
namespace {

using nlohmann::json;

// Thrown by the writer when it meets something it does not write itself; the caller then lets
// nlohmann produce (or refuse) the text, so behaviour never differs from core's.
struct Unsupported {};

constexpr std::array<char, 16> hex_digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

// True when one of the 8 bytes in `word` is a control character, '"', '\\' or not ASCII: the
// bytes the writer must look at one by one (tokens are base64url and have none).
bool needs_attention(std::uint64_t word) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t x) { return ((x - ones) & ~x & highs) != 0; };
    bool below_space = ((word - ones * 0x20) & ~word & highs) != 0;
    return below_space || (word & highs) != 0 || has_zero(word ^ (ones * '"')) ||
           has_zero(word ^ (ones * '\\'));
}

// A JSON string as nlohmann writes it (ensure_ascii off): UTF-8 kept, '"', '\\' and control
// characters escaped, lower-case \u00xx.
void append_string(std::string& out, std::string_view text) {
    out += '"';
    std::size_t run = 0; // start of the pending run of bytes that need no escape
    std::size_t i = 0;
    while (i < text.size()) {
        if (i + 8 <= text.size()) {
            std::uint64_t word = 0;
            std::memcpy(&word, text.data() + i, 8);
            if (!needs_attention(word)) {
                i += 8;
                continue;
            }
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            std::uint32_t code = 0;
            std::size_t length = decode_utf8(text, i, code);
            if (length == 0) {
                throw Unsupported{};
            }
            i += length;
            continue;
        }
        out.append(text.substr(run, i - run));
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += hex_digits[c >> 4];
            out += hex_digits[c & 0xf];
        }
        ++i;
        run = i;
    }
    out.append(text.substr(run));
    out += '"';
}

template <class Number> void append_integer(std::string& out, Number value) {
    std::array<char, 24> buffer{};
    auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), result.ptr);
}

// Shortest text that reads back as the same double; like nlohmann, a whole number keeps ".0" so
// that it reads back as a floating-point value, and NaN and infinities become null.
void append_double(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    std::array<char, 32> buffer{};
    auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    std::string_view text{buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data())};
    out += text;
    if (text.find_first_of(".e") == std::string_view::npos) {
        out += ".0";
    }
}

void append_value(std::string& out, const json& value, int depth) {
    if (depth > 512) {
        throw Unsupported{};
    }
    switch (value.type()) {
    case json::value_t::null:
        out += "null";
        break;
    case json::value_t::boolean:
        out += value.get<bool>() ? "true" : "false";
        break;
    case json::value_t::number_integer:
        append_integer(out, value.get<std::int64_t>());
        break;
    case json::value_t::number_unsigned:
        append_integer(out, value.get<std::uint64_t>());
        break;
    case json::value_t::number_float:
        append_double(out, value.get<double>());
        break;
    case json::value_t::string:
        append_string(out, value.get_ref<const std::string&>());
        break;
    case json::value_t::array: {
        out += '[';
        bool first = true;
        for (const auto& item : value) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_value(out, item, depth + 1);
        }
        out += ']';
        break;
    }
    case json::value_t::object: {
        out += '{';
        bool first = true;
        for (const auto& [name, item] : value.items()) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_string(out, name);
            out += ':';
            append_value(out, item, depth + 1);
        }
        out += '}';
        break;
    }
    default: // binary and discarded values never come from a token endpoint
        throw Unsupported{};
    }
}

void append_optional(std::string& out, const std::optional<std::string>& value) {
    if (value) {
        append_string(out, *value);
    } else {
        out += "null";
    }
}

json to_nlohmann(simdjson::dom::element element) {
    using simdjson::dom::element_type;
    switch (element.type()) {
    case element_type::ARRAY: {
        json array = json::array();
        // Held in a variable: ranging over get_array()'s temporary result would dangle.
        simdjson::dom::array items;
        if (element.get_array().get(items) != simdjson::SUCCESS) {
            return array;
        }
        for (simdjson::dom::element item : items) {
            array.push_back(to_nlohmann(item));
        }
        return array;
    }
    case element_type::OBJECT: {
        json object = json::object();
        simdjson::dom::object fields;
        if (element.get_object().get(fields) != simdjson::SUCCESS) {
            return object;
        }
        for (auto field : fields) {
            // Repeated names: the last one wins, as in nlohmann's parser.
            object[std::string{field.key}] = to_nlohmann(field.value);
        }
        return object;
    }
    case element_type::INT64: {
        // nlohmann reads a non-negative integer as unsigned: keep the same type.
        std::int64_t value = element.get_int64().value_unsafe();
        return value >= 0 ? json(static_cast<std::uint64_t>(value)) : json(value);
    }
    case element_type::UINT64:
        return json(element.get_uint64().value_unsafe());
    case element_type::DOUBLE:
        return json(element.get_double().value_unsafe());
    case element_type::STRING:
        return json(std::string{element.get_string().value_unsafe()});
    case element_type::BOOL:
        return json(element.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
    default:
        return json(nullptr);
    }
}

} // namespace

std::string encode_token_json(const OAuthTokenSet& tokens) {
    try {
        std::string out;
        out.reserve(2 * (tokens.access_token.size() +
                         (tokens.id_token ? tokens.id_token->size() : 0) +
                         (tokens.refresh_token ? tokens.refresh_token->size() : 0)) +
                    256);
        out += "{\"access_token\":";
        append_string(out, tokens.access_token);
        out += ",\"token_type\":";
        append_string(out, tokens.token_type);
        out += ",\"refresh_token\":";
        append_optional(out, tokens.refresh_token);
        out += ",\"expires_in\":";
        if (tokens.expires_in) {
            append_integer(out, *tokens.expires_in);
        } else {
            out += "null";
        }
        out += ",\"id_token\":";
        append_optional(out, tokens.id_token);
        out += ",\"scope\":";
        append_string(out, tokens.scope);
        out += ",\"raw\":";
        append_value(out, tokens.raw, 0);
        out += ",\"issued_at\":";
        append_double(out, tokens.issued_at);
        if (tokens.dpop_key) {
            out += ",\"dpop_key\":";
            append_string(out, *tokens.dpop_key);
        }
        out += '}';
        return out;
    } catch (const Unsupported&) {
        return tokens.to_json_string();
    }
}

OAuthTokenSet decode_token_json(std::string_view text, const Clock& clock) {
    // One parser per thread: it keeps its buffers between records.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element root;
    // An empty view may have no data at all, which simdjson would copy from (a null pointer to
    // memcpy is undefined even for no bytes).
    if (text.empty() || parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
        // Malformed, or legal JSON simdjson declines (e.g. integers beyond 64 bits): let core
        // decide, so exactly the same texts are accepted.
        return OAuthTokenSet::from_json_string(text, clock);
    }
    return OAuthTokenSet::from_json(to_nlohmann(root), clock);
}

} // namespace authflow::store_detail
