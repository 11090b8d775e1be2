#pragma once
// Text from a provider (names, e-mail addresses, userinfo answers) made safe to print on a
// terminal: a provider, or a user who chose their own display name, must not be able to move the
// cursor, rewrite earlier lines, set the window title or hide text from the person reading.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace authflow::cli {

/// `text` without what a terminal would act on: C0 controls (ESC, CR, LF, BEL, …; a tab becomes
/// a space), DEL, C1 controls (U+0080–U+009F) and the bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069). Each byte that is not part of valid UTF-8 becomes '?'. Every
/// other character (other scripts, emoji) is kept.
std::string terminal_safe(std::string_view text);

/// The same for every string, and every object key, inside a JSON value.
nlohmann::json terminal_safe_json(const nlohmann::json& value);

} // namespace authflow::cli
