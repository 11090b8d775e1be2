// express-openid-connect (Auth0's Express middleware) protecting one page, for
// bench/compare/gateway.sh: every request needs a session (authRequired), kept in its default
// encrypted cookie (appSession).
//
//   node bench/compare/express_app.mjs --port PORT --issuer URL --client-id ID --page FILE
// The client secret comes from $AUTHFLOW_COMPARE_CLIENT_SECRET. GET /protected answers the page.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const load = createRequire(join(root, 'tests/support/node/package.json'));
const express = load('express');
const { auth } = load('express-openid-connect');
const option = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const port = Number(option('port'));
const page = readFileSync(option('page'), 'utf8').trim();
const app = express();
app.use(auth({
  issuerBaseURL: option('issuer'),
  baseURL: `http://127.0.0.1:${port}`,
  clientID: option('client-id'),
  clientSecret: process.env.AUTHFLOW_COMPARE_CLIENT_SECRET,
  secret: randomBytes(32).toString('base64url'),
  authRequired: true,
  idpLogout: false,
  authorizationParams: { response_type: 'code', scope: 'openid profile email' },
}));
app.get('/protected', (req, res) => res.type('text/plain').send(page));
app.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
