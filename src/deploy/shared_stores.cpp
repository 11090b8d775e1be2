// Shared deploy stores: the record codec, the default SQLite path and make_deploy_stores.
#include "shared_store_codec.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/shared_stores.hpp>
#include <authflow/store/memory_token_store.hpp>
#include <authflow/store/redis_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <nlohmann/json.hpp>

namespace authflow {
namespace deploy_detail {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_record_size = 1024 * 1024;

[[noreturn]] void corrupt(const std::string& backend, std::string_view what) {
    throw StoreError(errc::store_corrupt, backend + " store: " + std::string{what});
}

} // namespace

std::int64_t to_ms(Clock::wall_time time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

Clock::wall_time from_ms(std::int64_t ms) {
    return Clock::wall_time{
        std::chrono::duration_cast<Clock::wall_time::duration>(std::chrono::milliseconds{ms})};
}

void check_new_session(const UserSession& session, Clock::wall_time now) {
    if (session.session_id.empty() || session.user_id.empty()) {
        throw Error(errc::invalid_argument, "a session needs a session id and a user id");
    }
    if (session.expires_at <= now) {
        throw Error(errc::invalid_argument, "a session must expire in the future");
    }
}

std::string user_hash(std::string_view user_id) {
    return to_hex(sha256(user_id));
}

std::string sid_hash(std::string_view sid) {
    return to_hex(sha256("sid:" + std::string{sid}));
}

std::string client_hash(std::string_view client) {
    return to_hex(sha256("client:" + std::string{client}));
}

SharedRecordCodec::SharedRecordCodec(std::string backend, std::optional<StoreKey> key,
                                     RecordEncoding encoding)
    : backend_(std::move(backend)), encoding_(encoding) {
    if (key) {
        cipher_.emplace(std::move(*key));
    }
}

std::string SharedRecordCodec::seal(std::string_view name, const std::string& json_text) const {
    return cipher_ ? cipher_->encrypt(name, json_text, encoding_) : json_text;
}

std::string SharedRecordCodec::open(std::string_view name, std::string_view text) const {
    if (text.size() > max_record_size) {
        corrupt(backend_, "a record is larger than 1 MiB");
    }
    if (cipher_) {
        if (!RecordCipher::is_encrypted(text)) {
            throw StoreError(errc::decrypt_failed,
                             backend_ + " store: a record is not encrypted although a store key "
                                        "is configured");
        }
        return cipher_->decrypt(name, text);
    }
    if (RecordCipher::is_encrypted(text)) {
        throw StoreError(errc::decrypt_failed,
                         backend_ + " store: a record is encrypted and no store key is configured");
    }
    return std::string{text};
}

std::string SharedRecordCodec::encode_session(std::string_view name,
                                              const UserSession& session) const {
    json record = {{"u", session.user_id},
                   {"r", session.roles},
                   {"c", to_ms(session.created_at)},
                   {"e", to_ms(session.expires_at)},
                   {"m", session.metadata}};
    if (!session.sid.empty()) {
        record["s"] = session.sid;
    }
    return seal(name, record.dump(-1, ' ', false, json::error_handler_t::replace));
}

UserSession SharedRecordCodec::decode_session(std::string_view name, std::string_view text) const {
    const std::string plain = open(name, text);
    json record = json::parse(plain, nullptr, false);
    try {
        if (!record.is_object()) {
            corrupt(backend_, "a session record is not valid");
        }
        UserSession session;
        session.user_id = record.at("u").get<std::string>();
        session.sid = record.value("s", std::string{});
        session.roles = record.at("r").get<std::vector<std::string>>();
        session.created_at = from_ms(record.at("c").get<std::int64_t>());
        session.expires_at = from_ms(record.at("e").get<std::int64_t>());
        session.metadata = record.value("m", json::object());
        return session;
    } catch (const json::exception&) {
        corrupt(backend_, "a session record is not valid");
    }
}

std::string SharedRecordCodec::encode_pending(std::string_view name, const PendingLogin& record,
                                              Clock::wall_time deadline) const {
    json value = {{"n", record.nonce},           {"v", record.pkce_verifier},
                  {"ru", record.redirect_uri},   {"nx", record.next},
                  {"b", record.browser_binding}, {"c", to_ms(record.created_at)},
                  {"d", to_ms(deadline)}};
    if (!record.dpop_key.empty()) {
        value["k"] = record.dpop_key;
    }
    if (!record.client.empty()) {
        value["cl"] = record.client;
    }
    return seal(name, value.dump(-1, ' ', false, json::error_handler_t::replace));
}

PendingLogin SharedRecordCodec::decode_pending(std::string_view name, std::string_view text,
                                               Clock::wall_time& deadline) const {
    const std::string plain = open(name, text);
    json value = json::parse(plain, nullptr, false);
    try {
        if (!value.is_object()) {
            corrupt(backend_, "a pending login record is not valid");
        }
        PendingLogin record;
        record.nonce = value.at("n").get<std::string>();
        record.pkce_verifier = value.at("v").get<std::string>();
        record.dpop_key = value.value("k", std::string{});
        record.redirect_uri = value.at("ru").get<std::string>();
        record.next = value.at("nx").get<std::string>();
        record.browser_binding = value.at("b").get<std::string>();
        record.client = value.value("cl", std::string{});
        record.created_at = from_ms(value.at("c").get<std::int64_t>());
        deadline = from_ms(value.at("d").get<std::int64_t>());
        return record;
    } catch (const json::exception&) {
        corrupt(backend_, "a pending login record is not valid");
    }
}

} // namespace deploy_detail

namespace {

std::filesystem::path state_home() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/') {
        return state;
    }
    // The token store's default knows how to find the home directory.
    return default_sqlite_token_store_path().parent_path().parent_path();
}

} // namespace

