// Deploy stores in Redis: sessions, pending logins and login rate limits shared by every worker.
#include <authflow/config.hpp>

#if AUTHFLOW_WITH_REDIS

#include "../store/internal/redis_connection.hpp"
#include "shared_store_codec.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/shared_stores.hpp>

#include <algorithm>

namespace authflow {
namespace {

using deploy_detail::to_ms;
using store_detail::RedisConnectionPool;
using store_detail::RedisReply;
using store_detail::reply_text;

constexpr std::string_view redis_backend = "redis";

// Creates a session only when its key is free, adds it to its user's set (and its sid's set,
// KEYS[3] when given) and makes each set live at least as long as the session. A set that has
// grown past ARGV[5] members loses those whose session has ended (ARGV[4]: the session key
// prefix), so a user who signs in often does not grow it without bound.
constexpr std::string_view create_script =
    "if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end "
    "for i = 2, #KEYS do "
    "redis.call('SADD', KEYS[i], ARGV[3]) "
    "if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then "
    "redis.call('PEXPIRE', KEYS[i], ARGV[2]) end "
    "if redis.call('SCARD', KEYS[i]) > tonumber(ARGV[5]) then "
    "for _, m in ipairs(redis.call('SMEMBERS', KEYS[i])) do "
    "if redis.call('EXISTS', ARGV[4] .. m) == 0 then redis.call('SREM', KEYS[i], m) end "
    "end end end "
    "return 1";
// Replaces a session's record only while it exists; extends its user's (and sid's) set likewise.
constexpr std::string_view touch_script =
    "if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX') then return 0 end "
    "for i = 2, #KEYS do "
    "if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then "
    "redis.call('PEXPIRE', KEYS[i], ARGV[2]) end end "
    "return 1";
/// Members a user's or sid's session set may reach before ended sessions are pruned from it.
constexpr std::string_view index_prune_threshold = "32";
// One attempt: INCR, PEXPIRE when it opened the window (or the key lost its TTL), PTTL.
constexpr std::string_view rate_script =
    "local n = redis.call('INCR', KEYS[1]) "
    "local t = redis.call('PTTL', KEYS[1]) "
    "if n == 1 or t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) t = tonumber(ARGV[1]) end "
    "return {n, t}";

// Stores a pending login only when its key is free, within the bounds: KEYS[1] the record,
// KEYS[2] every pending login by deadline (members "<key>|<client hash>"), KEYS[3] (when the
// login has a client) the client's pending logins by deadline (members "<key>"). Expired
// members go first, then the client's own oldest beyond ARGV[6] - 1, then the oldest of all
// beyond ARGV[5] - 1. ARGV: record, ttl ms, now ms, deadline ms, capacity, per-client cap,
// record key prefix, key, client set prefix, client hash. Sets live as long as their newest.
constexpr std::string_view pending_put_script =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end "
    "local function drop(m) "
    "local sep = string.find(m, '|', 1, true) "
    "local key = string.sub(m, 1, sep - 1) "
    "local client = string.sub(m, sep + 1) "
    "redis.call('DEL', ARGV[7] .. key) "
    "redis.call('ZREM', KEYS[2], m) "
    "if client ~= '' then redis.call('ZREM', ARGV[9] .. client, key) end "
    "end "
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3]) "
    "if #KEYS == 3 then "
    "redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3]) "
    "local cap = tonumber(ARGV[6]) "
    "local n = redis.call('ZCARD', KEYS[3]) "
    "if cap > 0 and n >= cap then "
    "for _, k in ipairs(redis.call('ZRANGE', KEYS[3], 0, n - cap)) do "
    "drop(k .. '|' .. ARGV[10]) end end end "
    "local capacity = tonumber(ARGV[5]) "
    "local n = redis.call('ZCARD', KEYS[2]) "
    "if n >= capacity then "
    "for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, n - capacity)) do drop(m) end end "
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "for i = 2, #KEYS do "
    "if i == 2 then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[8] .. '|' .. ARGV[10]) "
    "else redis.call('ZADD', KEYS[3], ARGV[4], ARGV[8]) end "
    "if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then "
    "redis.call('PEXPIRE', KEYS[i], ARGV[2]) end end "
    "return 1";
// Forgets a taken login in the bound's sets: KEYS[1] all, KEYS[2] (optional) its client's.
constexpr std::string_view pending_forget_script =
    "redis.call('ZREM', KEYS[1], ARGV[1]) "
    "if #KEYS == 2 then redis.call('ZREM', KEYS[2], ARGV[2]) end "
    "return 1";

