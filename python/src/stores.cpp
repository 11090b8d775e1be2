// Token stores: the C++ backends, the factory, and a C++ store that forwards to a token store
// written in Python (the original's TokenStore subclasses).

#include "common.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/store/factory.hpp>
#include <authflow/store/keyring_token_store.hpp>
#include <authflow/store/memory_token_store.hpp>
#include <authflow/store/redis_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>
#include <authflow/store/token_store.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace authflow::python {
namespace {

using release = py::call_guard<py::gil_scoped_release>;

std::optional<StoreKey> key_of(const std::optional<std::string>& base64) {
    if (!base64 || base64->empty()) {
        return std::nullopt;
    }
    return StoreKey::from_base64(*base64);
}

/// Leases of one process, for stores written in Python (which know nothing of leases).
class ProcessLeases final : public detail::LeaseBackend {
public:
    using PutFunction = std::function<void(RecordKind, const std::string&, std::string_view)>;
    explicit ProcessLeases(PutFunction put) : put_(std::move(put)) {}

    bool acquire(const std::string& name, const std::string& holder,
                 std::chrono::milliseconds ttl) override {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        auto found = leases_.find(name);
        if (found != leases_.end() && found->second.second > now) {
            return false;
        }
        leases_[name] = {holder, now + ttl};
        return true;
    }
    bool renew(const std::string& name, const std::string& holder,
               std::chrono::milliseconds ttl) override {
        std::lock_guard lock(mutex_);
        if (!held(name, holder)) {
            return false;
        }
        leases_[name].second = std::chrono::steady_clock::now() + ttl;
        return true;
    }
    bool release(const std::string& name, const std::string& holder) override {
        std::lock_guard lock(mutex_);
        if (!held(name, holder)) {
            return false;
        }
        leases_.erase(name);
        return true;
    }
    bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                     const std::string& key, std::string_view value,
                     std::optional<std::chrono::milliseconds>) override {
        std::unique_lock lock(mutex_);
        if (!held(name, holder)) {
            return false;
        }
        // The write happens under the lease lock: no other holder can take the lease meanwhile.
        put_(kind, key, value);
        return true;
    }
    std::string_view backend_name() const noexcept override { return "python"; }

private:
    bool held(const std::string& name, const std::string& holder) const {
        auto found = leases_.find(name);
        return found != leases_.end() && found->second.first == holder &&
               found->second.second > std::chrono::steady_clock::now();
    }

    PutFunction put_;
    std::mutex mutex_;
    std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> leases_;
};

/// A TokenStore whose token sets live in a Python object with the original's interface
/// (save, load, delete, exists, list_keys; see authflow.stores._StoreAdapter, which also runs
/// coroutine methods). Documents are kept in this process. The GIL is taken only around the
/// Python calls. Safe to use from several threads when the Python object is.
class PythonTokenStore final : public TokenStore {
public:
    explicit PythonTokenStore(py::object adapter)
        : TokenStore("python"), adapter_(gil_safe(std::move(adapter))),
          leases_(std::make_shared<ProcessLeases>(
              [this](RecordKind kind, const std::string& key, std::string_view value) {
                  do_put(kind, key, value, std::nullopt);
              })) {}