std::filesystem::path default_deploy_sqlite_path() {
    return state_home() / "authflow" / "deploy.db";
}

AuthRouteStores make_deploy_stores(const DeploySettings& settings,
                                   const DeployStoreOptions& options,
                                   std::shared_ptr<Clock> clock) {
    const std::string& backend = settings.state_backend;
    const auto ttl = std::chrono::seconds{settings.session_ttl};
    clock = clock_or_system(std::move(clock));
    const RateLimitOptions rate_limit = login_rate_limit_options(settings, options.rate_limit);
    AuthRouteStores stores;
    if (backend == "memory") {
        stores.sessions = std::make_shared<MemorySessionStore>(1000000, clock);
        stores.pending_logins = std::make_shared<MemoryPendingLoginStore>(50000, clock);
        stores.rate_limiter = std::make_shared<MemoryLoginRateLimiter>(rate_limit, clock);
        stores.logout_replays = std::make_shared<MemoryReplayStore>(100000, clock);
        MemoryTokenStoreOptions token_options;
        token_options.clock = clock;
        token_options.record_ttl = ttl;
        token_options.max_records = 1000000; // one token set per session, as many as sessions
        stores.tokens = std::make_shared<MemoryTokenStore>(std::move(token_options));
        return stores;
    }
    if (backend != "sqlite" && backend != "redis") {
        throw ConfigError(errc::config_invalid, "state_backend must be memory, sqlite or redis");
    }
    std::optional<StoreKey> key =
        options.key ? options.key : load_store_key(settings.store_key_file);
    if (backend == "sqlite") {
#if AUTHFLOW_WITH_SQLITE
        SqliteDeployStoreOptions sqlite;
        sqlite.path =
            options.sqlite_path.empty() ? default_deploy_sqlite_path() : options.sqlite_path;
        sqlite.key = key;
        stores.sessions = std::make_shared<SqliteSessionStore>(sqlite, clock);
        stores.pending_logins = std::make_shared<SqlitePendingLoginStore>(sqlite, clock);
        stores.rate_limiter = std::make_shared<SqliteLoginRateLimiter>(sqlite, rate_limit, clock);
        stores.logout_replays = std::make_shared<SqliteReplayStore>(sqlite, clock);
        SqliteTokenStoreOptions token_options;
        token_options.path = sqlite.path;
        token_options.key = key;
        token_options.record_ttl = ttl;
        token_options.clock = clock;
        stores.tokens = std::make_shared<SqliteTokenStore>(std::move(token_options));
        return stores;
#else
        throw ConfigError(errc::config_invalid,
                          "state_backend sqlite: this build of authflow has no SQLite support");
#endif
    }
#if AUTHFLOW_WITH_REDIS
    if (!key && !settings.insecure_plaintext_store) {
        throw ConfigError(errc::config_missing,
                          "state_backend redis: sessions and tokens in Redis are always "
                          "encrypted, and no store key is configured. Set AUTHFLOW_STORE_KEY "
                          "(base64 of 32 random bytes: `openssl rand -base64 32`) or "
                          "store_key_file");
    }
    RedisDeployStoreOptions redis;
    redis.url = settings.redis_url;
    redis.prefix = settings.redis_prefix;
    redis.pool_size = options.redis_pool_size;
    redis.key = key;
    redis.insecure_plaintext_store = settings.insecure_plaintext_store;
    redis.connect_timeout = options.redis_timeout;
    redis.command_timeout = options.redis_timeout;
    stores.sessions = std::make_shared<RedisSessionStore>(redis, clock);
    stores.pending_logins = std::make_shared<RedisPendingLoginStore>(redis, clock);
    stores.rate_limiter = std::make_shared<RedisLoginRateLimiter>(redis, rate_limit);
    stores.logout_replays = std::make_shared<RedisReplayStore>(redis);
    RedisTokenStoreOptions token_options;
    token_options.url = settings.redis_url;
    token_options.prefix = settings.redis_prefix;
    token_options.pool_size = options.redis_pool_size;
    token_options.key = key;
    token_options.insecure_plaintext_store = settings.insecure_plaintext_store;
    token_options.record_ttl = ttl;
    token_options.connect_timeout = options.redis_timeout;
    token_options.command_timeout = options.redis_timeout;
    stores.tokens = std::make_shared<RedisTokenStore>(std::move(token_options));
    return stores;
#else
    throw ConfigError(errc::config_invalid,
                      "state_backend redis: this build of authflow has no Redis support");
#endif
}

} // namespace authflow