void check_prefix(const std::string& prefix) {
    if (prefix.empty() || prefix.size() > 128 ||
        prefix.find_first_of(" \t\r\n") != std::string::npos) {
        throw ConfigError(errc::config_invalid,
                          "redis deploy store: the prefix must be 1 to 128 characters without "
                          "spaces");
    }
}

std::optional<StoreKey> required_key(const RedisDeployStoreOptions& options) {
    if (!options.key && !options.insecure_plaintext_store) {
        throw ConfigError(errc::config_missing,
                          "redis deploy store: sessions in Redis are always encrypted, and no "
                          "store key is configured. Set AUTHFLOW_STORE_KEY (base64 of 32 random "
                          "bytes: `openssl rand -base64 32`) or store_key_file");
    }
    return options.key;
}

std::string milliseconds_text(std::int64_t ms) {
    return std::to_string(std::max<std::int64_t>(ms, 1));
}

} // namespace

// --- sessions ---

class RedisSessionStore::Impl {
public:
    Impl(const RedisDeployStoreOptions& options, std::shared_ptr<Clock> clock_ref)
        : pool(parse_redis_url(options.url), std::string{redis_backend}, options.pool_size,
               options.connect_timeout, options.command_timeout),
          codec(std::string{redis_backend}, required_key(options), RecordEncoding::binary),
          clock(std::move(clock_ref)), session_prefix(options.prefix + ":session:"),
          user_prefix(options.prefix + ":user_sessions:"),
          sid_prefix(options.prefix + ":sid_sessions:") {
        check_prefix(options.prefix);
        if (!codec.is_encrypting()) {
            log(LogLevel::warning, "redis session store: insecure_plaintext_store is on: "
                                   "sessions are stored in Redis WITHOUT encryption");
        }
    }

    /// The session filed under `key`, when there is one and it has not expired.
    std::optional<UserSession> load(const std::string& key) {
        const std::string redis_key = session_prefix + key;
        RedisReply reply = pool.command({"GET", redis_key}, "reading a session");
        if (reply->type == REDIS_REPLY_NIL) {
            return std::nullopt;
        }
        if (reply->type != REDIS_REPLY_STRING) {
            pool.unexpected("reading a session");
        }
        UserSession session = codec.decode_session(redis_key, reply_text(*reply));
        if (session.expires_at <= clock->now()) {
            return std::nullopt;
        }
        session.session_key = key;
        return session;
    }

    RedisConnectionPool pool;
    deploy_detail::SharedRecordCodec codec;
    std::shared_ptr<Clock> clock;
    /// The keys of the sessions in one index set that are still live (and pass `keep`); the
    /// members whose session has ended are removed from the set.
    template <typename Keep>
    std::vector<UserSession> list_index(const std::string& set_key, Keep keep) {
        RedisReply members = pool.command({"SMEMBERS", set_key}, "listing sessions");
        if (members->type != REDIS_REPLY_ARRAY) {
            pool.unexpected("listing sessions");
        }
        std::vector<UserSession> sessions;
        std::vector<std::string> gone;
        for (std::size_t i = 0; i < members->elements; ++i) {
            const redisReply* item = members->element[i];
            if (item->type != REDIS_REPLY_STRING) {
                continue;
            }
            std::string key{reply_text(*item)};
            auto session = load(key);
            if (!session) {
                gone.push_back(std::move(key));
            } else if (keep(*session)) {
                sessions.push_back(std::move(*session));
            }
        }
        if (!gone.empty()) {
            std::vector<std::string_view> args{"SREM", set_key};
            args.insert(args.end(), gone.begin(), gone.end());
            pool.command(args, "listing sessions");
        }
        return sessions;
    }

    std::string session_prefix;
    std::string user_prefix;
    std::string sid_prefix;
};

RedisSessionStore::RedisSessionStore(RedisDeployStoreOptions options, std::shared_ptr<Clock> clock)
    : impl_(std::make_unique<Impl>(options, clock_or_system(std::move(clock)))) {}

RedisSessionStore::~RedisSessionStore() = default;

