"""Against the real OpenID Provider (node oidc-provider): native sign-in through the system
browser (the scripted user), refresh, revocation, the device flow, the provider's errors."""

import asyncio
import threading
import time

import pytest

import authflow
from support import OpBrowser, scripted_browser

SCOPES = ["openid", "offline_access", "email", "profile"]


def public_provider(op):
    return authflow.GenericOIDCProvider("public-client", issuer_url=op.issuer, scopes=SCOPES)


def sign_in(op, monkeypatch, tmp_path, session=None, provider=None):
    scripted_browser(monkeypatch, tmp_path)
    provider = provider or public_provider(op)
    flow = authflow.AuthFlowManager(provider, session_manager=session, auth_timeout=60,
                                    extra_params={"prompt": "consent"})
    result = flow.run_native_sync()
    return flow, result


def test_native_sign_in_stores_tokens_once(op, monkeypatch, tmp_path):
    provider = public_provider(op)
    store = authflow.MemoryTokenStore()
    changed = []
    session = authflow.SessionManager(provider, store, on_tokens_changed=changed.append)
    flow, result = sign_in(op, monkeypatch, tmp_path, session, provider)
    assert result.success and result.error is None
    assert result.tokens.refresh_token and result.tokens.id_token
    assert result.user_info["sub"] == "alice"
    assert result.user_info["email"] == "alice@example.test"
    assert flow.flow_state is authflow.AuthFlowState.COMPLETED
    assert len(flow.flow_id) == 22
    assert store.load_sync("default").access_token == result.tokens.access_token
    assert [t.access_token for t in changed] == [result.tokens.access_token]
    claims = provider.validate_id_token_sync(result.tokens.id_token)
    assert claims["sub"] == "alice" and claims["aud"] == "public-client"


def test_native_sign_in_async_form(op, monkeypatch, tmp_path):
    scripted_browser(monkeypatch, tmp_path)
    provider = public_provider(op)
    flow = authflow.AuthFlowManager(provider, token_store=authflow.MemoryTokenStore(),
                                    auth_timeout=60, extra_params={"prompt": "consent"})

    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        result = await flow.run_native()
        task.cancel()
        return result, ticks

    result, ticks = asyncio.run(main())
    assert result.success
    assert ticks > 3  # the loop kept running while the sign-in waited
    assert asyncio.run(flow.session_manager.get_access_token()) == result.tokens.access_token


def test_refused_consent_is_the_providers_error(op, monkeypatch, tmp_path):
    scripted_browser(monkeypatch, tmp_path, action="deny")
    flow = authflow.AuthFlowManager(public_provider(op), auth_timeout=60,
                                    extra_params={"prompt": "consent"})
    with pytest.raises(authflow.AuthenticationError) as caught:
        flow.run_native_sync()
    assert caught.value.code == "provider_error"
    assert caught.value.error == "access_denied"
    assert flow.flow_state is authflow.AuthFlowState.FAILED


def test_timeout_and_cancel(op, monkeypatch, tmp_path):
    scripted_browser(monkeypatch, tmp_path, action="none")
    flow = authflow.AuthFlowManager(public_provider(op), auth_timeout=0.5)
    with pytest.raises(authflow.AuthFlowTimeout) as timeout:
        flow.run_native_sync()
    assert timeout.value.code == "auth_timeout"
    assert flow.flow_state is authflow.AuthFlowState.TIMED_OUT

    flow = authflow.AuthFlowManager(public_provider(op), auth_timeout=60)
    threading.Timer(0.5, flow.cancel).start()
    with pytest.raises(authflow.AuthFlowCancelled) as cancelled:
        flow.run_native_sync()
    assert cancelled.value.code == "cancelled"
    assert flow.flow_state is authflow.AuthFlowState.CANCELLED


