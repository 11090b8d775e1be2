#pragma once
// Sealing of stored records (not installed): the one place where every typed layer's plaintext
// becomes what the byte layer keeps, encrypted with the store key when there is one.

#include <authflow/store/encryption.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace authflow::store_detail {

/// Encrypts records with the store key, or leaves them plain without one, and checks on the way
/// back that a record is what this store writes. Safe to use from several threads.
class RecordSeal {
public:
    RecordSeal(std::string backend, std::optional<StoreKey> key, RecordEncoding encoding);

    bool is_encrypting() const noexcept { return cipher_.has_value(); }
    const std::string& backend() const noexcept { return backend_; }

    /// The stored form of `plaintext` as the record named `name` (see RecordStore::record_name).
    std::string seal(std::string_view name, std::string plaintext) const;
    /// The plaintext of `record`; a view into `record` or into `buffer`. `key` names the record
    /// in messages. Throws StoreError: store_corrupt (larger than max_record_size, not in an
    /// encrypted format), decrypt_failed (wrong key, altered, another name's record, encrypted
    /// record without a key, or a plain record when a key is configured).
    std::string_view open(std::string_view name, std::string_view key, std::string_view record,
                          std::string& buffer) const;

private:
    std::string backend_;
    std::optional<RecordCipher> cipher_;
    RecordEncoding encoding_;
};

/// "record '<key, at most 128 bytes>'", for messages.
std::string quoted_record(std::string_view key);

} // namespace authflow::store_detail
