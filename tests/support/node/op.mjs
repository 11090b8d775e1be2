// A real OpenID Provider for authflow's tests: node oidc-provider on 127.0.0.1.
//
//   node op.mjs --port PORT [--issuer URL] [--events FILE] [--options JSON]
//
// Options (JSON object, every member optional; also read from $AUTHFLOW_OP_OPTIONS):
//   redirect_uris              for conf-client, post-client and the alg clients
//                              (default ["http://127.0.0.1:8765/callback"])
//   post_logout_redirect_uris  (default ["http://127.0.0.1:8765/logged-out"])
//   rotate_refresh_token       rotate on every use (default true)
//   access_token_ttl           seconds (default 600); also client-credentials tokens
//   id_token_ttl               seconds (default 3600)
//   refresh_token_ttl          seconds (default 86400)
//   device_code_ttl            seconds (default 600)
//   device_slow_down           answer the first N token polls of each device code with slow_down
//                              (RFC 8628 §3.5; oidc-provider never sends it) (default 0)
//   require_pkce               PKCE required for every client (default true)
//   clients                    extra client metadata objects
//   client_overrides           { client_id: { metadata merged into that client } }
//
// Clients (every confidential secret is "<name>-secret" unless said otherwise):
//   conf-client        client_secret_basic, ID tokens RS256, every grant
//   conf-client-PS256, conf-client-ES256, conf-client-EdDSA   the same, ID tokens in that alg
//   post-client        client_secret_post
//   special-client     client_secret_basic with the secret "p@ss w:rd+%&/" (RFC 6749 §2.3.1)
//   public-client      none (public), application_type native, redirect http://127.0.0.1/callback
//                      (any loopback port, RFC 8252 §7.3)
//
// Events: every provider event of interest is appended to FILE as one JSON line
// {"event": ..., "client_id": ..., "grant_type": ..., "error": ..., ...}; never a token.
// "revocation.success" is written when the revocation endpoint answered 200.
import Provider from 'oidc-provider';
import { appendFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`op.mjs needs Node.js 20 or newer (found ${process.versions.node})`);
  process.exit(2);
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', '0'));
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node op.mjs --port PORT [--issuer URL] [--events FILE] [--options JSON]');
  process.exit(2);
}
const issuer = arg('issuer', `http://127.0.0.1:${port}`);
const eventsFile = arg('events', '');
const options = JSON.parse(arg('options', process.env.AUTHFLOW_OP_OPTIONS || '{}'));
const opt = (name, fallback) => (options[name] === undefined ? fallback : options[name]);

const jwk = (type, params, alg, kid) => ({
  ...generateKeyPairSync(type, params).privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid,
});
// Keys are new on every start; options.kid_suffix gives them new key ids too, as a provider
// rotating its keys does.
const kidSuffix = String(opt('kid_suffix', ''));
const keys = [
  jwk('rsa', { modulusLength: 2048 }, 'RS256', `rs1${kidSuffix}`),
  jwk('rsa', { modulusLength: 2048 }, 'PS256', `ps1${kidSuffix}`),
  jwk('ec', { namedCurve: 'P-256' }, 'ES256', `es1${kidSuffix}`),
  jwk('ed25519', {}, 'EdDSA', `ed1${kidSuffix}`),
];

