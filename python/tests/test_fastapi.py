"""FastAPI with authflow.fastapi: signed into through headless Chromium against the real OpenID
Provider; sessions in memory, SQLite and Redis."""

import os
import shutil
import subprocess
import threading
import time

import httpx
import pytest

import authflow
from support import NODE_DIR, OidcProvider, RedisServer, free_port, need


def serve(app, port):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    return server, thread


def make_app(provider, port, **settings):
    from fastapi import Depends, FastAPI

    from authflow.fastapi import create_auth_router, require_session

    app = FastAPI()
    app.include_router(create_auth_router(provider, public_url=f"http://127.0.0.1:{port}",
                                          **settings))
    seen = []

    @app.get("/")
    def home(session: authflow.UserSession = Depends(require_session)):
        seen.append(session)
        return {"user": session.user_id, "roles": session.roles}

    return app, seen


@pytest.fixture(scope="module")
def app_port():
    return free_port()


@pytest.fixture(scope="module")
def app_op(app_port):
    op = OidcProvider({"redirect_uris": [f"http://127.0.0.1:{app_port}/auth/callback"]})
    yield op
    op.stop()


def test_sign_in_through_chromium(app_op, app_port, tmp_path):
    chromium = os.environ.get("AUTHFLOW_TEST_CHROMIUM", "/usr/bin/chromium")
    need(shutil.which(chromium) is not None
         and (NODE_DIR / "node_modules" / "playwright-core").is_dir(),
         "chromium and playwright-core")
    provider = authflow.GenericOIDCProvider("conf-client", "conf-client-secret",
                                            issuer_url=app_op.issuer,
                                            scopes=["openid", "email", "profile"])
    app, seen = make_app(provider, app_port, admin_users="carol")
    server, thread = serve(app, app_port)
    try:
        base = f"http://127.0.0.1:{app_port}"
        assert httpx.get(base + "/").status_code == 401
        env = dict(os.environ, AUTHFLOW_TEST_BROWSER_DIR=str(tmp_path),
                   AUTHFLOW_TEST_BROWSER_LOGIN="carol")
        # redirect_uri tells the script which origin ends the sign-in (the app's); the login
        # route ignores it.
        login = f"{base}/auth/login?redirect_uri={base}/"
        subprocess.run(["node", str(NODE_DIR / "chromium_login.mjs"), login], env=env,
                       timeout=120, check=True)
        done = (tmp_path / "done").read_text()
        assert done == "ok", (tmp_path / "log").read_text()
        assert [s.user_id for s in seen] == ["carol"]
        assert "admin" in seen[0].roles
        assert app_op.count("grant.success", client_id="conf-client",
                            grant_type="authorization_code") == 1
    finally:
        server.should_exit = True
        thread.join(10)


def scripted_login(base, op):
    """The browser's part over HTTP: /auth/login, the provider's pages, the callback."""
    from support import OpBrowser

    browser = OpBrowser("dave")
    client = browser.client
    response = client.get(base + "/auth/login")
    assert response.status_code == 302
    callback = browser.drive(response.headers["location"], stop_prefix=base + "/auth/callback")
    answer = client.get(callback)
    assert answer.status_code in (302, 303), answer.text
    return client


@pytest.mark.parametrize("backend", ["memory", "sqlite", "redis"])
def test_sessions_in_each_backend(backend, app_op, app_port, tmp_path):
    provider = authflow.GenericOIDCProvider("conf-client", "conf-client-secret",
                                            issuer_url=app_op.issuer,
                                            scopes=["openid", "email"])
    settings = {"state_backend": backend}
    redis = None
    if backend == "sqlite":
        settings["sqlite_path"] = str(tmp_path / "deploy.db")
    if backend == "redis":
        redis = RedisServer()
        settings.update(redis_url=redis.url, store_key=authflow.stores.generate_store_key())
    app, seen = make_app(provider, app_port, **settings)
    server, thread = serve(app, app_port)
    try:
        base = f"http://127.0.0.1:{app_port}"
        client = scripted_login(base, app_op)
        home = client.get(base + "/")
        assert home.status_code == 200 and home.json()["user"] == "dave"
        status = client.get(base + "/auth/status").json()
        assert status["authenticated"] is True
        # CSRF: a POST without an Origin of the app is refused by the C++ routes.
        assert client.post(base + "/auth/logout").status_code == 403
        out = client.post(base + "/auth/logout", headers={"Origin": base})
        assert out.status_code in (200, 302, 303)
        assert client.get(base + "/").status_code == 401
    finally:
        server.should_exit = True
        thread.join(10)
        if redis:
            redis.stop()
