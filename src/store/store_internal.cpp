#include "internal/store_internal.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <mutex>
#include <set>

namespace authflow::store_detail {

void fail(errc code, std::string_view backend, std::string_view message) {
    std::string text{backend};
    text += " store: ";
    text += message;
    throw StoreError(code, text);
}

std::shared_ptr<const Clock> clock_or_system(std::shared_ptr<const Clock> clock) {
    if (clock) {
        return clock;
    }
    return system_clock_ptr();
}

std::int64_t wall_ms(const Clock& clock) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
        .count();
}

std::int64_t positive_ms(std::chrono::milliseconds ttl, std::string_view backend,
                         std::string_view what) {
    if (ttl.count() <= 0) {
        fail(errc::invalid_argument, backend, std::string{what} + " must be positive");
    }
    // A year is far beyond any sensible lease or session, and keeps expiry arithmetic in range.
    constexpr std::int64_t max_ms = 366LL * 24 * 3600 * 1000;
    if (ttl.count() > max_ms) {
        fail(errc::invalid_argument, backend, std::string{what} + " is longer than a year");
    }
    return ttl.count();
}

std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
        code = c;
        return 1;
    }
    std::size_t length = 0;
    if ((c & 0xe0) == 0xc0) {
        length = 2;
        code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        length = 3;
        code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        length = 4;
        code = c & 0x07;
    } else {
        return 0;
    }
    if (i + length > text.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xc0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t min_code[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < min_code[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return 0;
    }
    return length;
}

void note_unencrypted_once(std::string_view backend, std::string_view where) {
    static std::mutex mutex;
    static std::set<std::string, std::less<>> said;
    {
        std::lock_guard lock(mutex);
        if (!said.emplace(std::string{backend} + "\n" + std::string{where}).second) {
            return;
        }
    }
    {
        log(LogLevel::info, std::string{backend} + " token store " + std::string{where} +
                                " is not encrypted (no store key); the file is readable by "
                                "this user only. Set AUTHFLOW_STORE_KEY to encrypt it.");
    }
}

} // namespace authflow::store_detail