void RedisSessionStore::create(const UserSession& session) {
    const auto now = impl_->clock->now();
    deploy_detail::check_new_session(session, now);
    const std::string key = session_key(session.session_id);
    const std::string redis_key = impl_->session_prefix + key;
    const std::string user_key = impl_->user_prefix + deploy_detail::user_hash(session.user_id);
    const std::string record = impl_->codec.encode_session(redis_key, session);
    const std::string ttl = milliseconds_text(to_ms(session.expires_at) - to_ms(now));
    const std::string sid_key = session.sid.empty()
                                    ? std::string{}
                                    : impl_->sid_prefix + deploy_detail::sid_hash(session.sid);
    std::vector<std::string_view> args{"EVAL", create_script, sid_key.empty() ? "2" : "3",
                                       redis_key, user_key};
    if (!sid_key.empty()) {
        args.push_back(sid_key);
    }
    args.insert(args.end(), {record, ttl, key, impl_->session_prefix, index_prune_threshold});
    RedisReply reply = impl_->pool.command(args, "creating a session");
    if (impl_->pool.integer(reply, "creating a session") != 1) {
        throw Error(errc::invalid_argument, "session id already in use");
    }
}

std::optional<UserSession> RedisSessionStore::get(std::string_view session_id) {
    if (session_id.empty()) {
        return std::nullopt;
    }
    auto session = impl_->load(session_key(session_id));
    if (session) {
        session->session_id = std::string{session_id};
    }
    return session;
}

bool RedisSessionStore::touch(std::string_view session_id, std::chrono::seconds ttl) {
    if (session_id.empty() || ttl.count() <= 0) {
        return false;
    }
    const std::string key = session_key(session_id);
    auto session = impl_->load(key);
    if (!session) {
        return false;
    }
    const auto now = impl_->clock->now();
    session->expires_at = std::max(session->expires_at, now + ttl);
    const std::string redis_key = impl_->session_prefix + key;
    const std::string user_key = impl_->user_prefix + deploy_detail::user_hash(session->user_id);
    const std::string record = impl_->codec.encode_session(redis_key, *session);
    const std::string ms = milliseconds_text(to_ms(session->expires_at) - to_ms(now));
    const std::string sid_key = session->sid.empty()
                                    ? std::string{}
                                    : impl_->sid_prefix + deploy_detail::sid_hash(session->sid);
    std::vector<std::string_view> args{"EVAL", touch_script, sid_key.empty() ? "2" : "3", redis_key,
                                       user_key};
    if (!sid_key.empty()) {
        args.push_back(sid_key);
    }
    args.insert(args.end(), {record, ms});
    RedisReply reply = impl_->pool.command(args, "extending a session");
    return impl_->pool.integer(reply, "extending a session") == 1;
}

bool RedisSessionStore::remove(std::string_view session_id) {
    if (session_id.empty()) {
        return false;
    }
    return remove_by_key(session_key(session_id));
}

bool RedisSessionStore::remove_by_key(std::string_view key) {
    const std::string redis_key = impl_->session_prefix + std::string{key};
    RedisReply reply = impl_->pool.command({"GETDEL", redis_key}, "removing a session");
    if (reply->type == REDIS_REPLY_NIL) {
        return false;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        impl_->pool.unexpected("removing a session");
    }
    // The record names its user: drop the session from the user's set too. A record that does
    // not decode is gone all the same; its set entry is dropped when the set is next listed.
    UserSession session;
    try {
        session = impl_->codec.decode_session(redis_key, reply_text(*reply));
    } catch (const StoreError&) {
        return true;
    }
    const std::string user_key = impl_->user_prefix + deploy_detail::user_hash(session.user_id);
    impl_->pool.command({"SREM", user_key, key}, "removing a session");
    if (!session.sid.empty()) {
        const std::string sid_key = impl_->sid_prefix + deploy_detail::sid_hash(session.sid);
        impl_->pool.command({"SREM", sid_key, key}, "removing a session");
    }
    return session.expires_at > impl_->clock->now();
}

std::vector<UserSession> RedisSessionStore::list_user_sessions(std::string_view user_id) {
    return impl_->list_index(
        impl_->user_prefix + deploy_detail::user_hash(user_id),
        [&](const UserSession& session) { return session.user_id == user_id; });
}

std::vector<UserSession> RedisSessionStore::list_sid_sessions(std::string_view sid) {
    if (sid.empty()) {
        return {};
    }
    return impl_->list_index(impl_->sid_prefix + deploy_detail::sid_hash(sid),
                             [&](const UserSession& session) { return session.sid == sid; });
}

