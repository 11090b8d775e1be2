"""PyJWT's decode over the tokens of make_tokens.mjs, with a pre-loaded key.

    /usr/bin/python3 bench/compare/verify_pyjwt.py DIR SECONDS_PER_ALG

Prints "pyjwt <alg> <wall us/op> <cpu us/op>" per algorithm.
"""
import hmac
import json
import os
import sys
import time

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def main():
    directory = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    with open(os.path.join(directory, "claims.json")) as f:
        expected = json.load(f)
    for alg in ("RS256", "ES256", "EdDSA"):
        with open(os.path.join(directory, alg + ".jwt")) as f:
            token = f.read()
        with open(os.path.join(directory, alg + ".pem"), "rb") as f:
            key = load_pem_public_key(f.read())
        options = {"require": ["exp", "iat", "iss", "aud", "sub"]}

        def verify():
            claims = jwt.decode(token, key, algorithms=[alg], audience=expected["aud"],
                                issuer=expected["iss"], options=options)
            if not hmac.compare_digest(claims.get("nonce", ""), expected["nonce"]):
                raise ValueError("nonce mismatch")

        for _ in range(200):
            verify()
        n = 0
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        t = t0
        while t - t0 < seconds:
            for _ in range(32):
                verify()
            n += 32
            t = time.perf_counter()
        cpu = time.process_time() - cpu0
        print("pyjwt %s %.3f %.3f" % (alg, (t - t0) * 1e6 / n, cpu * 1e6 / n))


if __name__ == "__main__":
    main()
