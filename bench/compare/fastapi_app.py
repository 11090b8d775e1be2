"""The FastAPI peer of bench/compare/run.sh: OpenID Connect sign-in (authorization code with PKCE,
client_secret_basic, the ID token checked with PyJWT against the provider's JWKS) and a protected
route that looks the session cookie up in a dict of server-side sessions and answers a small
static file, as mod_auth_openidc and `authflow serve` do.

    AUTHFLOW_COMPARE_CLIENT_SECRET=... /usr/bin/python3 bench/compare/fastapi_app.py \
        --port PORT --issuer URL --client-id ID --page FILE

Routes: /protected (the page, or a redirect to the provider), /callback.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request

import jwt
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--issuer", required=True)
parser.add_argument("--client-id", required=True)
parser.add_argument("--page", required=True)
args = parser.parse_args()
client_secret = os.environ["AUTHFLOW_COMPARE_CLIENT_SECRET"]
base = "http://127.0.0.1:%d" % args.port
redirect_uri = base + "/callback"
with urllib.request.urlopen(args.issuer + "/.well-known/openid-configuration") as answer:
    metadata = json.load(answer)
jwks = jwt.PyJWKClient(metadata["jwks_uri"])
with open(args.page, "rb") as f:
    page = f.read()

sessions = {}  # session id -> user
pending = {}  # state -> (nonce, code verifier)
app = FastAPI()


@app.get("/protected")
def protected(request: Request):
    user = sessions.get(request.cookies.get("fastapi_session", ""))
    if user is not None:
        return Response(page, media_type="text/plain")
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    pending[state] = (nonce, verifier)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": args.client_id, "redirect_uri": redirect_uri,
        "scope": "openid profile email", "state": state, "nonce": nonce,
        "code_challenge": challenge.decode(), "code_challenge_method": "S256"})
    return RedirectResponse(metadata["authorization_endpoint"] + "?" + query, status_code=302)


@app.get("/callback")
def callback(code: str, state: str):
    nonce, verifier = pending.pop(state)
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": redirect_uri, "code_verifier": verifier})
    basic = base64.b64encode(("%s:%s" % (urllib.parse.quote(args.client_id, safe=""),
                                         urllib.parse.quote(client_secret, safe=""))).encode())
    request = urllib.request.Request(metadata["token_endpoint"], data=body.encode(), headers={
        "Authorization": "Basic " + basic.decode(),
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request) as answer:
            tokens = json.load(answer)
    except urllib.error.HTTPError as error:
        return PlainTextResponse("token endpoint: %d %s" % (error.code, error.read()[:200]),
                                 status_code=502)
    id_token = tokens["id_token"]
    key = jwks.get_signing_key_from_jwt(id_token).key
    claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=args.client_id,
                        issuer=metadata["issuer"])
    if not secrets.compare_digest(claims.get("nonce", ""), nonce):
        return PlainTextResponse("bad nonce", status_code=400)
    session_id = secrets.token_urlsafe(32)
    sessions[session_id] = {"sub": claims["sub"], "name": claims.get("name"), "tokens": tokens}
    response = RedirectResponse(base + "/protected", status_code=302)
    response.set_cookie("fastapi_session", session_id, httponly=True, samesite="lax")
    return response


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
