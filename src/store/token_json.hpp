#pragma once
// The storage form of OAuthTokenSet (core's to_json_string / from_json_string), written and read
// fast: stores serialise and parse a record on every save and on every load that finds it
// changed, and nlohmann's dump and parse of a 4 KB token set cost several times a Redis round
// trip. Same text format, same validation (reading ends in OAuthTokenSet::from_json).

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>

#include <string>
#include <string_view>

namespace authflow::store_detail {

/// The same JSON as tokens.to_json_string() (keys in the same order; numbers may be spelled
/// differently but parse to the same values). Throws what to_json_string throws for a string
/// that is not valid UTF-8.
std::string encode_token_json(const OAuthTokenSet& tokens);

/// Reads what encode_token_json or to_json_string wrote, accepting exactly what
/// OAuthTokenSet::from_json_string accepts. Throws TokenError (token_invalid) like it.
OAuthTokenSet decode_token_json(std::string_view text, const Clock& clock);

} // namespace authflow::store_detail
