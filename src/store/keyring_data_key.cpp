#include "internal/keyring_data_key.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/store/keyring_token_store.hpp>

#include <cstdlib>
#include <fstream>
#include <system_error>

namespace authflow::store_detail {

namespace {

/// Beside a database whose key the keyring keeps. Without it the keyring is not asked at all, so
/// a plain store (the common case on servers) costs no D-Bus round trip per command.
std::filesystem::path marker_of(const std::filesystem::path& database) {
    return database.string() + ".key-in-keyring";
}

/// A session bus is configured: without one no Secret Service can answer, and asking would make
/// GLib try to start a bus.
bool has_session_bus() {
    const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
    return address != nullptr && *address != '\0';
}

} // namespace

std::optional<StoreKey> keyring_data_key(const std::filesystem::path& database) {
#if AUTHFLOW_WITH_KEYRING
    std::error_code ignored;
    const std::filesystem::path absolute = std::filesystem::absolute(database, ignored);
    const bool exists = std::filesystem::exists(absolute, ignored);
    const bool keyed = std::filesystem::exists(marker_of(absolute), ignored);
    if ((exists && !keyed) || (!exists && !has_session_bus())) {
        return std::nullopt; // a plain store from before, or no keyring to keep a new key
    }
    const std::string name = "sqlite:" + absolute.string();
    try {
        KeyringTokenStoreOptions options;
        options.service = "authflow store keys";
        if (!secret_service_available()) {
            if (keyed) {
                log(LogLevel::warning, "the keyring that keeps the key of " + absolute.string() +
                                           " does not answer: its records cannot be read");
            }
            return std::nullopt;
        }
        KeyringTokenStore keys(options);
        if (auto saved = keys.load_document(name)) {
            return StoreKey::from_base64(saved->at("key").get<std::string>());
        }
        if (exists) {
            return std::nullopt;
        }
        StoreKey key = StoreKey::generate();
        keys.save_document(name, {{"key", key.to_base64()}});
        std::filesystem::create_directories(absolute.parent_path(), ignored);
        std::ofstream(marker_of(absolute))
            << "The key of the SQLite token store beside this file is kept in the keyring "
               "(Secret Service, service \"authflow store keys\").\n";
        return key;
    } catch (const std::exception& e) {
        log(LogLevel::warning, "the SQLite token store's data key could not be kept in the "
                               "keyring; the store is not encrypted: " +
                                   std::string{e.what()});
        return std::nullopt;
    }
#else
    (void)database;
    (void)marker_of;
    (void)has_session_bus;
    return std::nullopt;
#endif
}

} // namespace authflow::store_detail
