#pragma once
// The data key of a new SQLite token store, kept in the keyring (not installed): where a Secret
// Service answers, the SQLite file is encrypted by default, the way browsers keep their cookie
// keys in the keyring.

#include <authflow/store/encryption.hpp>

#include <filesystem>
#include <optional>

namespace authflow::store_detail {

/// The key the keyring keeps for the SQLite store at `database`: the one saved earlier (a file
/// `<database>.key-in-keyring` says there is one), or — for a database that does not exist yet,
/// with a session bus configured — a new one, saved first. Nothing when this build has no keyring
/// support, no Secret Service answers, the keyring fails (logged), or the database exists without
/// a key in the keyring (its records are plain and stay readable; the keyring is not asked).
std::optional<StoreKey> keyring_data_key(const std::filesystem::path& database);

} // namespace authflow::store_detail