std::size_t RedisSessionStore::remove_user_sessions(std::string_view user_id) {
    std::size_t removed = 0;
    for (const auto& session : list_user_sessions(user_id)) {
        removed += remove_by_key(session.session_key) ? 1 : 0;
    }
    const std::string user_key = impl_->user_prefix + deploy_detail::user_hash(user_id);
    impl_->pool.command({"DEL", user_key}, "removing a user's sessions");
    return removed;
}

// --- pending logins ---

class RedisPendingLoginStore::Impl {
public:
    Impl(const RedisDeployStoreOptions& options, std::shared_ptr<Clock> clock_ref)
        : pool(parse_redis_url(options.url), std::string{redis_backend}, options.pool_size,
               options.connect_timeout, options.command_timeout),
          codec(std::string{redis_backend}, required_key(options), RecordEncoding::binary),
          clock(std::move(clock_ref)), prefix(options.prefix + ":pending:"),
          all_key(options.prefix + ":pending_all"),
          client_prefix(options.prefix + ":pending_client:"), limits(options.pending_limits) {
        check_prefix(options.prefix);
        if (limits.capacity == 0) {
            throw Error(errc::invalid_argument, "pending login store capacity must be positive");
        }
    }

    RedisConnectionPool pool;
    deploy_detail::SharedRecordCodec codec;
    std::shared_ptr<Clock> clock;
    std::string prefix;
    std::string all_key;
    std::string client_prefix;
    PendingLoginLimits limits;
};

RedisPendingLoginStore::RedisPendingLoginStore(RedisDeployStoreOptions options,
                                               std::shared_ptr<Clock> clock)
    : impl_(std::make_unique<Impl>(options, clock_or_system(std::move(clock)))) {}

RedisPendingLoginStore::~RedisPendingLoginStore() = default;

void RedisPendingLoginStore::put(std::string_view state, const PendingLogin& record,
                                 std::chrono::seconds ttl) {
    if (state.empty()) {
        throw Error(errc::invalid_argument, "pending login without a state");
    }
    if (ttl.count() <= 0 || ttl > std::chrono::hours{1}) {
        throw Error(errc::invalid_argument, "pending login ttl must be from 1 s to 1 h");
    }
    const std::string key = pending_login_key(state);
    const std::string redis_key = impl_->prefix + key;
    const std::string client =
        record.client.empty() ? std::string{} : deploy_detail::client_hash(record.client);
    const std::string client_key = client.empty() ? std::string{} : impl_->client_prefix + client;
    const auto now = impl_->clock->now();
    const std::string text = impl_->codec.encode_pending(redis_key, record, now + ttl);
    const std::string ms = std::to_string(ttl.count() * 1000);
    const std::string now_ms = std::to_string(to_ms(now));
    const std::string deadline_ms = std::to_string(to_ms(now + ttl));
    const std::string capacity = std::to_string(impl_->limits.capacity);
    const std::string per_client = std::to_string(impl_->limits.per_client);
    // Built whole and then narrowed (GCC 12 at -O3 misreads a vector grown piece by piece here
    // as an overflow): the client's key is the third key, left out for a login without one.
    std::vector<std::string_view> args{"EVAL",
                                       pending_put_script,
                                       "3",
                                       redis_key,
                                       impl_->all_key,
                                       client_key,
                                       text,
                                       ms,
                                       now_ms,
                                       deadline_ms,
                                       capacity,
                                       per_client,
                                       impl_->prefix,
                                       key,
                                       impl_->client_prefix,
                                       client};
    if (client.empty()) {
        args[2] = "2";
        args.erase(args.begin() + 5);
    }
    RedisReply reply = impl_->pool.command(args, "storing a pending login");
    if (impl_->pool.integer(reply, "storing a pending login") != 1) {
        throw Error(errc::invalid_argument, "a login with this state is already pending");
    }
}

std::optional<PendingLogin> RedisPendingLoginStore::take(std::string_view state) {
    if (state.empty()) {
        return std::nullopt;
    }
    const std::string key = pending_login_key(state);
    const std::string redis_key = impl_->prefix + key;
    RedisReply reply = impl_->pool.command({"GETDEL", redis_key}, "taking a pending login");
    if (reply->type == REDIS_REPLY_NIL) {
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        impl_->pool.unexpected("taking a pending login");
    }
    Clock::wall_time deadline{};
    PendingLogin record = impl_->codec.decode_pending(redis_key, reply_text(*reply), deadline);
    const std::string client =
        record.client.empty() ? std::string{} : deploy_detail::client_hash(record.client);
    const std::string client_key = client.empty() ? std::string{} : impl_->client_prefix + client;
    const std::string member = key + "|" + client;
    std::vector<std::string_view> args{"EVAL", pending_forget_script, client.empty() ? "1" : "2",
                                       impl_->all_key};
    if (!client.empty()) {
        args.push_back(client_key);
    }
    args.insert(args.end(), {member, key});
    impl_->pool.command(args, "forgetting a taken login");
    if (deadline <= impl_->clock->now()) {
        return std::nullopt;
    }
    record.state = std::string{state};
    return record;
}

