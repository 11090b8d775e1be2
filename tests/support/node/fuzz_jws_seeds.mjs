// Makes the seed corpus of the compact-JWS fuzz target (tests/fuzz/jws_fuzz.cpp): ID tokens
// signed with new keys (RS256, PS256, ES256, ES384, ES512, EdDSA, Ed25519, HS256), each a file in
// <out-dir>. Prints the public JWKS, which jws_fuzz.cpp embeds (re-run both together).
//   node fuzz_jws_seeds.mjs <out-dir>
import * as jose from 'jose';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
mkdirSync(out, { recursive: true });

const now = 1767225600; // ManualClock's default start
const halfHash = (text) =>
    jose.base64url.encode(createHash('sha256').update(text).digest().subarray(0, 16));
const claims = {
    iss: 'https://op.example',
    sub: 'alice',
    aud: 'client-1',
    iat: now,
    exp: now + 3600,
    nonce: 'n-1',
    auth_time: now - 60,
    at_hash: halfHash('AT-1'),
    c_hash: halfHash('C-1'),
    email: 'alice@example.com',
    email_verified: true,
};

const keys = [
    ['rsa-1', 'RS256', { modulusLength: 2048 }, ['RS256', 'PS256']],
    ['ec-256', 'ES256', {}, ['ES256']],
    ['ec-384', 'ES384', {}, ['ES384']],
    ['ec-521', 'ES512', {}, ['ES512']],
    ['ed-1', 'EdDSA', { crv: 'Ed25519' }, ['EdDSA', 'Ed25519']],
];
const jwks = { keys: [] };
for (const [kid, genAlg, options, algs] of keys) {
    const { publicKey, privateKey } = await jose.generateKeyPair(genAlg, { ...options, extractable: true });
    const jwk = await jose.exportJWK(publicKey);
    jwks.keys.push({ ...jwk, kid, use: 'sig' });
    const privateJwk = await jose.exportJWK(privateKey);
    for (const alg of algs) {
        // WebCrypto keys are bound to one algorithm: import the key again for each.
        const signingKey = await jose.importJWK(privateJwk, alg);
        const token = await new jose.SignJWT(claims)
            .setProtectedHeader({ alg, kid, typ: 'JWT' })
            .sign(signingKey);
        writeFileSync(join(out, `id_token_${alg.toLowerCase()}`), token);
    }
}
const secret = new TextEncoder().encode('fuzz-client-secret-0123456789abcdef');
writeFileSync(join(out, 'id_token_hs256'),
    await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret));
// Multiple audiences with azp, and a crit header.
writeFileSync(join(out, 'id_token_azp'),
    await new jose.SignJWT({ ...claims, aud: ['client-1', 'other'], azp: 'client-1' })
        .setProtectedHeader({ alg: 'HS256', crit: ['b64'], b64: true })
        .sign(secret));
process.stdout.write(JSON.stringify(jwks) + '\n');
