#pragma once
// Encryption at rest for stored records: AES-256-GCM with a key id, the record's name bound as
// associated data so that records cannot be swapped between names.

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// A 256-bit store key. The key bytes never appear in a message; key_id() names the key instead.
/// A plain value (copies wipe themselves on destruction); not synchronised.
class StoreKey {
public:
    static constexpr std::size_t size = 32;

    /// Reads standard base64 (RFC 4648 §4; padding optional, surrounding whitespace ignored) of
    /// exactly 32 bytes. Throws ConfigError (config_invalid); the text is never echoed.
    static StoreKey from_base64(std::string_view text);
    /// Reads a file holding the base64 text. Throws ConfigError (config_invalid) when the file
    /// cannot be read or holds no valid key. Logs a warning when others may read the file.
    static StoreKey from_file(const std::filesystem::path& file);
    /// A fresh random key.
    static StoreKey generate();

    StoreKey(const StoreKey&) = default;
    StoreKey& operator=(const StoreKey&) = default;
    ~StoreKey();

    /// First 8 bytes of SHA-256 of the key, as 16 hex digits: safe to show and log.
    const std::string& key_id() const noexcept { return key_id_; }
    /// The key in standard base64 (to write a new key file). Handle as a secret.
    std::string to_base64() const;
    /// The raw key bytes. Handle as a secret.
    std::string_view bytes() const noexcept;

private:
    explicit StoreKey(std::string_view raw);
    std::array<unsigned char, size> bytes_{};
    std::string key_id_;
};

/// The store key of this process: AUTHFLOW_STORE_KEY when set and not empty, else the contents
/// of `key_file` when that is not empty, else nothing. Throws ConfigError (config_invalid) when
/// the variable or the file holds no valid key, or the file cannot be read.
std::optional<StoreKey> load_store_key(const std::filesystem::path& key_file = {});

/// How an encrypted record is written: ASCII for text-only places (the keyring, SQLite), bytes
/// for binary-safe ones (Redis: no base64 to compute and a quarter fewer bytes to send).
enum class RecordEncoding { text, binary };

/// Encrypts and decrypts records with one StoreKey: AES-256-GCM, a fresh random 12-byte IV per
/// record, associated data `afenc1.<key id>.<name>` (so a record moved to another name fails).
/// Formats:
/// - text: `afenc1.<key id>.<base64url IV>.<base64url ciphertext||16-byte tag>`
/// - binary: `afbin1.<key id>.` followed by the raw 12-byte IV, ciphertext and 16-byte tag.
/// The key id is 16 hex digits (StoreKey::key_id). Safe to use from several threads.
class RecordCipher {
public:
    explicit RecordCipher(StoreKey key);

    const StoreKey& key() const noexcept { return key_; }

    /// Encrypts `plaintext` as the record named `name`, with a fresh random IV.
    std::string encrypt(std::string_view name, std::string_view plaintext,
                        RecordEncoding encoding = RecordEncoding::text) const;
    /// Decrypts the record named `name`, in either format. Throws StoreError: store_corrupt when
    /// `record` is not in one of the formats above; decrypt_failed when it was made with another
    /// key (the message names both key ids), or was altered, or belongs to another name.
    std::string decrypt(std::string_view name, std::string_view record) const;

    /// True when `record` looks like an encrypted record ("afenc1." or "afbin1.").
    static bool is_encrypted(std::string_view record) noexcept;

private:
    StoreKey key_;
};

} // namespace authflow
