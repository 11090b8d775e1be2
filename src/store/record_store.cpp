#include "internal/store_internal.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/random.hpp>
#include <authflow/store/record_store.hpp>

#include <algorithm>
#include <exception>
#include <iterator>

namespace authflow {

namespace {

// Accepts UTF-8 without control characters (C0, DEL or C1).
bool is_clean_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::uint32_t code = 0;
        std::size_t length = store_detail::decode_utf8(text, i, code);
        if (length == 0 || code < 0x20 || (code >= 0x7f && code < 0xa0)) {
            return false;
        }
        i += length;
    }
    return true;
}

} // namespace

void validate_store_key(std::string_view key, std::string_view what) {
    if (key.empty() || key.size() > 512) {
        throw StoreError(errc::invalid_argument,
                         "token store: a " + std::string{what} + " must be 1 to 512 bytes long");
    }
    if (!is_clean_utf8(key)) {
        throw StoreError(errc::invalid_argument, "token store: a " + std::string{what} +
                                                     " must be UTF-8 without control characters");
    }
}

// Backends index arrays by kind.
static_assert(static_cast<int>(record_kinds[0]) == 0 && static_cast<int>(record_kinds[1]) == 1 &&
              std::size(record_kinds) == 2);

std::string_view record_kind_name(RecordKind kind) noexcept {
    switch (kind) {
    case RecordKind::token_set:
        return "tokens";
    case RecordKind::document:
        return "documents";
    }
    return "records";
}

// --- Lease ---------------------------------------------------------------------------------

Lease::Lease(std::shared_ptr<detail::LeaseBackend> backend, std::string name, std::string holder)
    : backend_(std::move(backend)), name_(std::move(name)), holder_(std::move(holder)) {}

Lease::~Lease() {
    try {
        release();
    } catch (const std::exception& error) {
        log(LogLevel::warning,
            "could not release lease '" + name_ + "' (it expires by itself): " + error.what());
    }
}

void Lease::renew(std::chrono::milliseconds ttl) {
    store_detail::positive_ms(ttl, backend_->backend_name(), "lease ttl");
    std::lock_guard lock(mutex_);
    if (released_ || !backend_->renew(name_, holder_, ttl)) {
        store_detail::fail(errc::lease_lost, backend_->backend_name(),
                           "lease '" + name_ + "' is no longer held by this holder");
    }
}

bool Lease::release() {
    std::lock_guard lock(mutex_);
    if (released_) {
        return false;
    }
    released_ = true;
    return backend_->release(name_, holder_);
}

bool Lease::put_if_held(const detail::LeaseBackend& expected, RecordKind kind,
                        const std::string& key, std::string_view value,
                        std::optional<std::chrono::milliseconds> ttl) const {
    if (backend_.get() != &expected) {
        store_detail::fail(errc::invalid_argument, expected.backend_name(),
                           "lease '" + name_ + "' belongs to another store");
    }
    // Under the mutex, so that release() cannot end the lease between the check and the write.
    std::lock_guard lock(mutex_);
    if (released_) {
        return false;
    }
    return backend_->put_if_held(name_, holder_, kind, key, value, ttl);
}

bool Lease::is_released() const {
    std::lock_guard lock(mutex_);
    return released_;
}

// --- RecordStore -----------------------------------------------------------------------------

void RecordStore::put(RecordKind kind, std::string_view key, std::string_view value,
                      std::optional<std::chrono::milliseconds> ttl) {
    validate_store_key(key);
    if (ttl) {
        store_detail::positive_ms(*ttl, backend(), "record ttl");
    }
    do_put(kind, std::string{key}, value, ttl);
}

std::optional<std::string> RecordStore::get(RecordKind kind, std::string_view key) {
    validate_store_key(key);
    return do_get(kind, std::string{key});
}

bool RecordStore::erase(RecordKind kind, std::string_view key) {
    validate_store_key(key);
    return do_erase(kind, std::string{key});
}

bool RecordStore::contains(RecordKind kind, std::string_view key) {
    validate_store_key(key);
    return do_contains(kind, std::string{key});
}

std::vector<std::string> RecordStore::keys(RecordKind kind) {
    auto keys = do_keys(kind);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

std::string RecordStore::record_name(RecordKind kind, std::string_view key) const {
    if (kind == RecordKind::token_set) {
        return std::string{key}; // the name token sets have always been sealed with
    }
    // Keys hold no control characters, so the separator keeps each kind's names apart.
    std::string name{record_kind_name(kind)};
    name += '\x1f';
    name += key;
    return name;
}

bool RecordStore::put_if_held(const Lease& lease, RecordKind kind, std::string_view key,
                              std::string_view value,
                              std::optional<std::chrono::milliseconds> ttl) {
    validate_store_key(key);
    if (ttl) {
        store_detail::positive_ms(*ttl, backend(), "record ttl");
    }
    auto backend = lease_backend();
    if (!backend) {
        store_detail::fail(errc::invalid_argument, this->backend(), "this store has no leases");
    }
    return lease.put_if_held(*backend, kind, std::string{key}, value, ttl);
}

std::unique_ptr<Lease> RecordStore::try_acquire(std::string_view name,
                                                std::chrono::milliseconds ttl) {
    validate_store_key(name, "lease name");
    store_detail::positive_ms(ttl, backend(), "lease ttl");
    auto backend = lease_backend();
    std::string holder = random_token(18);
    std::string lease_name{name};
    if (!backend->acquire(lease_name, holder, ttl)) {
        return nullptr;
    }
    return std::make_unique<Lease>(std::move(backend), std::move(lease_name), std::move(holder));
}

} // namespace authflow
