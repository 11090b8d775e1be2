#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>

#include <array>
#include <cstdint>

namespace authflow {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_table(std::string_view alphabet) {
    std::array<std::int8_t, 256> table{};
    for (auto& entry : table) {
        entry = -1;
    }
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}

constexpr auto url_table = make_table(url_alphabet);
constexpr auto std_table = make_table(std_alphabet);

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t at) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += alphabet[n & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t n = byte(i) << 16;
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        if (pad) {
            out += "==";
        }
    } else if (rest == 2) {
        std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8;
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        if (pad) {
            out += '=';
        }
    }
    return out;
}

// Decodes unpadded text; rejects foreign characters, a length of 4k+1, and non-zero
// trailing bits (so every byte string has exactly one accepted encoding).
bool decode(std::string_view text, const std::array<std::int8_t, 256>& table, std::string& out) {
    if (text.size() % 4 == 1) {
        return false;
    }
    out.reserve(out.size() + text.size() / 4 * 3 + 2);
    std::uint32_t accumulator = 0;
    int bits = 0;
    for (char c : text) {
        std::int8_t value = table[static_cast<unsigned char>(c)];
        if (value < 0) {
            return false;
        }
        accumulator = accumulator << 6 | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>(accumulator >> bits & 0xff);
        }
    }
    return (accumulator & ((1u << bits) - 1)) == 0;
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
    return encode(bytes, url_alphabet, false);
}

bool base64url_decode_to(std::string_view text, std::string& out) {
    return decode(text, url_table, out);
}

std::string base64url_decode(std::string_view text) {
    std::string out;
    if (!decode(text, url_table, out)) {
        throw Error(errc::bad_base64, "invalid base64url text");
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    return encode(bytes, std_alphabet, true);
}

std::string base64_decode(std::string_view text) {
    if (text.size() % 4 == 0 && !text.empty()) {
        // Padding is optional, but when present it must complete the last quantum.
        if (text.ends_with("==")) {
            text.remove_suffix(2);
        } else if (text.ends_with('=')) {
            text.remove_suffix(1);
        }
    }
    std::string out;
    if (!decode(text, std_table, out)) {
        throw Error(errc::bad_base64, "invalid base64 text");
    }
    return out;
}

} // namespace authflow
