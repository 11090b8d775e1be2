#pragma once
// "Did you mean ...?": the known name closest to a mistyped one (a command, a flag, a setting).

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace authflow {

/// The optimal-string-alignment Damerau-Levenshtein distance between `a` and `b`: insertions,
/// deletions, substitutions and transpositions of two adjacent characters each count one.
/// Compared byte by byte, ASCII case ignored.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a typing mistake: at most 2
/// edits and at most a third of `word`'s length (at least 1), ties going to the earlier
/// candidate. Nothing for an exact match or when no candidate is close.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

} // namespace authflow