    std::string_view backend() const noexcept override { return "python"; }

protected:
    void do_put(RecordKind kind, const std::string& key, std::string_view value,
                std::optional<std::chrono::milliseconds>) override {
        if (kind != RecordKind::token_set) {
            std::lock_guard lock(mutex_);
            documents_[key] = std::string(value);
            return;
        }
        auto tokens = OAuthTokenSet::from_json_string(value);
        call("save", key, tokens);
    }
    std::optional<std::string> do_get(RecordKind kind, const std::string& key) override {
        if (kind != RecordKind::token_set) {
            std::lock_guard lock(mutex_);
            auto found = documents_.find(key);
            return found == documents_.end() ? std::nullopt
                                             : std::optional<std::string>(found->second);
        }
        py::gil_scoped_acquire gil;
        py::object result = invoke("load", key);
        if (result.is_none()) {
            return std::nullopt;
        }
        return result.cast<OAuthTokenSet>().to_json_string();
    }
    bool do_erase(RecordKind kind, const std::string& key) override {
        if (kind != RecordKind::token_set) {
            std::lock_guard lock(mutex_);
            return documents_.erase(key) > 0;
        }
        py::gil_scoped_acquire gil;
        const bool existed = invoke("exists", key).cast<bool>();
        invoke("delete", key);
        return existed;
    }
    bool do_contains(RecordKind kind, const std::string& key) override {
        if (kind != RecordKind::token_set) {
            std::lock_guard lock(mutex_);
            return documents_.count(key) > 0;
        }
        py::gil_scoped_acquire gil;
        return invoke("exists", key).cast<bool>();
    }
    std::vector<std::string> do_keys(RecordKind kind) override {
        if (kind != RecordKind::token_set) {
            std::lock_guard lock(mutex_);
            std::vector<std::string> keys;
            for (const auto& [key, value] : documents_) {
                keys.push_back(key);
            }
            return keys;
        }
        py::gil_scoped_acquire gil;
        auto keys = invoke("list_keys").cast<std::vector<std::string>>();
        std::sort(keys.begin(), keys.end());
        return keys;
    }
    std::shared_ptr<detail::LeaseBackend> lease_backend() override { return leases_; }

private:
    template <typename... Args> void call(const char* method, Args&&... args) {
        py::gil_scoped_acquire gil;
        invoke(method, std::forward<Args>(args)...);
    }
    /// Calls the adapter with the GIL held; a Python exception becomes a StoreError.
    template <typename... Args> py::object invoke(const char* method, Args&&... args) {
        try {
            return adapter_->attr(method)(std::forward<Args>(args)...);
        } catch (py::error_already_set& error) {
            const std::string type = py::str(error.type().attr("__name__")).cast<std::string>();
            error.discard_as_unraisable(adapter_->attr(method));
            throw StoreError(errc::store_failed,
                             "the Python token store's " + std::string(method) + " raised " + type);
        }
    }

    std::shared_ptr<py::object> adapter_;
    std::shared_ptr<ProcessLeases> leases_;
    std::mutex mutex_;
    std::map<std::string, std::string> documents_;
};

} // namespace

