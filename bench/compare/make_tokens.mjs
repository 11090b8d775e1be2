// Makes the keys and ID tokens that every verifier in bench/compare reads (node jose signs them):
//   node bench/compare/make_tokens.mjs DIR
// For each of RS256 (RSA 2048), ES256 (P-256) and EdDSA (Ed25519), writes to DIR:
//   <alg>.jwt       a compact ID token (14 claims, as a provider sends them; exp in 24 hours)
//   <alg>.jwks.json the public key as a JWK Set (kid "k1")
//   <alg>.pem       the same public key as SubjectPublicKeyInfo PEM
// and claims.json: the issuer, audience and nonce every verifier checks.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const requireFromTests = createRequire(join(root, 'tests/support/node/package.json'));
const jose = await import(pathToFileURL(requireFromTests.resolve('jose')).href);

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/compare/make_tokens.mjs DIR');
  process.exit(2);
}
const expected = {
  iss: 'https://accounts.example.com',
  aud: '1234987819200.apps.example.com',
  nonce: '0394852-3190485-2490358',
};
writeFileSync(join(dir, 'claims.json'), JSON.stringify(expected));
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: expected.iss,
  azp: expected.aud,
  aud: expected.aud,
  sub: '10769150350006150715113082367',
  email: 'jsmith@example.com',
  email_verified: true,
  at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q',
  nonce: expected.nonce,
  name: 'Jane Smith',
  given_name: 'Jane',
  family_name: 'Smith',
  locale: 'en',
  iat: now,
  exp: now + 24 * 3600,
};
const kinds = { RS256: { modulusLength: 2048 }, ES256: {}, EdDSA: { crv: 'Ed25519' } };
for (const [alg, options] of Object.entries(kinds)) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { ...options, extractable: true });
  const token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg, kid: 'k1', typ: 'JWT' })
    .sign(privateKey);
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg, use: 'sig' };
  writeFileSync(join(dir, `${alg}.jwt`), token);
  writeFileSync(join(dir, `${alg}.jwks.json`), JSON.stringify({ keys: [jwk] }));
  writeFileSync(join(dir, `${alg}.pem`), await jose.exportSPKI(publicKey));
}
