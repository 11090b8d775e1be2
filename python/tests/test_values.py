"""Values and the error mapping: no services needed."""

import asyncio
import copy
import pickle

import pytest

import authflow
from authflow import _authflow

MAPPING = [
    ("TokenRefreshError", authflow.TokenRefreshError),
    ("RetryLaterError", authflow.RetryLaterError),
    ("TokenExpiredError", authflow.TokenExpiredError),
    ("TokenError", authflow.TokenError),
    ("AuthFlowTimeout", authflow.AuthFlowTimeout),
    ("AuthFlowCancelled", authflow.AuthFlowCancelled),
    ("AuthenticationError", authflow.AuthenticationError),
    ("ConfigError", authflow.ConfigError),
    ("StoreError", authflow.StoreError),
    ("TransportError", authflow.TransportError),
    ("Error", authflow.AuthflowError),
]


@pytest.mark.parametrize("kind,cls", MAPPING)
def test_each_cpp_error_becomes_its_python_class(kind, cls):
    with pytest.raises(cls) as caught:
        _authflow._raise_error(kind, "refresh_failed")
    assert type(caught.value) is cls
    expected_code = "auth_timeout" if kind == "AuthFlowTimeout" else "refresh_failed"
    assert caught.value.code == expected_code


def test_provider_answer_is_carried():
    with pytest.raises(authflow.TokenRefreshError) as caught:
        _authflow._raise_error("TokenRefreshError", "reauth_required")
    error = caught.value
    assert (error.code, error.error, error.error_description, error.http_status) == (
        "reauth_required", "invalid_grant", "grant revoked", 400)
    assert isinstance(error, authflow.TokenError)
    assert isinstance(error, authflow.AuthenticationError)
    assert isinstance(error, authflow.PyWryException)


def test_timeout_and_retry_after_attributes():
    with pytest.raises(authflow.AuthFlowTimeout) as timeout:
        _authflow._raise_error("AuthFlowTimeout", "auth_timeout")
    assert timeout.value.timeout == 1.5
    with pytest.raises(authflow.RetryLaterError) as later:
        _authflow._raise_error("RetryLaterError", "refresh_failed")
    assert later.value.retry_after == "30"


def test_errors_pickle_with_their_code():
    with pytest.raises(authflow.TokenRefreshError) as caught:
        _authflow._raise_error("TokenRefreshError", "reauth_required")
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is authflow.TokenRefreshError
    assert (again.code, again.error) == ("reauth_required", "invalid_grant")


def test_every_code_is_known():
    codes = _authflow.error_codes()
    assert "bad_audience" in codes and "reauth_required" in codes and len(codes) == len(set(codes))


def test_real_config_errors_are_mapped():
    with pytest.raises(authflow.ConfigError) as caught:
        authflow.GenericOIDCProvider("client", issuer_url="http://idp.example.com")
    assert caught.value.code == "insecure_url"
    with pytest.raises(authflow.ConfigError) as missing:
        authflow.create_provider_from_settings({"provider": "oidc", "client_id": "c"})
    assert missing.value.code == "config_missing"
    assert isinstance(missing.value, ValueError)


def test_pkce():
    pkce = authflow.PKCEChallenge.generate()
    assert len(pkce.verifier) == 86 and pkce.method == "S256"
    # RFC 7636 Appendix B.
    known = authflow.PKCEChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert known.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    with pytest.raises(authflow.AuthflowError) as bad:
        authflow.PKCEChallenge("short")
    assert bad.value.code == "bad_pkce"
    with pytest.raises(AttributeError):
        pkce.verifier = "x"  # immutable


