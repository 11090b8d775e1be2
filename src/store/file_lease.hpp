#pragma once
// Leases kept in lock files: for stores without an atomic create (the Secret Service).

#include <authflow/core/clock.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace authflow::store_detail {

/// $XDG_RUNTIME_DIR/authflow when XDG_RUNTIME_DIR is set, else /tmp/authflow-<uid>.
std::filesystem::path default_lock_dir();

/// A lease is a line `<holder> <expiry in Unix ms>` in `<dir>/<name>-<hash>.lock`, read and
/// written only under flock(LOCK_EX) on that file; the flock is held for a moment, the lease for
/// its TTL. Processes of one user on one machine serialise; a holder that dies blocks others at
/// most one TTL. A fenced save (put_if_held) runs the store's record writer while the flock is
/// held, after checking the holder, so no other holder can take the lease in between. Safe to
/// use from several threads.
class FileLeaseBackend final : public detail::LeaseBackend {
public:
    /// Writes a record of the store (put_if_held runs it under the lock). It must not use the
    /// store's leases, and must stay valid for as long as the backend lives (it may outlive the
    /// store): capture values, not the store.
    using RecordWriter =
        std::function<void(RecordKind kind, const std::string& key, std::string_view value,
                           std::optional<std::chrono::milliseconds> ttl)>;

    /// `scope` separates lease names of different stores (e.g. the keyring service). Without
    /// `writer`, put_if_held throws StoreError (internal).
    FileLeaseBackend(std::filesystem::path dir, std::string scope,
                     std::shared_ptr<const Clock> clock, std::string backend_name,
                     RecordWriter writer = {});

    bool acquire(const std::string& name, const std::string& holder,
                 std::chrono::milliseconds ttl) override;
    bool renew(const std::string& name, const std::string& holder,
               std::chrono::milliseconds ttl) override;
    bool release(const std::string& name, const std::string& holder) override;
    bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                     const std::string& key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl) override;
    std::string_view backend_name() const noexcept override { return backend_name_; }

    /// The lock file of a lease name.
    std::filesystem::path lock_file(const std::string& name) const;

private:
    void ensure_dir();

    std::filesystem::path dir_;
    std::string scope_;
    std::shared_ptr<const Clock> clock_;
    std::string backend_name_;
    RecordWriter writer_;
    std::once_flag dir_ready_;
};

} // namespace authflow::store_detail