void init_stores(py::module_& m) {
    py::class_<TokenStore, std::shared_ptr<TokenStore>>(
        m, "NativeTokenStore",
        "A token store of the C++ library. Safe to use from several threads.")
        .def_property_readonly("backend",
                               [](const TokenStore& s) { return std::string(s.backend()); })
        .def_property_readonly("encrypts", &TokenStore::encrypts)
        .def(
            "save_sync",
            [](TokenStore& s, const std::string& key, const OAuthTokenSet& tokens) {
                s.save(key, tokens);
            },
            py::arg("key"), py::arg("tokens"), release(), "Stores tokens under key (overwrites).")
        .def(
            "load_sync", [](TokenStore& s, const std::string& key) { return s.load(key); },
            py::arg("key"), release(), "The tokens under key, or None.")
        .def(
            "delete_sync", [](TokenStore& s, const std::string& key) { return s.remove(key); },
            py::arg("key"), release(), "Removes the tokens under key; False when there were none.")
        .def(
            "exists_sync", [](TokenStore& s, const std::string& key) { return s.exists(key); },
            py::arg("key"), release())
        .def(
            "list_keys_sync", [](TokenStore& s) { return s.list_keys(); }, release(),
            "Every key with stored tokens, sorted.")
        .def(
            "save_document_sync",
            [](TokenStore& s, const std::string& key, py::handle document) {
                auto json = from_py(document);
                py::gil_scoped_release released;
                s.save_document(key, json);
            },
            py::arg("key"), py::arg("document"))
        .def(
            "load_document_sync",
            [](TokenStore& s, const std::string& key) -> py::object {
                std::optional<nlohmann::json> document;
                {
                    py::gil_scoped_release released;
                    document = s.load_document(key);
                }
                return document ? to_py(*document) : py::none();
            },
            py::arg("key"));

    py::class_<MemoryTokenStore, TokenStore, std::shared_ptr<MemoryTokenStore>>(
        m, "MemoryTokenStore", "Tokens in this process only. Safe to use from several threads.")
        .def(py::init([] { return std::make_shared<MemoryTokenStore>(); }));

#if AUTHFLOW_WITH_SQLITE
    py::class_<SqliteTokenStore, TokenStore, std::shared_ptr<SqliteTokenStore>>(
        m, "SqliteTokenStore",
        "Tokens in an SQLite file (0600), safe for several processes; encrypted with a store key "
        "when given. Safe to use from several threads.")
        .def(py::init([](const std::string& path, const std::optional<std::string>& store_key) {
                 SqliteTokenStoreOptions options;
                 options.path = path;
                 options.key = key_of(store_key);
                 py::gil_scoped_release released;
                 return std::make_shared<SqliteTokenStore>(std::move(options));
             }),
             py::arg("path") = "", py::kw_only(), py::arg("store_key") = py::none())
        .def_property_readonly("path", [](const SqliteTokenStore& s) { return s.path().string(); });
#endif
#if AUTHFLOW_WITH_REDIS
    py::class_<RedisTokenStore, TokenStore, std::shared_ptr<RedisTokenStore>>(
        m, "RedisTokenStore",
        "Tokens in Redis, shared by every worker; encrypted (a store key is required unless "
        "insecure_plaintext_store). Safe to use from several threads.")
        .def(py::init([](const std::string& redis_url, const std::string& prefix, int pool_size,
                         const std::optional<std::string>& store_key,
                         bool insecure_plaintext_store) {
                 RedisTokenStoreOptions options;
                 options.url = redis_url;
                 options.prefix = prefix;
                 options.pool_size = static_cast<std::size_t>(pool_size < 1 ? 0 : pool_size);
                 options.key = key_of(store_key);
                 options.insecure_plaintext_store = insecure_plaintext_store;
                 return std::make_shared<RedisTokenStore>(std::move(options));
             }),
             py::arg("redis_url") = "redis://127.0.0.1:6379/0", py::arg("prefix") = "authflow",
             py::arg("pool_size") = 4, py::kw_only(), py::arg("store_key") = py::none(),
             py::arg("insecure_plaintext_store") = false)
        .def("ping_sync", &RedisTokenStore::ping, release());
#endif
#if AUTHFLOW_WITH_KEYRING
    py::class_<KeyringTokenStore, TokenStore, std::shared_ptr<KeyringTokenStore>>(
        m, "KeyringTokenStore",
        "Tokens in the desktop keyring (Secret Service). Safe to use from several threads.")
        .def(py::init([](const std::string& service_name, const std::optional<std::string>& key) {
                 KeyringTokenStoreOptions options;
                 options.service = service_name;
                 options.key = key_of(key);
                 py::gil_scoped_release released;
                 return std::make_shared<KeyringTokenStore>(std::move(options));
             }),
             py::arg("service_name") = "authflow", py::kw_only(),
             py::arg("store_key") = py::none());
#endif
    m.def("secret_service_available", &secret_service_available, release());

    py::class_<PythonTokenStore, TokenStore, std::shared_ptr<PythonTokenStore>>(m,
                                                                                "_PythonTokenStore")
        .def(py::init([](py::object adapter) {
            return std::make_shared<PythonTokenStore>(std::move(adapter));
        }));

    m.def(
        "_get_token_store",
        [](const std::string& backend, const std::map<std::string, py::object>& kwargs,
           bool shared) {
            TokenStoreOptions options;
            for (const auto& [name, value] : kwargs) {
                if (name == "path") {
                    options.sqlite.path = value.cast<std::string>();
                } else if (name == "redis_url") {
                    options.redis.url = value.cast<std::string>();
                } else if (name == "prefix") {
                    options.redis.prefix = value.cast<std::string>();
                } else if (name == "pool_size") {
                    options.redis.pool_size = value.cast<std::size_t>();
                } else if (name == "service_name") {
                    options.keyring.service = value.cast<std::string>();
                } else if (name == "insecure_plaintext_store") {
                    options.redis.insecure_plaintext_store = value.cast<bool>();
                } else if (name == "store_key") {
                    auto key = key_of(value.cast<std::optional<std::string>>());
                    options.redis.key = key;
                    options.sqlite.key = key;
                    options.keyring.key = key;
                } else {
                    throw ConfigError(errc::config_invalid,
                                      "get_token_store: unknown option '" + name + "'");
                }
            }
            py::gil_scoped_release released;
            return shared ? get_token_store(backend, options) : make_token_store(backend, options);
        },
        py::arg("backend"), py::arg("kwargs"), py::arg("shared") = true);
    m.def("reset_token_store", &reset_token_store, release(),
          "Forgets every cached store (stores still in use live on).");
    m.def("available_token_store_backends", &available_token_store_backends);
    m.def(
        "generate_store_key", [] { return StoreKey::generate().to_base64(); },
        "A new random store key, base64 (keep it secret).");
}

} // namespace authflow::python
