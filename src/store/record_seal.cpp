#include "record_seal.hpp"

#include "internal/store_internal.hpp"

#include <authflow/core/errors.hpp>

namespace authflow::store_detail {

std::string quoted_record(std::string_view key) {
    return "record '" + std::string{key.substr(0, 128)} + "'";
}

RecordSeal::RecordSeal(std::string backend, std::optional<StoreKey> key, RecordEncoding encoding)
    : backend_(std::move(backend)), encoding_(encoding) {
    if (key) {
        cipher_.emplace(std::move(*key));
    }
}

std::string RecordSeal::seal(std::string_view name, std::string plaintext) const {
    return cipher_ ? cipher_->encrypt(name, plaintext, encoding_) : std::move(plaintext);
}

std::string_view RecordSeal::open(std::string_view name, std::string_view key,
                                  std::string_view record, std::string& buffer) const {
    if (record.size() > max_record_size) {
        fail(errc::store_corrupt, backend_, quoted_record(key) + " is larger than 4 MiB");
    }
    if (RecordCipher::is_encrypted(record)) {
        if (!cipher_) {
            fail(errc::decrypt_failed, backend_,
                 quoted_record(key) +
                     " is encrypted, but no store key is configured (set AUTHFLOW_STORE_KEY "
                     "or store_key_file)");
        }
        try {
            buffer = cipher_->decrypt(name, record);
        } catch (const StoreError& error) {
            fail(error.code(), backend_, quoted_record(key) + ": " + error.what());
        }
        return buffer;
    }
    if (cipher_) {
        // A plain record where encrypted ones are expected: someone wrote around the store, or
        // the key was configured after the record was saved. Never trust it silently.
        fail(errc::decrypt_failed, backend_,
             quoted_record(key) + " is not encrypted, but a store key (id " +
                 cipher_->key().key_id() + ") is configured; remove it and sign in again");
    }
    return record;
}

} // namespace authflow::store_detail
