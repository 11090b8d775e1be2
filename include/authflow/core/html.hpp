#pragma once
// HTML escaping for the pages authflow serves (the loopback success page, the sign-in page).

#include <string>
#include <string_view>

namespace authflow {

/// Escapes `& < > " '` so that `text` is safe inside HTML text and quoted attribute values
/// (HTML 5 §13.1.2.6). Used by every page authflow serves. Does not throw (except std::bad_alloc).
std::string html_escape(std::string_view text);

} // namespace authflow