def test_token_set_round_trip_and_repr_hides_tokens():
    tokens = authflow.OAuthTokenSet("secret-at", refresh_token="secret-rt", expires_in=3600,
                                    scope="openid", raw={"x": [1, {"y": None}]}, issued_at=100.0)
    assert tokens.expires_at == 3700.0
    assert tokens.is_expired
    assert tokens.raw == {"x": [1, {"y": None}]}
    again = authflow.OAuthTokenSet.from_json(tokens.to_json())
    assert again == tokens and again.refresh_token == "secret-rt"
    assert list(__import__("json").loads(tokens.to_json()))[:8] == [
        "access_token", "token_type", "refresh_token", "expires_in", "id_token", "scope", "raw",
        "issued_at"]
    assert "secret" not in repr(tokens)
    assert copy.deepcopy(tokens) == tokens
    with pytest.raises(authflow.TokenError) as bad:
        authflow.OAuthTokenSet.from_json('{"token_type": "Bearer"}')
    assert bad.value.code == "token_invalid"
    fresh = authflow.OAuthTokenSet("a", expires_in=3600)
    assert not fresh.is_expired and fresh.expires_within(4000)


def test_token_response_coerces_numeric_expires_in():
    tokens = authflow.OAuthTokenSet.from_token_response(
        {"access_token": "a", "token_type": "Bearer", "expires_in": "3600"})
    assert tokens.expires_in == 3600


def test_memory_store_async_and_sync():
    store = authflow.MemoryTokenStore()
    tokens = authflow.OAuthTokenSet("a", refresh_token="r")

    async def main():
        await store.save("k", tokens)
        assert await store.exists("k")
        assert (await store.load("k")).refresh_token == "r"
        assert await store.list_keys() == ["k"]
        assert await store.delete("k")
        assert await store.load("k") is None

    asyncio.run(main())
    assert isinstance(store, authflow.TokenStore)


def test_get_token_store_per_backend_and_options(tmp_path):
    authflow.reset_token_store()
    memory = authflow.get_token_store("memory")
    assert authflow.get_token_store("memory") is memory
    sqlite = authflow.get_token_store("sqlite", path=str(tmp_path / "t.db"))
    assert sqlite.backend == "sqlite" and sqlite is not memory
    with pytest.raises(authflow.ConfigError) as unknown:
        authflow.get_token_store("floppy")
    assert unknown.value.code == "config_invalid"
    authflow.reset_token_store()


def test_sqlite_store_encrypts_with_a_key(tmp_path):
    key = authflow.stores.generate_store_key()
    store = authflow.SqliteTokenStore(str(tmp_path / "t.db"), store_key=key)
    store.save_sync("user", authflow.OAuthTokenSet("plain-access-token"))
    assert store.encrypts
    assert b"plain-access-token" not in (tmp_path / "t.db").read_bytes()
    assert store.load_sync("user").access_token == "plain-access-token"


def test_flow_state_and_deploy_url():
    provider = authflow.GenericOIDCProvider("c", authorize_url="https://idp.example/authorize",
                                            token_url="https://idp.example/token")
    flow = authflow.AuthFlowManager(provider)
    assert flow.flow_state is authflow.AuthFlowState.PENDING
    assert flow.run_deploy("https://app.example") == "https://app.example/auth/login"
    result = flow.authenticate_sync(mode="deploy", base_url="https://app.example")
    assert not result.success and "https://app.example/auth/login" in result.error


def test_rbac_helpers():
    assert authflow.role_permissions("editor") == ["read", "write"]
    assert authflow.has_permission(["viewer"], "read")
    assert not authflow.has_permission(["viewer"], "write")
    roles = authflow.roles_for({"sub": "u1", "email": "boss@example.com", "email_verified": True},
                               {"admin_users": "boss@example.com",
                                "public_url": "https://app.example"})
    assert roles == ["viewer", "admin"]


def test_build_authorize_url_keeps_the_original_shape():
    provider = authflow.GitHubProvider("gh-client")
    pkce = authflow.PKCEChallenge.generate()
    url = provider.build_authorize_url("http://127.0.0.1:9/callback", "st", pkce,
                                       {"login": "octocat"})
    assert url.startswith("https://github.com/login/oauth/authorize?")
    assert "code_challenge=" + pkce.challenge in url and "login=octocat" in url
    with pytest.raises(authflow.ConfigError) as override:
        provider.build_authorize_url("http://127.0.0.1:9/callback", "st", pkce, {"state": "x"})
    assert override.value.code == "invalid_argument"
