#pragma once
// Where to send a browser after sign-in: only somewhere on this site (no open redirect).

#include <string>
#include <string_view>

namespace authflow {

/// `next` when it is a same-origin relative path, else "/". Accepted: starts with exactly one
/// '/' (not "//" and not "/\"), no backslash, no control character, space or non-ASCII byte,
/// at most 2048 bytes, valid percent-escapes; and every percent-decoded form of it (decoded
/// repeatedly until stable) passes the same checks, so "/%2F%2Fevil.example" and "/%5Cevil" are
/// refused too. Browsers treat '\' as '/' and drop tabs and newlines, which is why those are
/// refused outright. Throws only std::bad_alloc.
std::string safe_next_path(std::string_view next);

} // namespace authflow
