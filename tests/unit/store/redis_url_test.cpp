#include <authflow/core/errors.hpp>
#include <authflow/store/redis_token_store.hpp>

#include <gtest/gtest.h>

namespace authflow::test {
namespace {

TEST(RedisUrl, ParsesHostPortAndDatabase) {
    auto endpoint = parse_redis_url("redis://cache.internal:6390/3");
    EXPECT_EQ(endpoint.host, "cache.internal");
    EXPECT_EQ(endpoint.port, 6390);
    EXPECT_EQ(endpoint.db, 3);
    EXPECT_TRUE(endpoint.socket_path.empty());
    EXPECT_TRUE(endpoint.password.empty());
    EXPECT_TRUE(endpoint.username.empty());
}

TEST(RedisUrl, DefaultsPortAndDatabase) {
    for (const char* url : {"redis://localhost", "redis://localhost/", "REDIS://localhost"}) {
        auto endpoint = parse_redis_url(url);
        EXPECT_EQ(endpoint.host, "localhost") << url;
        EXPECT_EQ(endpoint.port, 6379) << url;
        EXPECT_EQ(endpoint.db, 0) << url;
    }
}

TEST(RedisUrl, ParsesCredentials) {
    auto password_only = parse_redis_url("redis://:s3cret@10.0.0.5");
    EXPECT_EQ(password_only.username, "");
    EXPECT_EQ(password_only.password, "s3cret");
    auto acl = parse_redis_url("redis://worker:p%40ss%2Fw0rd@10.0.0.5:7000/2");
    EXPECT_EQ(acl.username, "worker");
    EXPECT_EQ(acl.password, "p@ss/w0rd");
    EXPECT_EQ(acl.host, "10.0.0.5");
    EXPECT_EQ(acl.port, 7000);
    EXPECT_EQ(acl.db, 2);
    // Unescaped '@' and '/' in a password: user information ends at the last '@'.
    auto lenient = parse_redis_url("redis://:a@b/c@host:1/4");
    EXPECT_EQ(lenient.password, "a@b/c");
    EXPECT_EQ(lenient.host, "host");
    EXPECT_EQ(lenient.db, 4);
}

TEST(RedisUrl, ParsesIpv6) {
    auto endpoint = parse_redis_url("redis://[::1]:6380/1");
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.port, 6380);
    EXPECT_EQ(endpoint.db, 1);
    EXPECT_EQ(parse_redis_url("redis://[fe80::1]").port, 6379);
}

TEST(RedisUrl, ParsesUnixSockets) {
    auto plain = parse_redis_url("unix:/run/redis/redis.sock");
    EXPECT_EQ(plain.socket_path, "/run/redis/redis.sock");
    EXPECT_EQ(plain.db, 0);
    EXPECT_TRUE(plain.host.empty());
    auto triple = parse_redis_url("unix:///run/redis/redis.sock?db=5");
    EXPECT_EQ(triple.socket_path, "/run/redis/redis.sock");
    EXPECT_EQ(triple.db, 5);
}

TEST(RedisUrl, RefusesTlsWithAnExplanation) {
    for (const char* url : {"rediss://cache:6380/0", "REDISS://cache"}) {
        try {
            parse_redis_url(url);
            ADD_FAILURE() << url;
        } catch (const ConfigError& error) {
            EXPECT_EQ(error.code(), errc::config_invalid);
            std::string text = error.what();
            EXPECT_NE(text.find("TLS"), std::string::npos) << text;
            EXPECT_NE(text.find("tunnel"), std::string::npos) << text;
        }
    }
}

TEST(RedisUrl, RejectsMalformedUrls) {
    for (const char* url : {"",
                            "redis:/",
                            "redis://",
                            "http://cache:6379",
                            "cache:6379",
                            "redis://cache:0",
                            "redis://cache:65536",
                            "redis://cache:",
                            "redis://cache:x1",
                            "redis://cache:-1",
                            "redis://cache/x",
                            "redis://cache/-1",
                            "redis://cache/1/2",
                            "redis://cache/99999999999",
                            "redis://cache?db=1",
                            "redis://cache#frag",
                            "redis://user@cache",
                            "redis://user:@cache",
                            "redis://[::1",
                            "redis://[::1]x",
                            "redis://[]:1",
                            "redis://[zz::1]",
                            "redis://ca che",
                            "redis://cache\n",
                            "redis://ca%che",
                            "redis://:%zz@cache",
                            "unix:",
                            "unix:relative.sock",
                            "unix:/tmp/r.sock?x=1",
                            "unix:/tmp/r.sock?db=a",
                            "unix:/tmp/r.sock?db=1&x=2",
                            "unix:/tmp/r#s"}) {
        try {
            parse_redis_url(url);
            ADD_FAILURE() << "accepted: " << url;
        } catch (const ConfigError& error) {
            EXPECT_EQ(error.code(), errc::config_invalid) << url;
        }
    }
}

TEST(RedisUrl, NeverShowsThePassword) {
    try {
        parse_redis_url("redis://:hunter2-secret@cache:99999");
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string{error.what()}.find("hunter2"), std::string::npos);
    }
    auto endpoint = parse_redis_url("redis://alice:hunter2-secret@cache:6379/2");
    EXPECT_EQ(endpoint.to_string(), "redis://alice:***@cache:6379/2");
    EXPECT_EQ(parse_redis_url("redis://cache").to_string(), "redis://cache:6379/0");
    EXPECT_EQ(parse_redis_url("unix:/s.sock?db=2").to_string(), "unix:/s.sock?db=2");
}

} // namespace
} // namespace authflow::test
