// A development OpenID Provider for authflow's demo (scripts/demo.sh): node oidc-provider on
// 127.0.0.1 with two clients (the web app's, and `authflow-cli`, a native client for `authflow
// login`, device flow included) and one user. Not for production: keys and cookie secrets are
// made up at every start and live only in memory.
//
//   node demo/op.mjs --port PORT --redirect-uri URI
//
// Environment:
//   AUTHFLOW_DEMO_CLIENT_ID      the client (default authflow-demo)
//   AUTHFLOW_DEMO_CLIENT_SECRET  its secret (required; client_secret_basic)
//   AUTHFLOW_DEMO_USER           the one account's login (default demo)
//   AUTHFLOW_DEMO_PASSWORD       its password (default demo-password)
//
// The account: sub = the login, name "Demo User", email <login>@example.test (verified).
// A wrong login or password shows the sign-in form again.
// oidc-provider comes from tests/support/node/node_modules (scripts/install-deps.sh installs it).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseQuery } from 'node:querystring';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`demo/op.mjs needs Node.js 20 or newer (found ${process.versions.node})`);
  process.exit(2);
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', '0'));
const redirectUri = arg('redirect-uri', '');
const clientId = process.env.AUTHFLOW_DEMO_CLIENT_ID || 'authflow-demo';
const clientSecret = process.env.AUTHFLOW_DEMO_CLIENT_SECRET || '';
const user = process.env.AUTHFLOW_DEMO_USER || 'demo';
const password = process.env.AUTHFLOW_DEMO_PASSWORD || 'demo-password';
if (!Number.isInteger(port) || port <= 0 || !redirectUri || !clientSecret) {
  console.error('usage: AUTHFLOW_DEMO_CLIENT_SECRET=... node demo/op.mjs --port PORT --redirect-uri URI');
  process.exit(2);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromTests = createRequire(join(root, 'tests/support/node/package.json'));
let Provider;
try {
  ({ default: Provider } = await import(pathToFileURL(requireFromTests.resolve('oidc-provider')).href));
} catch (error) {
  console.error('demo/op.mjs: oidc-provider is missing: run scripts/install-deps.sh '
    + `(npm ci in tests/support/node) (${error.message})`);
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  alg: 'RS256',
  use: 'sig',
  kid: `demo-${Date.now()}`,
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }, {
    // A native (public) client for `authflow login`: any loopback port (RFC 8252 §7.3), PKCE,
    // and the device flow for terminals without a browser.
    client_id: 'authflow-cli',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (ctx, sub) => (sub === user ? {
    accountId: sub,
    claims: async () => ({
      sub, name: 'Demo User', email: `${sub}@example.test`, email_verified: true,
    }),
  } : undefined),
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: 600, IdToken: 3600, RefreshToken: 86400, AuthorizationCode: 60,
    DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 86400,
  },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
});
// oidc-provider warns that its development pages are for development: this is one.
provider.on('server_error', (ctx, error) => console.error(`server_error: ${error.message}`));

// The development sign-in page accepts any name: check the demo account's password first.
// The parsed body is handed on (oidc-provider reads ctx.request.body when the stream is used).
provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && /^\/interaction\/[^/]+$/.test(ctx.path)
    && ctx.is('application/x-www-form-urlencoded')) {
    const chunks = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += chunk.length;
      if (size > 16 * 1024) {
        ctx.status = 413;
        return;
      }
      chunks.push(chunk);
    }
    const body = parseQuery(Buffer.concat(chunks).toString('utf8'));
    ctx.request.body = body;
    if (body.prompt === 'login' && (body.login !== user || body.password !== password)) {
      console.error('sign-in refused: wrong user or password');
      ctx.status = 303;
      ctx.redirect(ctx.path);
      return;
    }
  }
  await next();
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`demo OpenID Provider listening on ${issuer} (client ${clientId}, user ${user})`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
