#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/pending_login.hpp>

namespace authflow {
namespace {

constexpr std::chrono::seconds max_pending_ttl{3600};

} // namespace

bool PendingLogin::is_bound_to(std::string_view pre_login_cookie) const {
    if (browser_binding.empty() || pre_login_cookie.empty()) {
        return false;
    }
    return constant_time_equal(browser_binding, browser_binding_hash(pre_login_cookie));
}

std::string browser_binding_hash(std::string_view pre_login_cookie) {
    return to_hex(sha256(pre_login_cookie));
}

std::string pending_login_key(std::string_view state) {
    return to_hex(sha256(state));
}

MemoryPendingLoginStore::MemoryPendingLoginStore(PendingLoginLimits limits,
                                                 std::shared_ptr<Clock> clock)
    : limits_(limits), clock_(clock_or_system(std::move(clock))) {
    if (limits_.capacity == 0) {
        throw Error(errc::invalid_argument, "pending login store capacity must be positive");
    }
}

MemoryPendingLoginStore::MemoryPendingLoginStore(std::size_t capacity, std::shared_ptr<Clock> clock)
    : MemoryPendingLoginStore(PendingLoginLimits{capacity, PendingLoginLimits{}.per_client},
                              std::move(clock)) {}

MemoryPendingLoginStore::Entry MemoryPendingLoginStore::erase(const std::string& key) {
    auto it = entries_.find(key);
    Entry entry = std::move(it->second);
    entries_.erase(it);
    expiries_.erase(entry.expiry);
    if (!entry.record.client.empty()) {
        auto client = clients_.find(entry.record.client);
        client->second.erase(entry.client_expiry);
        if (client->second.empty()) {
            clients_.erase(client);
        }
    }
    return entry;
}

void MemoryPendingLoginStore::prune(Clock::steady_time now) {
    while (!expiries_.empty() && expiries_.begin()->first <= now) {
        erase(std::string{expiries_.begin()->second});
    }
}

void MemoryPendingLoginStore::put(std::string_view state, const PendingLogin& record,
                                  std::chrono::seconds ttl) {
    if (state.empty()) {
        throw Error(errc::invalid_argument, "pending login without a state");
    }
    if (ttl.count() <= 0 || ttl > max_pending_ttl) {
        throw Error(errc::invalid_argument, "pending login ttl must be from 1 s to 1 h");
    }
    std::string key = pending_login_key(state);
    PendingLogin stored = record;
    stored.state.clear(); // keyed by the hash; the raw state is not kept
    const auto now = clock_->steady_now();

    std::lock_guard lock{mutex_};
    prune(now);
    if (entries_.contains(key)) {
        throw Error(errc::invalid_argument, "a login with this state is already pending");
    }
    // Make room without refusing: the client's own oldest first, then the oldest of all.
    if (limits_.per_client > 0 && !stored.client.empty()) {
        auto client = clients_.find(stored.client);
        while (client != clients_.end() && client->second.size() >= limits_.per_client) {
            erase(std::string{client->second.begin()->second});
            client = clients_.find(stored.client);
        }
    }
    while (entries_.size() >= limits_.capacity) {
        erase(std::string{expiries_.begin()->second});
    }

    const auto deadline = now + ttl;
    const std::string client = stored.client;
    auto expiry = expiries_.emplace(deadline, key);
    try {
        Expiries::iterator client_expiry{};
        if (!client.empty()) {
            auto& index = clients_[client];
            try {
                client_expiry = index.emplace(deadline, key);
            } catch (...) {
                if (index.empty()) {
                    clients_.erase(client);
                }
                throw;
            }
        }
        try {
            entries_.emplace(std::move(key),
                             Entry{std::move(stored), deadline, expiry, client_expiry});
        } catch (...) {
            if (!client.empty()) {
                auto index = clients_.find(client);
                index->second.erase(client_expiry);
                if (index->second.empty()) {
                    clients_.erase(index);
                }
            }
            throw;
        }
    } catch (...) {
        expiries_.erase(expiry);
        throw;
    }
}

std::optional<PendingLogin> MemoryPendingLoginStore::take(std::string_view state) {
    if (state.empty()) {
        return std::nullopt;
    }
    const std::string key = pending_login_key(state);
    const auto now = clock_->steady_now();
    std::lock_guard lock{mutex_};
    if (!entries_.contains(key)) {
        return std::nullopt;
    }
    Entry entry = erase(key);
    if (entry.deadline <= now) {
        return std::nullopt;
    }
    entry.record.state = std::string{state};
    return std::move(entry.record);
}

std::size_t MemoryPendingLoginStore::size() const {
    std::lock_guard lock{mutex_};
    return entries_.size();
}

std::vector<std::string> MemoryPendingLoginStore::stored_keys() const {
    std::lock_guard lock{mutex_};
    std::vector<std::string> keys;
    keys.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) {
        keys.push_back(key);
    }
    return keys;
}

} // namespace authflow
