// Cross-implementation fixture: keys and ID tokens made by the `jose` npm package (pinned in
// package.json), for authflow's JOSE tests.
//
//   node jose_fixture.mjs OUT.json
//
// Writes {issuer, audience, now, hs_secret, jwks, thumbprints: {kid: RFC 7638 thumbprint},
// tokens: [{alg, token, expect, why, code}]}:
// one valid token per algorithm, and variants that jose itself rejects (tampered signature or
// payload, expired, wrong aud, wrong iss, wrong key). Every token is checked with jose's own
// jwtVerify first, so the fixture only holds verdicts both implementations must agree on.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`jose_fixture.mjs needs Node.js 20 or newer (found ${process.version})`);
  process.exit(2);
}

const jose = await import('jose');
const out = process.argv[2];
if (!out) {
  console.error('usage: node jose_fixture.mjs OUT.json');
  process.exit(2);
}

const issuer = 'https://op.example/jose';
const audience = 'client-1';
const now = Math.floor(Date.now() / 1000);
const hsSecret = randomBytes(32).toString('base64url');
const secretKey = new TextEncoder().encode(hsSecret);

const algorithms = [
  ['RS256'], ['RS384'], ['RS512'], ['PS256'], ['PS384'], ['PS512'],
  ['ES256'], ['ES384'], ['ES512'], ['EdDSA', { crv: 'Ed25519' }], ['Ed25519'], ['HS256'],
];

const claims = () => ({ iss: issuer, sub: 'alice', aud: audience, exp: now + 600, iat: now,
  nonce: 'n-jose', email: 'alice@example.test' });

const b64 = (text) => Buffer.from(text).toString('base64url');

function tamperSignature(token) {
  const parts = token.split('.');
  const middle = Math.floor(parts[2].length / 2);
  const swap = parts[2][middle] === 'A' ? 'B' : 'A';
  parts[2] = parts[2].slice(0, middle) + swap + parts[2].slice(middle + 1);
  return parts.join('.');
}

function tamperPayload(token) {
  const parts = token.split('.');
  const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  payload.sub = 'mallory';
  parts[1] = b64(JSON.stringify(payload));
  return parts.join('.');
}

const keys = [];
const thumbprints = {};
const tokens = [];
for (const [alg, options] of algorithms) {
  const kid = `jose-${alg}`;
  let sign;
  let verifyKey;
  let otherKey;
  if (alg === 'HS256') {
    sign = secretKey;
    verifyKey = secretKey;
    otherKey = new TextEncoder().encode(randomBytes(32).toString('base64url'));
  } else {
    const pair = await jose.generateKeyPair(alg, { extractable: true, ...options });
    const other = await jose.generateKeyPair(alg, { extractable: true, ...options });
    const jwk = await jose.exportJWK(pair.publicKey);
    keys.push({ ...jwk, kid, alg, use: 'sig' });
    thumbprints[kid] = await jose.calculateJwkThumbprint(jwk, 'sha256');
    sign = pair.privateKey;
    verifyKey = pair.publicKey;
    otherKey = other.privateKey;
  }
  const make = (payload, key = sign) =>
    new jose.SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);

  const valid = await make(claims());
  const variants = [
    { token: valid, expect: 'valid', why: 'signed by jose', code: '' },
    { token: tamperSignature(valid), expect: 'invalid', why: 'tampered signature',
      code: 'bad_signature' },
    { token: tamperPayload(valid), expect: 'invalid', why: 'tampered payload',
      code: 'bad_signature' },
    { token: await make({ ...claims(), exp: now - 3600, iat: now - 4200 }), expect: 'invalid',
      why: 'expired', code: 'expired' },
    { token: await make({ ...claims(), aud: 'client-2' }), expect: 'invalid',
      why: 'wrong aud', code: 'bad_audience' },
    { token: await make({ ...claims(), iss: 'https://evil.example' }), expect: 'invalid',
      why: 'wrong iss', code: 'bad_issuer' },
    { token: await make(claims(), otherKey), expect: 'invalid', why: 'wrong key',
      code: 'bad_signature' },
  ];
  for (const variant of variants) {
    // jose must agree with the expected verdict, or the fixture proves nothing.
    let accepted = true;
    try {
      await jose.jwtVerify(variant.token, verifyKey, {
        issuer, audience, algorithms: [alg], currentDate: new Date(now * 1000), clockTolerance: 60,
      });
    } catch {
      accepted = false;
    }
    if (accepted !== (variant.expect === 'valid')) {
      console.error(`jose disagrees with the fixture: ${alg} ${variant.why}`);
      process.exit(1);
    }
    tokens.push({ alg, ...variant });
  }
}

writeFileSync(out, JSON.stringify({ issuer, audience, now, hs_secret: hsSecret,
  jose_version: JSON.parse(readFileSync(
    new URL('./node_modules/jose/package.json', import.meta.url))).version,
  jwks: { keys }, thumbprints, tokens }, null, 2));
console.log(`${tokens.length} tokens written to ${out}`);
