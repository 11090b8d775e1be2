#include "file_lease.hpp"
#include "internal/store_internal.hpp"

#include <authflow/core/log.hpp>
#include <authflow/store/keyring_token_store.hpp>

#if AUTHFLOW_WITH_KEYRING

#include <authflow/core/encoding.hpp>

#include <libsecret/secret.h>

#include <charconv>

namespace authflow {
namespace {

using store_detail::fail;

constexpr std::string_view keyring_backend = "keyring";

// The secret's text: "afkr1;<expiry in Unix ms, 0 for none>;<record>" for a record that is
// UTF-8 text without NUL (every record authflow seals), "afkr2;<expiry>;<base64 of the record>"
// for any other bytes (a secret's text is a C string).
constexpr std::string_view envelope_prefix = "afkr1;";
constexpr std::string_view binary_envelope_prefix = "afkr2;";

SecretSchema make_schema(const char* name) {
    SecretSchema value{};
    value.name = name;
    value.flags = SECRET_SCHEMA_NONE;
    value.attributes[0] = {"service", SECRET_SCHEMA_ATTRIBUTE_STRING};
    value.attributes[1] = {"key", SECRET_SCHEMA_ATTRIBUTE_STRING};
    value.attributes[2] = {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING};
    return value;
}

// One schema per kind (the xdg:schema attribute keeps the kinds apart); token sets keep the
// schema of earlier versions.
const SecretSchema* schema_of(RecordKind kind) {
    static const SecretSchema token_schema = make_schema("org.authflow.Token");
    static const SecretSchema document_schema = make_schema("org.authflow.Document");
    switch (kind) {
    case RecordKind::token_set:
        return &token_schema;
    case RecordKind::document:
        return &document_schema;
    }
    fail(errc::internal, keyring_backend, "unknown record kind");
}

// "authflow tokens (service): key", the label a keyring manager shows.
std::string label_of(RecordKind kind, const std::string& service, const std::string& key) {
    return "authflow " + std::string{record_kind_name(kind)} + " (" + service + "): " + key;
}

struct GErrorFree {
    void operator()(GError* error) const noexcept { g_error_free(error); }
};
struct HashTableUnref {
    void operator()(GHashTable* table) const noexcept { g_hash_table_unref(table); }
};
struct PasswordFree {
    void operator()(gchar* password) const noexcept { secret_password_free(password); }
};
struct ObjectUnref {
    void operator()(gpointer object) const noexcept { g_object_unref(object); }
};
struct ValueUnref {
    void operator()(SecretValue* value) const noexcept { secret_value_unref(value); }
};
struct ItemListFree {
    void operator()(GList* list) const noexcept { g_list_free_full(list, g_object_unref); }
};
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;
using Attributes = std::unique_ptr<GHashTable, HashTableUnref>;
using Password = std::unique_ptr<gchar, PasswordFree>;
using ItemList = std::unique_ptr<GList, ItemListFree>;

// Attributes point into the strings given: keep them alive while the table is used.
Attributes attributes(const std::string& service, const std::string* key) {
    Attributes table{g_hash_table_new(g_str_hash, g_str_equal)};
    g_hash_table_insert(table.get(), const_cast<char*>("service"),
                        const_cast<char*>(service.c_str()));
    if (key != nullptr) {
        g_hash_table_insert(table.get(), const_cast<char*>("key"), const_cast<char*>(key->c_str()));
    }
    return table;
}

constexpr std::string_view unavailable_hint =
    "; is a Secret Service (gnome-keyring, KeePassXC, KWallet) running and unlocked in this "
    "session? Without one, use the SQLite store (token_store_backend = sqlite)";

[[noreturn]] void fail_gerror(const ErrorPtr& error, std::string_view what) {
    std::string text{what};
    text += " failed: ";
    text += error ? error->message : "unknown error";
    bool unavailable =
        error && (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR ||
                  (error->domain == SECRET_ERROR && (error->code == SECRET_ERROR_IS_LOCKED ||
                                                     error->code == SECRET_ERROR_NO_SUCH_OBJECT)));
    if (unavailable) {
        fail(errc::store_unavailable, keyring_backend, text + std::string{unavailable_hint});
    }
    fail(errc::store_failed, keyring_backend, text);
}

// Connects to the Secret Service and checks that it has a default collection to store into.
void probe_secret_service() {
    GError* raw = nullptr;
    std::unique_ptr<SecretService, ObjectUnref> service{
        secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, nullptr, &raw)};
    ErrorPtr error{raw};
    if (!service) {
        fail_gerror(error, "connecting to the Secret Service");
    }
    raw = nullptr;
    std::unique_ptr<SecretCollection, ObjectUnref> collection{secret_collection_for_alias_sync(
        service.get(), SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, nullptr, &raw)};
    error.reset(raw);
    if (error) {
        fail_gerror(error, "finding the default keyring");
    }
    if (!collection) {
        fail(errc::store_unavailable, keyring_backend,
             "the Secret Service has no default keyring" + std::string{unavailable_hint});
    }
}

struct Envelope {
    std::int64_t expires_ms = 0; ///< 0: none
    std::string_view record;
    bool is_base64 = false;
};

// True when `value` can be a secret's text as it is.
bool is_plain_text(std::string_view value) {
    if (value.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t i = 0;
    while (i < value.size()) {
        std::uint32_t code = 0;
        std::size_t length = store_detail::decode_utf8(value, i, code);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

std::string make_envelope(std::int64_t expires_ms, std::string_view value) {
    bool plain = is_plain_text(value);
    std::string text{plain ? envelope_prefix : binary_envelope_prefix};
    text += std::to_string(expires_ms);
    text += ';';
    if (plain) {
        text += value;
    } else {
        text += base64_encode(value);
    }
    return text;
}

std::optional<Envelope> open_envelope(std::string_view text) {
    Envelope envelope;
    if (text.substr(0, binary_envelope_prefix.size()) == binary_envelope_prefix) {
        envelope.is_base64 = true;
    } else if (text.substr(0, envelope_prefix.size()) != envelope_prefix) {
        return std::nullopt;
    }
    text.remove_prefix(envelope_prefix.size());
    auto semicolon = text.find(';');
    if (semicolon == std::string_view::npos) {
        return std::nullopt;
    }
    auto [end, error] = std::from_chars(text.data(), text.data() + semicolon, envelope.expires_ms);
    if (error != std::errc{} || end != text.data() + semicolon || envelope.expires_ms < 0) {
        return std::nullopt;
    }
    envelope.record = text.substr(semicolon + 1);
    return envelope;
}

// How the keyring store writes a record: one secret per service, kind and key. A value (it
// copies what it needs), so that the lease backend that writes fenced saves can outlive the store.
class SecretWriter {
public:
    SecretWriter(std::string service, std::shared_ptr<const Clock> clock,
                 std::optional<std::chrono::milliseconds> record_ttl)
        : service_(std::move(service)), clock_(std::move(clock)), record_ttl_(record_ttl) {}

    void operator()(RecordKind kind, const std::string& key, std::string_view value,
                    std::optional<std::chrono::milliseconds> ttl) const {
        if (!ttl) {
            ttl = record_ttl_;
        }
        std::int64_t expires = ttl ? store_detail::wall_ms(*clock_) + ttl->count() : 0;
        std::string text = make_envelope(expires, value);
        std::string label = label_of(kind, service_, key);
        auto attrs = attributes(service_, &key);
        GError* raw = nullptr;
        // The Secret Service replaces the item with the same attributes: one secret per kind and
        // key.
        gboolean stored =
            secret_password_storev_sync(schema_of(kind), attrs.get(), SECRET_COLLECTION_DEFAULT,
                                        label.c_str(), text.c_str(), nullptr, &raw);
        ErrorPtr error{raw};
        if (error || stored == FALSE) {
            fail_gerror(error, "storing a secret");
        }
    }

private:
    std::string service_;
    std::shared_ptr<const Clock> clock_;
    std::optional<std::chrono::milliseconds> record_ttl_;
};

} // namespace

bool secret_service_available() {
    try {
        probe_secret_service();
        return true;
    } catch (const StoreError&) {
        return false;
    }
}

class KeyringTokenStore::Impl {
public:
    explicit Impl(KeyringTokenStoreOptions options)
        : service_(std::move(options.service)),
          clock_(store_detail::clock_or_system(options.clock)), record_ttl_(options.record_ttl),
          writer_(service_, clock_, record_ttl_),
          leases_(std::make_shared<store_detail::FileLeaseBackend>(
              options.lock_dir, "keyring:" + service_, options.clock, std::string{keyring_backend},
              writer_)) {
        if (service_.empty() || service_.size() > 256) {
            throw ConfigError(errc::config_invalid,
                              "keyring token store: the service name must be 1 to 256 characters");
        }
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, keyring_backend, "record_ttl");
        }
        probe_secret_service();
    }

    // The live envelope text of (kind, key), or nothing; an expired record is removed.
    std::optional<std::string> lookup(RecordKind kind, const std::string& key) {
        auto attrs = attributes(service_, &key);
        GError* raw = nullptr;
        Password password{
            secret_password_lookupv_sync(schema_of(kind), attrs.get(), nullptr, &raw)};
        ErrorPtr error{raw};
        if (error) {
            fail_gerror(error, "looking up a secret");
        }
        if (!password) {
            return std::nullopt;
        }
        std::string text{password.get()};
        auto envelope = open_envelope(text);
        if (envelope && envelope->expires_ms != 0 &&
            envelope->expires_ms <= store_detail::wall_ms(*clock_)) {
            clear(kind, key);
            return std::nullopt;
        }
        return text;
    }

    bool clear(RecordKind kind, const std::string& key) {
        auto attrs = attributes(service_, &key);
        GError* raw = nullptr;
        gboolean removed = secret_password_clearv_sync(schema_of(kind), attrs.get(), nullptr, &raw);
        ErrorPtr error{raw};
        if (error) {
            fail_gerror(error, "removing a secret");
        }
        return removed != FALSE;
    }

    std::string service_;
    std::shared_ptr<const Clock> clock_;
    std::optional<std::chrono::milliseconds> record_ttl_;
    SecretWriter writer_;
    std::shared_ptr<store_detail::FileLeaseBackend> leases_;
};

KeyringTokenStore::KeyringTokenStore(KeyringTokenStoreOptions options)
    : TokenStore(keyring_backend, RecordSealing{options.key, RecordEncoding::text, options.clock}),
      impl_(std::make_shared<Impl>(std::move(options))) {}

KeyringTokenStore::~KeyringTokenStore() = default;

void KeyringTokenStore::do_put(RecordKind kind, const std::string& key, std::string_view value,
                               std::optional<std::chrono::milliseconds> ttl) {
    impl_->writer_(kind, key, value, ttl);
}

std::optional<std::string> KeyringTokenStore::do_get(RecordKind kind, const std::string& key) {
    auto text = impl_->lookup(kind, key);
    if (!text) {
        return std::nullopt;
    }
    auto envelope = open_envelope(*text);
    if (!envelope) {
        fail(errc::store_corrupt, keyring_backend,
             "record '" + key.substr(0, 128) + "' is not an authflow token record");
    }
    if (!envelope->is_base64) {
        return std::string{envelope->record};
    }
    try {
        return base64_decode(envelope->record);
    } catch (const std::exception&) {
        fail(errc::store_corrupt, keyring_backend,
             "record '" + key.substr(0, 128) + "' is not an authflow token record");
    }
}

bool KeyringTokenStore::do_erase(RecordKind kind, const std::string& key) {
    return impl_->clear(kind, key);
}

bool KeyringTokenStore::do_contains(RecordKind kind, const std::string& key) {
    return impl_->lookup(kind, key).has_value();
}

std::vector<std::string> KeyringTokenStore::do_keys(RecordKind kind) {
    auto attrs = attributes(impl_->service_, nullptr);
    GError* raw = nullptr;
    ItemList items{secret_password_searchv_sync(
        schema_of(kind), attrs.get(),
        static_cast<SecretSearchFlags>(SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS), nullptr,
        &raw)};
    ErrorPtr error{raw};
    if (error) {
        fail_gerror(error, "searching secrets");
    }
    std::vector<std::string> keys;
    std::int64_t now = store_detail::wall_ms(*impl_->clock_);
    for (GList* node = items.get(); node != nullptr; node = node->next) {
        auto* item = static_cast<SecretRetrievable*>(node->data);
        Attributes item_attrs{secret_retrievable_get_attributes(item)};
        const auto* key = static_cast<const char*>(
            item_attrs ? g_hash_table_lookup(item_attrs.get(), "key") : nullptr);
        if (key == nullptr) {
            continue;
        }
        raw = nullptr;
        std::unique_ptr<SecretValue, ValueUnref> value{
            secret_retrievable_retrieve_secret_sync(item, nullptr, &raw)};
        ErrorPtr value_error{raw};
        if (value) {
            const gchar* text = secret_value_get_text(value.get());
            auto envelope = text != nullptr ? open_envelope(text) : std::nullopt;
            if (envelope && envelope->expires_ms != 0 && envelope->expires_ms <= now) {
                continue;
            }
        }
        keys.emplace_back(key);
    }
    return keys;
}

std::shared_ptr<detail::LeaseBackend> KeyringTokenStore::lease_backend() {
    return impl_->leases_;
}

} // namespace authflow

#else

namespace authflow {

bool secret_service_available() {
    return false;
}

} // namespace authflow

#endif
