#!/usr/bin/env python3
"""ID-token validation from Python: authflow vs PyJWT vs Authlib, on the same RS256 tokens.

Each library checks the same things: the RS256 signature with a key parsed once beforehand,
iss, aud, exp, iat and the nonce. Prints CPU microseconds per validation (best of --repeat runs;
wall time beside it) and the ratios.

    /usr/bin/python3 bench/python/id_token_bench.py [--tokens 200] [--rounds 10] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import time

import jwt as pyjwt
from authlib.jose import JsonWebKey
from authlib.jose import jwt as authlib_jwt
from cryptography.hazmat.primitives.asymmetric import rsa

import authflow

ISSUER = "https://idp.example.com"
CLIENT = "bench-client"
NONCE = "n-0S6_WzA2Mj"


def make_tokens(count: int):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update(kid="k1", alg="RS256", use="sig")
    now = int(time.time())
    tokens = [
        pyjwt.encode({"iss": ISSUER, "sub": f"user-{i}", "aud": CLIENT, "iat": now,
                      "exp": now + 3600, "nonce": NONCE, "email": f"u{i}@example.com"},
                     key, algorithm="RS256", headers={"kid": "k1"})
        for i in range(count)
    ]
    return tokens, {"keys": [public_jwk]}, key.public_key()


def bench(name, validate, tokens, rounds, repeat):
    for token in tokens[:20]:
        validate(token)  # warm up and check that it accepts them
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(rounds):
            for token in tokens:
                validate(token)
        n = rounds * len(tokens)
        best_cpu = min(best_cpu, (time.process_time() - cpu) / n)
        best_wall = min(best_wall, (time.perf_counter() - wall) / n)
    return name, best_cpu * 1e6, best_wall * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tokens, jwks, public_key = make_tokens(args.tokens)

    validator = authflow.IdTokenValidator(CLIENT, ISSUER, jwks, ["RS256"], 60)

    def with_authflow(token):
        claims = validator.validate(token, NONCE)
        assert claims["aud"] == CLIENT

    def with_pyjwt(token):
        claims = pyjwt.decode(token, public_key, algorithms=["RS256"], audience=CLIENT,
                              issuer=ISSUER, leeway=60,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        if claims.get("nonce") != NONCE:
            raise ValueError("nonce")

    authlib_keys = JsonWebKey.import_key_set(jwks)
    options = {"iss": {"essential": True, "value": ISSUER},
               "aud": {"essential": True, "value": CLIENT},
               "exp": {"essential": True}, "iat": {"essential": True},
               "nonce": {"essential": True, "value": NONCE}}

    def with_authlib(token):
        claims = authlib_jwt.decode(token, authlib_keys, claims_options=options)
        claims.validate(leeway=60)

    results = [bench(n, f, tokens, args.rounds, args.repeat) for n, f in
               (("authflow", with_authflow), ("PyJWT", with_pyjwt), ("Authlib", with_authlib))]
    base = results[0][1]
    print(f"RS256 ID-token validation, {args.tokens} tokens x {args.rounds} rounds, "
          f"best of {args.repeat} (authflow {authflow.__version__}, PyJWT {pyjwt.__version__}); "
          "CPU time (wall time)")
    for name, cpu, wall in results:
        print(f"  {name:9s} {cpu:8.1f} us/token ({wall:7.1f})   {cpu / base:5.2f}x authflow's time")


if __name__ == "__main__":
    main()
