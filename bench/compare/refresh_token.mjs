// Signs in at tests/support/node/op.mjs without a browser (its development sign-in and consent
// forms, as docs/testing recipes do with curl) and prints the refresh token of conf-client, for
// oidc-gen --rt-env:
//   node bench/compare/refresh_token.mjs ISSUER REDIRECT_URI
import { createHash, randomBytes } from 'node:crypto';

const [issuer, redirectUri] = process.argv.slice(2);
const clientId = 'conf-client';
const basic = Buffer.from(`${clientId}:${clientId}-secret`).toString('base64');
const jar = new Map();
async function get(url, init = {}) {
  const headers = { ...(init.headers || {}), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
  const answer = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const line of answer.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return answer;
}
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
const query = new URLSearchParams({
  client_id: clientId, response_type: 'code', scope: 'openid offline_access email profile',
  redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256',
  state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'), prompt: 'consent',
});
let answer = await get(`${issuer}/auth?${query}`);
let code = '';
for (let step = 0; step < 12 && !code; step++) {
  const location = new URL(answer.headers.get('location') ?? '', issuer);
  if (location.href.startsWith(redirectUri)) {
    code = location.searchParams.get('code') ?? '';
    break;
  }
  if (location.pathname.startsWith('/interaction/')) {
    const page = await (await get(location.href)).text();
    const prompt = /name="prompt" value="([a-z]+)"/.exec(page)?.[1] ?? (page.includes('password') ? 'login' : 'consent');
    const body = new URLSearchParams(prompt === 'login'
      ? { prompt, login: 'alice', password: 'any' } : { prompt });
    answer = await get(location.href, { method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  } else {
    answer = await get(location.href);
  }
}
if (!code) {
  console.error(`refresh_token.mjs: no code (last answer ${answer.status} ${answer.headers.get('location')})`);
  process.exit(1);
}
const token = await fetch(`${issuer}/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri,
    code_verifier: verifier }),
});
const tokens = await token.json();
if (!tokens.refresh_token) {
  console.error(`refresh_token.mjs: no refresh token (${token.status} ${JSON.stringify(tokens.error ?? '')})`);
  process.exit(1);
}
process.stdout.write(`${tokens.refresh_token}\n`);