// --- single-use identifiers ---

class RedisReplayStore::Impl {
public:
    explicit Impl(const RedisDeployStoreOptions& options)
        : pool(parse_redis_url(options.url), std::string{redis_backend}, options.pool_size,
               options.connect_timeout, options.command_timeout),
          prefix(options.prefix + ":logout_jti:") {
        check_prefix(options.prefix);
    }

    RedisConnectionPool pool;
    std::string prefix;
};

RedisReplayStore::RedisReplayStore(RedisDeployStoreOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

RedisReplayStore::~RedisReplayStore() = default;

bool RedisReplayStore::first_use(std::string_view id, std::chrono::seconds ttl) {
    check_replay_ttl(id, ttl);
    const std::string key = impl_->prefix + replay_key(id);
    const std::string seconds = std::to_string(ttl.count());
    RedisReply reply = impl_->pool.command({"SET", key, "1", "NX", "EX", seconds},
                                           "recording a single-use identifier");
    if (reply->type == REDIS_REPLY_NIL) {
        return false;
    }
    if (reply->type != REDIS_REPLY_STATUS) {
        impl_->pool.unexpected("recording a single-use identifier");
    }
    return true;
}

// --- rate limits ---

class RedisLoginRateLimiter::Impl {
public:
    Impl(const RedisDeployStoreOptions& options, RateLimitOptions limit_options)
        : pool(parse_redis_url(options.url), std::string{redis_backend}, options.pool_size,
               options.connect_timeout, options.command_timeout),
          limits(limit_options), prefix(options.prefix + ":ratelimit:") {
        check_prefix(options.prefix);
    }

    RedisConnectionPool pool;
    RateLimitOptions limits;
    std::string prefix;
};

RedisLoginRateLimiter::RedisLoginRateLimiter(RedisDeployStoreOptions options,
                                             RateLimitOptions limits) {
    if (limits.max_requests <= 0 || limits.window.count() <= 0) {
        throw Error(errc::invalid_argument, "rate limit options need positive limits and window");
    }
    impl_ = std::make_unique<Impl>(options, limits);
}

RedisLoginRateLimiter::~RedisLoginRateLimiter() = default;

RateLimitDecision RedisLoginRateLimiter::check(std::string_view client_key) {
    const std::string key = impl_->prefix + std::string{client_key};
    const std::string window = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(impl_->limits.window).count());
    RedisReply reply =
        impl_->pool.command({"EVAL", rate_script, "1", key, window}, "counting a login attempt");
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_INTEGER) {
        impl_->pool.unexpected("counting a login attempt");
    }
    const long long count = reply->element[0]->integer;
    const long long left_ms = std::max<long long>(reply->element[1]->integer, 0);
    if (count <= impl_->limits.max_requests) {
        return {true, std::chrono::seconds{0}};
    }
    return {false, std::chrono::seconds{(left_ms + 999) / 1000}};
}

void RedisLoginRateLimiter::reset() {
    const std::string pattern = store_detail::redis_glob_escape(impl_->prefix) + "*";
    std::string cursor = "0";
    do {
        RedisReply reply = impl_->pool.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "512"},
                                               "forgetting every count");
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[1]->type != REDIS_REPLY_ARRAY) {
            impl_->pool.unexpected("forgetting every count");
        }
        cursor = std::string{reply_text(*reply->element[0])};
        const redisReply* batch = reply->element[1];
        std::vector<std::string_view> args{"DEL"};
        for (std::size_t i = 0; i < batch->elements; ++i) {
            if (batch->element[i]->type == REDIS_REPLY_STRING) {
                args.push_back(reply_text(*batch->element[i]));
            }
        }
        if (args.size() > 1) {
            impl_->pool.command(args, "forgetting every count");
        }
    } while (cursor != "0");
}

} // namespace authflow

#endif // AUTHFLOW_WITH_REDIS
