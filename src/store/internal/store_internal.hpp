#pragma once
// Helpers shared by the token-store backends (not installed).

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::store_detail {

/// Throws StoreError(code, "<backend> store: <message>").
[[noreturn]] void fail(errc code, std::string_view backend, std::string_view message);

/// `clock`, or the process's system clock when null.
std::shared_ptr<const Clock> clock_or_system(std::shared_ptr<const Clock> clock);

/// Wall time in Unix milliseconds.
std::int64_t wall_ms(const Clock& clock);

/// Milliseconds of a duration, checked to be positive (throws StoreError invalid_argument).
std::int64_t positive_ms(std::chrono::milliseconds ttl, std::string_view backend,
                         std::string_view what);

/// Largest record text a store accepts when reading (a bound on memory for damaged data).
inline constexpr std::size_t max_record_size = 4 * 1024 * 1024;

/// Decodes the UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no surrogates,
/// at most U+10FFFF) into `code`; returns its length, or 0 when it is not valid. For bytes below
/// 0x80 it returns 1.
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code);

/// Logs (info), once per process and place, that a backend keeps records without encryption.
void note_unencrypted_once(std::string_view backend, std::string_view where);

} // namespace authflow::store_detail
