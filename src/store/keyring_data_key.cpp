#include "internal/keyring_data_key.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/store/keyring_token_store.hpp>

#include <system_error>

namespace authflow::store_detail {

std::optional<StoreKey> keyring_data_key(const std::filesystem::path& database) {
#if AUTHFLOW_WITH_KEYRING
    if (!secret_service_available()) {
        return std::nullopt;
    }
    std::error_code ignored;
    const std::filesystem::path absolute = std::filesystem::absolute(database, ignored);
    const std::string name = "sqlite:" + absolute.string();
    try {
        KeyringTokenStoreOptions options;
        options.service = "authflow store keys";
        KeyringTokenStore keys(options);
        if (auto saved = keys.load_document(name)) {
            return StoreKey::from_base64(saved->at("key").get<std::string>());
        }
        if (std::filesystem::exists(absolute, ignored)) {
            return std::nullopt; // a plain store from before: its records stay readable
        }
        StoreKey key = StoreKey::generate();
        keys.save_document(name, {{"key", key.to_base64()}});
        return key;
    } catch (const std::exception& e) {
        log(LogLevel::warning, "the SQLite token store's data key could not be kept in the "
                               "keyring; the store is not encrypted: " +
                                   std::string{e.what()});
        return std::nullopt;
    }
#else
    (void)database;
    return std::nullopt;
#endif
}

} // namespace authflow::store_detail
