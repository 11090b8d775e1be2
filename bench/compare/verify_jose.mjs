// node jose's jwtVerify over the tokens of make_tokens.mjs, with a pre-imported key:
//   node bench/compare/verify_jose.mjs DIR SECONDS_PER_ALG
// Prints "jose <alg> <wall us/op> <cpu us/op>" per algorithm (process CPU, the thread pool's included).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const requireFromTests = createRequire(join(root, 'tests/support/node/package.json'));
const jose = await import(pathToFileURL(requireFromTests.resolve('jose')).href);

const [dir, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || '0.5');
const expected = JSON.parse(readFileSync(join(dir, 'claims.json'), 'utf8'));
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const token = readFileSync(join(dir, `${alg}.jwt`), 'utf8');
  const jwk = JSON.parse(readFileSync(join(dir, `${alg}.jwks.json`), 'utf8')).keys[0];
  const key = await jose.importJWK(jwk, alg);
  const options = { issuer: expected.iss, audience: expected.aud, algorithms: [alg],
    requiredClaims: ['sub', 'iat', 'exp', 'nonce'] };
  const verify = async () => {
    const { payload } = await jose.jwtVerify(token, key, options);
    if (payload.nonce !== expected.nonce) throw new Error('nonce mismatch');
  };
  for (let i = 0; i < 200; i++) await verify(); // warm-up
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 32; i++) await verify();
    n += 32;
    t = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(t - t0) / 1e3 / n;
  console.log(`jose ${alg} ${wall.toFixed(3)} ${((cpu.user + cpu.system) / n).toFixed(3)}`);
}
