#!/usr/bin/env python3
"""A FastAPI app's authenticated request: authflow.fastapi (the C++ session lookup behind
require_session) vs the same app with a pure-Python session lookup (a dict keyed by the
SHA-256 of the session cookie, as authflow files sessions, with the expiry checked).

Both apps run in one uvicorn worker on 127.0.0.1 and answer GET / with the user id. The
authflow session comes from a real sign-in at node oidc-provider (tests/support/node/op.mjs)
through the app's /auth routes. Load: wrk (-t1 -c8) when installed, else httpx from this
process. The two apps are measured in turns; prints the best requests per second of each.

    /usr/bin/python3 bench/python/fastapi_bench.py [--seconds 3] [--rounds 4]
"""


import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "tests"))

import authflow  # noqa: E402
from support import OidcProvider, free_port  # noqa: E402
from test_fastapi import scripted_login, serve  # noqa: E402


def authflow_app(provider, port):
    from fastapi import Depends, FastAPI

    from authflow.fastapi import create_auth_router, require_session

    app = FastAPI()
    app.include_router(create_auth_router(provider, public_url=f"http://127.0.0.1:{port}"))

    @app.get("/")
    def home(session: authflow.UserSession = Depends(require_session)):
        return {"user": session.user_id}

    return app


def python_app(session_id, user_id):
    from fastapi import Depends, FastAPI, HTTPException, Request

    sessions = {hashlib.sha256(session_id.encode()).hexdigest():
                authflow.UserSession(session_id="", user_id=user_id, roles=["viewer"],
                                     expires_at=time.time() + 3600)}

    async def lookup(request: Request) -> authflow.UserSession:
        cookie = request.cookies.get("authflow_session")
        session = sessions.get(hashlib.sha256(cookie.encode()).hexdigest()) if cookie else None
        if session is None or (session.expires_at or 0) < time.time():
            raise HTTPException(status_code=401)
        return session

    app = FastAPI()

    @app.get("/")
    def home(session: authflow.UserSession = Depends(lookup)):
        return {"user": session.user_id}

    return app


def load(port, cookie, seconds):
    url = f"http://127.0.0.1:{port}/"
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", "-H",
                              f"Cookie: authflow_session={cookie}", url],
                             capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        assert non2xx is None, out
        return rps, "wrk -t1 -c8"
    import httpx

    with httpx.Client(cookies={"authflow_session": cookie}) as client:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            assert client.get(url).status_code == 200
            count += 1
        return count / (time.perf_counter() - start), "httpx, one connection"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    op = OidcProvider({"redirect_uris": [f"http://127.0.0.1:{port}/auth/callback"]})
    try:
        provider = authflow.GenericOIDCProvider("conf-client", "conf-client-secret",
                                                issuer_url=op.issuer, scopes=["openid", "email"])
        server, thread = serve(authflow_app(provider, port), port)
        client = scripted_login(f"http://127.0.0.1:{port}", op)
        cookie = client.cookies.get("authflow_session")
        assert client.get(f"http://127.0.0.1:{port}/").json()["user"] == "dave"
        port2 = free_port()
        server2, thread2 = serve(python_app(cookie, "dave"), port2)
        # Both apps up at once, measured in turns: each figure is the best of --rounds, so that
        # other work on the machine hits both alike.
        with_authflow = with_python = 0.0
        for _ in range(args.rounds):
            rps, tool = load(port, cookie, args.seconds)
            with_authflow = max(with_authflow, rps)
            rps, _ = load(port2, cookie, args.seconds)
            with_python = max(with_python, rps)
        for s, t in ((server, thread), (server2, thread2)):
            s.should_exit = True
            t.join(10)
    finally:
        op.stop()
    print(f"FastAPI authenticated GET / ({tool}, best of {args.rounds} x {args.seconds} s, "
          "one uvicorn worker each)")
    for name, rps in (("authflow.fastapi", with_authflow), ("pure-Python lookup", with_python)):
        print(f"  {name:20s} {rps:8.0f} req/s  {1000.0 / rps * 8:6.2f} ms mean at 8 connections")
    print(f"  ratio authflow/pure-Python: {with_authflow / with_python:.2f}")


if __name__ == "__main__":
    main()