const redirectUris = opt('redirect_uris', ['http://127.0.0.1:8765/callback']);
const postLogout = opt('post_logout_redirect_uris', ['http://127.0.0.1:8765/logged-out']);
const allGrants = ['authorization_code', 'refresh_token', 'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code'];
const confidential = (id, extra = {}) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: redirectUris,
  post_logout_redirect_uris: postLogout,
  grant_types: allGrants,
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  ...extra,
});
let clients = [
  confidential('conf-client'),
  confidential('conf-client-PS256', { id_token_signed_response_alg: 'PS256' }),
  confidential('conf-client-ES256', { id_token_signed_response_alg: 'ES256' }),
  confidential('conf-client-EdDSA', { id_token_signed_response_alg: 'EdDSA' }),
  confidential('post-client', { token_endpoint_auth_method: 'client_secret_post' }),
  confidential('special-client', { client_secret: 'p@ss w:rd+%&/' }),
  {
    client_id: 'public-client',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback'],
    post_logout_redirect_uris: postLogout,
    grant_types: ['authorization_code', 'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
  },
  ...opt('clients', []),
];
const overrides = opt('client_overrides', {});
clients = clients.map((c) => ({ ...c, ...(overrides[c.client_id] || {}) }));

function record(entry) {
  if (!eventsFile) return;
  appendFileSync(eventsFile, `${JSON.stringify({ time: Date.now(), ...entry })}\n`);
}

const rotate = opt('rotate_refresh_token', true);
const provider = new Provider(issuer, {
  clients,
  jwks: { keys },
  pkce: { required: () => opt('require_pkce', true) },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: sub }),
  }),
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    claimsParameter: { enabled: true },
    resourceIndicators: { enabled: false },
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => rotate,
  ttl: {
    AccessToken: opt('access_token_ttl', 600),
    ClientCredentials: opt('access_token_ttl', 600),
    IdToken: opt('id_token_ttl', 3600),
    RefreshToken: opt('refresh_token_ttl', 86400),
    DeviceCode: opt('device_code_ttl', 600),
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 86400,
  },
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
  cookies: { keys: ['authflow-test-cookie-key'] },
});

const clientOf = (ctx) => ctx?.oidc?.client?.clientId ?? ctx?.oidc?.params?.client_id;
provider.on('grant.success', (ctx) => record({
  event: 'grant.success', client_id: clientOf(ctx), grant_type: ctx.oidc.params.grant_type,
}));
for (const event of ['grant.error', 'authorization.error', 'revocation.error',
  'introspection.error', 'userinfo.error', 'device_authorization.error', 'end_session.error',
  'server_error']) {
  provider.on(event, (ctx, err) => record({
    event,
    client_id: clientOf(ctx),
    grant_type: ctx?.oidc?.params?.grant_type,
    error: err?.error,
    error_description: err?.error_description,
  }));
}
for (const event of ['authorization.success', 'end_session.success',
  'device_authorization.success']) {
  provider.on(event, (ctx) => record({ event, client_id: clientOf(ctx) }));
}
provider.on('grant.revoked', (ctx, grantId) => record({
  event: 'grant.revoked', client_id: clientOf(ctx), grant_id: grantId,
}));
for (const kind of ['access_token', 'refresh_token', 'authorization_code', 'device_code',
  'client_credentials']) {
  for (const what of ['saved', 'destroyed', 'consumed']) {
    provider.on(`${kind}.${what}`, (model) => record({
      event: `${kind}.${what}`, client_id: model.clientId, grant_id: model.grantId,
    }));
  }
}
provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route === 'revocation' && ctx.status === 200) {
    record({ event: 'revocation.success', client_id: clientOf(ctx) });
  }
});

// slow_down for the first device_slow_down polls of each device code, recorded as a grant.error
// event like the provider's own authorization_pending. Only with the option: otherwise the token
// endpoint's body is left to oidc-provider.
const slowDown = Number(opt('device_slow_down', 0));
const slowedDown = new Map(); // device code → slow_down answers so far
if (slowDown > 0) {
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/token'
      || !ctx.is('application/x-www-form-urlencoded')) {
      await next();
      return;
    }
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString();
    ctx.request.body = raw; // oidc-provider reads an already-read body from here
    const params = new URLSearchParams(raw);
    const code = params.get('device_code');
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:device_code' || !code) {
      await next();
      return;
    }
    const answered = slowedDown.get(code) ?? 0;
    if (answered >= slowDown) {
      await next();
      return;
    }
    slowedDown.set(code, answered + 1);
    const basic = (ctx.get('authorization') || '').match(/^Basic (.+)$/i);
    const clientId = basic
      ? decodeURIComponent(Buffer.from(basic[1], 'base64').toString().split(':')[0])
      : params.get('client_id');
    record({
      event: 'grant.error', client_id: clientId, grant_type: params.get('grant_type'),
      error: 'slow_down',
    });
    ctx.status = 400;
    ctx.body = { error: 'slow_down', error_description: 'you are polling too quickly' };
  });
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