def test_refresh_and_revocation(op, monkeypatch, tmp_path):
    provider = public_provider(op)
    session = authflow.SessionManager(provider, authflow.MemoryTokenStore())
    _, result = sign_in(op, monkeypatch, tmp_path, session, provider)
    before = op.count("grant.success", client_id="public-client", grant_type="refresh_token")
    refreshed = session.refresh_sync()
    assert refreshed.access_token != result.tokens.access_token
    assert session.get_access_token_sync() == refreshed.access_token
    assert op.count("grant.success", client_id="public-client",
                    grant_type="refresh_token") == before + 1
    assert session.stats()["refreshes"] == 1

    # The provider's own refresh call, async form, with the rotated refresh token.
    again = asyncio.run(provider.refresh_tokens(refreshed.refresh_token))
    assert again.access_token not in (refreshed.access_token, result.tokens.access_token)

    revoked_before = op.count("revocation.success")
    outcome = session.logout_sync()
    assert outcome["had_tokens"] and outcome["refresh_token_revoked"]
    assert op.count("revocation.success") > revoked_before
    with pytest.raises(authflow.TokenError) as missing:
        session.get_access_token_sync()
    assert missing.value.code == "token_missing"
    introspection = provider.introspect_token_sync(again.access_token)
    assert introspection["active"] is False or introspection.get("active") is None


def test_provider_errors_carry_the_answer(op):
    provider = authflow.GenericOIDCProvider("conf-client", "conf-client-secret",
                                            issuer_url=op.issuer, scopes=SCOPES)
    with pytest.raises(authflow.TokenRefreshError) as refresh:
        provider.refresh_tokens_sync("not-a-refresh-token")
    assert refresh.value.error == "invalid_grant"
    assert refresh.value.http_status == 400
    with pytest.raises(authflow.TokenError) as exchange:
        asyncio.run(provider.exchange_code("bogus", "http://127.0.0.1:8765/callback",
                                           pkce_verifier="x" * 43, nonce="n"))
    assert exchange.value.error == "invalid_grant"
    wrong = authflow.GenericOIDCProvider("conf-client", "wrong-secret", issuer_url=op.issuer)
    with pytest.raises(authflow.TokenError) as client:
        wrong.client_credentials_sync()
    assert client.value.error == "invalid_client" and client.value.http_status == 401


def test_id_token_checks(op, monkeypatch, tmp_path):
    provider = public_provider(op)
    _, result = sign_in(op, monkeypatch, tmp_path, provider=provider)
    with pytest.raises(authflow.TokenError) as nonce:
        provider.validate_id_token_sync(result.tokens.id_token, nonce="another-nonce")
    assert nonce.value.code == "bad_nonce"
    other = authflow.GenericOIDCProvider("conf-client", "conf-client-secret",
                                         issuer_url=op.issuer)
    with pytest.raises(authflow.TokenError) as audience:
        asyncio.run(other.validate_id_token(result.tokens.id_token))
    assert audience.value.code == "bad_audience"


def test_device_flow(op):
    provider = authflow.GenericOIDCProvider("conf-client", "conf-client-secret",
                                            issuer_url=op.issuer, scopes=SCOPES)
    shown = []
    approvals = []

    def on_device_code(authorization):
        shown.append(authorization)

        def approve():
            approvals.append(OpBrowser("bob").drive(authorization["verification_uri"],
                                                    user_code=authorization["user_code"]))

        threading.Thread(target=approve).start()

    store = authflow.MemoryTokenStore()
    flow = authflow.AuthFlowManager(provider, token_store=store, on_device_code=on_device_code,
                                    device_timeout=60)
    started = time.monotonic()
    result = asyncio.run(flow.run_device())
    assert result.success and result.user_info["sub"] == "bob"
    assert shown[0]["user_code"] and shown[0]["verification_uri"].startswith(op.issuer)
    assert store.load_sync("default").access_token == result.tokens.access_token
    assert time.monotonic() - started < 60


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_show_window_and_close_window(op, monkeypatch, tmp_path):
    from support import NODE_DIR

    browser_dir = scripted_browser(monkeypatch, tmp_path)
    shown, closed = [], []

    def show_window(url, config):
        shown.append((url, config["title"]))
        import subprocess

        subprocess.run(["node", str(NODE_DIR / "browser_user.mjs"), url], check=True)
        return "my-window"

    flow = authflow.AuthFlowManager(public_provider(op), auth_timeout=60,
                                    extra_params={"prompt": "consent"})
    result = flow.run_native_sync(show_window, closed.append, {"title": "Sign in to X"})
    assert result.success
    assert shown[0][0].startswith(op.issuer) and shown[0][1] == "Sign in to X"
    assert closed == ["my-window"]
    assert (browser_dir / "done").read_text() == "ok"

    def broken(url, config):
        raise RuntimeError("no display")

    with pytest.raises(authflow.AuthflowError) as caught:
        flow.run_native_sync(broken)
    assert caught.value.code == "browser"
    assert flow.flow_state is authflow.AuthFlowState.FAILED
