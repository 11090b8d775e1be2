"""RedisTokenStore against a real redis-server: encrypted records, shared between stores,
one refresh across two SessionManagers (two 'workers') sharing it."""

import asyncio
import socket

import pytest

import authflow


def raw_get(port, key):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"*2\r\n$3\r\nGET\r\n${len(key)}\r\n{key}\r\n".encode())
        return s.recv(65536)


def test_redis_store_round_trip_encrypted(redis_server):
    key = authflow.stores.generate_store_key()
    store = authflow.RedisTokenStore(redis_server.url, prefix="pytest", store_key=key)
    store.ping_sync()
    tokens = authflow.OAuthTokenSet("redis-plain-access", refresh_token="r", expires_in=60)

    async def main():
        await store.save("alice", tokens)
        assert await store.exists("alice")
        assert (await store.load("alice")).access_token == "redis-plain-access"
        assert await store.list_keys() == ["alice"]

    asyncio.run(main())
    assert store.encrypts
    assert b"redis-plain-access" not in raw_get(redis_server.port, "pytest:oauth:tokens:alice")
    other = authflow.RedisTokenStore(redis_server.url, prefix="pytest", store_key=key)
    assert other.load_sync("alice").refresh_token == "r"
    assert store.delete_sync("alice") and other.load_sync("alice") is None


def test_redis_needs_a_key_unless_insecure(redis_server):
    with pytest.raises(authflow.ConfigError) as caught:
        authflow.RedisTokenStore(redis_server.url)
    assert caught.value.code == "config_missing"
    with pytest.raises(authflow.ConfigError) as tls:
        authflow.RedisTokenStore("rediss://127.0.0.1:1/0", store_key=authflow.stores.generate_store_key())
    assert tls.value.code == "config_invalid"
    plain = authflow.get_token_store("redis", redis_url=redis_server.url, prefix="plain",
                                     insecure_plaintext_store=True)
    plain.save_sync("k", authflow.OAuthTokenSet("visible"))
    assert b"visible" in raw_get(redis_server.port, "plain:oauth:tokens:k")
    authflow.reset_token_store()


def test_unreachable_redis_is_a_store_error():
    store = authflow.RedisTokenStore("redis://127.0.0.1:1/0", store_key=authflow.stores.generate_store_key())
    with pytest.raises(authflow.StoreError) as caught:
        store.load_sync("x")
    assert caught.value.code == "store_unavailable"
