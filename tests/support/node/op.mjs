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
//   require_par                every client must push its authorization requests (RFC 9126;
//                              global requirePushedAuthorizationRequests; default false)
//   par_ttl                    seconds a pushed request's request_uri lives (default 60, the
//                              provider's own)
//   clients                    extra client metadata objects
//   jwt_key_client_jwks        a JWKS of public keys: registers jwt-key-client with it
//   client_overrides           { client_id: { metadata merged into that client } }, e.g.
//                              backchannel_logout_uri and backchannel_logout_session_required
//                              (back-channel logout is on; a client without the URI gets none)
//   dpop                       DPoP (RFC 9449) on: discovery advertises ES256, EdDSA and PS256
//                              proofs, nonces are issued (default false: the feature is off and
//                              discovery says nothing about DPoP)
//
// Clients (every confidential secret is "<name>-secret" unless said otherwise):
//   conf-client        client_secret_basic, ID tokens RS256, every grant
//   conf-client-PS256, conf-client-ES256, conf-client-EdDSA   the same, ID tokens in that alg
//   post-client        client_secret_post
//   special-client     client_secret_basic with the secret "p@ss w:rd+%&/" (RFC 6749 §2.3.1)
//   public-client      none (public), application_type native, redirect http://127.0.0.1/callback
//                      (any loopback port, RFC 8252 §7.3)
//   jwt-secret-client  client_secret_jwt (HS256 assertions under "jwt-secret-client-secret")
//   jwt-key-client     private_key_jwt, only when options.jwt_key_client_jwks gives its public
//                      keys (the test holds the private key); no secret
//   dpop-client        as conf-client, and dpop_bound_access_tokens: every token request needs a
//                      DPoP proof (with option dpop)
//   dpop-nonce-client  as dpop-client, and every proof needs a nonce (use_dpop_nonce first); with
//                      option dpop the userinfo endpoint asks every DPoP request for a nonce too
//   par-client         as conf-client, with require_pushed_authorization_requests (RFC 9126 §6):
//                      its authorization requests must come through the PAR endpoint
//
// Pushed authorization requests are enabled (as by default) for every client; only par-client,
// or every client with require_par, must use them.
//
// Events: every provider event of interest is appended to FILE as one JSON line
// {"event": ..., "client_id": ..., "grant_type": ..., "error": ..., ...}; never a token.
// "revocation.success" is written when the revocation endpoint answered 200;
// "backchannel.success" / "backchannel.error" after each back-channel logout call.
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
// A client that authenticates with its key alone has no secret.
const withoutSecret = ({ client_secret: _unused, ...metadata }) => metadata;
let clients = [
  confidential('conf-client'),
  confidential('conf-client-PS256', { id_token_signed_response_alg: 'PS256' }),
  confidential('conf-client-ES256', { id_token_signed_response_alg: 'ES256' }),
  confidential('conf-client-EdDSA', { id_token_signed_response_alg: 'EdDSA' }),
  confidential('post-client', { token_endpoint_auth_method: 'client_secret_post' }),
  confidential('special-client', { client_secret: 'p@ss w:rd+%&/' }),
  confidential('dpop-client', { dpop_bound_access_tokens: true }),
  confidential('dpop-nonce-client', { dpop_bound_access_tokens: true }),
  confidential('par-client', { require_pushed_authorization_requests: true }),
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
  confidential('jwt-secret-client', { token_endpoint_auth_method: 'client_secret_jwt' }),
  ...(options.jwt_key_client_jwks ? [withoutSecret(confidential('jwt-key-client', {
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: options.jwt_key_client_jwks,
  }))] : []),
  ...opt('clients', []),
];
const overrides = opt('client_overrides', {});
clients = clients.map((c) => ({ ...c, ...(overrides[c.client_id] || {}) }));

function record(entry) {
  if (!eventsFile) return;
  appendFileSync(eventsFile, `${JSON.stringify({ time: Date.now(), ...entry })}\n`);
}

const rotate = opt('rotate_refresh_token', true);
const dpop = opt('dpop', false);
// The userinfo endpoint does not know the client before the proof is checked: it asks every
// DPoP request for a nonce, so that the nonce challenge of a resource (RFC 9449 §9) is tested.
const requireDpopNonce = (ctx) => ctx.oidc?.route === 'userinfo'
  || ctx.oidc?.client?.clientId === 'dpop-nonce-client';
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
    backchannelLogout: { enabled: true },
    claimsParameter: { enabled: true },
    resourceIndicators: { enabled: false },
    dPoP: dpop
      ? { enabled: true, nonceSecret: Buffer.alloc(32, 'authflow-dpop-nonce-secret'),
        requireNonce: requireDpopNonce }
      : { enabled: false },
    pushedAuthorizationRequests: {
      enabled: true,
      requirePushedAuthorizationRequests: opt('require_par', false),
    },
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
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    dPoPSigningAlgValues: ['ES256', 'EdDSA', 'PS256'],
  },
  cookies: { keys: ['authflow-test-cookie-key'] },
  // The apps under test listen on 127.0.0.1: without this, oidc-provider's SSRF guard refuses
  // its own back-channel logout calls to loopback addresses.
  fetch: (url, fetchOptions) => {
    const { dispatcher, ...rest } = fetchOptions;
    return globalThis.fetch(url, rest);
  },
});

const clientOf = (ctx) => ctx?.oidc?.client?.clientId ?? ctx?.oidc?.params?.client_id;
provider.on('grant.success', (ctx) => record({
  event: 'grant.success', client_id: clientOf(ctx), grant_type: ctx.oidc.params.grant_type,
}));
for (const event of ['grant.error', 'authorization.error', 'pushed_authorization_request.error', 'revocation.error',
  'introspection.error', 'userinfo.error', 'device_authorization.error', 'end_session.error',
  'server_error']) {
  provider.on(event, (ctx, err) => record({
    event,
    client_id: clientOf(ctx),
    grant_type: ctx?.oidc?.params?.grant_type,
    error: err?.error,
    error_description: err?.error_description,
    error_detail: err?.error_detail,
  }));
}
for (const event of ['authorization.success', 'end_session.success',
  'device_authorization.success', 'pushed_authorization_request.success']) {
  provider.on(event, (ctx) => record({ event, client_id: clientOf(ctx) }));
}
provider.on('backchannel.success', (ctx, client) => record({
  event: 'backchannel.success', client_id: client.clientId,
}));
provider.on('backchannel.error', (ctx, err, client) => record({
  event: 'backchannel.error', client_id: client.clientId, error: String(err?.message ?? err),
}));
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
// par_ttl: a shorter life for pushed requests (the provider's own is a fixed 60 s), said in the
// answer's expires_in as well.
const parTtl = opt('par_ttl', undefined);
if (parTtl !== undefined) {
  const { PushedAuthorizationRequest } = provider;
  const save = PushedAuthorizationRequest.prototype.save;
  PushedAuthorizationRequest.prototype.save = function saveWithTtl() {
    return save.call(this, parTtl);
  };
  provider.on('pushed_authorization_request.success', (ctx) => {
    ctx.body.expires_in = parTtl;
  });
}
provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route === 'revocation' && ctx.status === 200) {
    record({ event: 'revocation.success', client_id: clientOf(ctx) });
  }
  // Fetches of the discovery document and the key set (what a client may keep between runs).
  if (ctx.oidc?.route === 'discovery') {
    record({ event: 'discovery.request' });
  } else if (ctx.oidc?.route === 'jwks') {
    record({ event: 'jwks.request' });
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
