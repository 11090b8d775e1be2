#!/usr/bin/env node
// A stand-in for the user and their browser in authflow's end-to-end tests. Set $BROWSER to this
// file: `authflow login` runs it with the authorization URL as its only argument, and it does
// what a person would do, over plain HTTP with a cookie jar: it opens the URL at the local
// oidc-provider (tests/support/node/op.mjs), signs in and consents through the provider's own
// pages, and follows the provider's redirect to authflow's loopback callback server.
//
//   browser_user.mjs URL
//
// Environment:
//   AUTHFLOW_TEST_BROWSER_DIR     where it writes `url` (the URL it was given, written first, so a
//                                 test knows the sign-in is waiting), `log` (one line per step) and
//                                 `done` (last: "ok" or "error: ...")
//   AUTHFLOW_TEST_BROWSER_ACTION  approve (default): sign in and consent;
//                                 deny: sign in, then cancel at the consent page (the provider
//                                 answers error=access_denied);
//                                 wrong-state-first: before the real redirect, send the callback
//                                 server the same response with another state, and a request for
//                                 /favicon.ico, as a local attacker or a stray tab would;
//                                 none: only record the URL (timeout and cancel tests)
//   AUTHFLOW_TEST_BROWSER_LOGIN   the account to sign in as (default alice; any name works)
//
// It always exits with status 0 (a browser that started), so that authflow does not fall back to
// other openers; failures are written to `log` and `done`. Never prints a code or token.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';

const url = process.argv[2] ?? '';
const dir = process.env.AUTHFLOW_TEST_BROWSER_DIR ?? '';
const action = process.env.AUTHFLOW_TEST_BROWSER_ACTION ?? 'approve';
const login = process.env.AUTHFLOW_TEST_BROWSER_LOGIN ?? 'alice';

function writeAtomically(name, text) {
  if (!dir) return;
  writeFileSync(`${dir}/${name}.tmp`, text);
  renameSync(`${dir}/${name}.tmp`, `${dir}/${name}`);
}
function note(line) {
  if (dir) appendFileSync(`${dir}/log`, `${line}\n`);
}

// Cookies by name and path, sent back on requests whose path they match (RFC 6265 §5.1.4).
// oidc-provider scopes its interaction cookies to /interaction/<uid> and /auth/<uid>.
const jar = new Map();
function storeCookies(requestUrl, response) {
  const requestPath = new URL(requestUrl).pathname;
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = requestPath.slice(0, Math.max(requestPath.lastIndexOf('/'), 1));
    let expired = false;
    for (const attribute of attributes) {
      const [key, val = ''] = attribute.split('=');
      if (key.trim().toLowerCase() === 'path' && val.trim().startsWith('/')) path = val.trim();
      if (key.trim().toLowerCase() === 'expires' && Date.parse(val) < Date.now()) expired = true;
      if (key.trim().toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
    }
    const key = `${name}\n${path}`;
    if (expired || value === '') jar.delete(key);
    else jar.set(key, { name, value, path });
  }
}
function cookieHeader(requestUrl) {
  const path = new URL(requestUrl).pathname;
  const matches = [...jar.values()]
    .filter((c) => path === c.path || (path.startsWith(c.path)
      && (c.path.endsWith('/') || path[c.path.length] === '/')))
    .sort((a, b) => b.path.length - a.path.length);
  return matches.map((c) => `${c.name}=${c.value}`).join('; ');
}

async function request(method, target, form) {
  const headers = { 'user-agent': 'authflow-test-browser' };
  const cookies = cookieHeader(target);
  if (cookies) headers.cookie = cookies;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const response = await fetch(target, { method, headers, body, redirect: 'manual' });
  storeCookies(target, response);
  return response;
}

// The first POST form of a page: its action and its fields (a scanner for oidc-provider's
// development pages, not a general HTML parser).
function postForm(html, base) {
  const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = match[1];
    if (!/method="post"/i.test(attributes)) continue;
    const action = unescape((attributes.match(/action="([^"]*)"/i) ?? [])[1] ?? '');
    const fields = {};
    for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
      const name = (input[1].match(/name="([^"]*)"/i) ?? [])[1];
      const value = (input[1].match(/value="([^"]*)"/i) ?? [])[1] ?? '';
      if (name) fields[unescape(name)] = unescape(value);
    }
    return { action: new URL(action || base, base).toString(), fields };
  }
  return null;
}

// Follows the provider's pages until it redirects to the loopback callback; returns that URL.
async function signIn(start) {
  const loopback = (u) => {
    const host = new URL(u).hostname;
    return (host === '127.0.0.1' || host === '[::1]' || host === 'localhost')
      && new URL(u).origin !== new URL(start).origin;
  };
  let target = start;
  let response = await request('GET', target);
  for (let step = 0; step < 40; step += 1) {
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location'), target).toString();
      if (loopback(next)) return next;
      target = next;
      note(`GET ${new URL(target).pathname}`);
      response = await request('GET', target);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) {
      throw new Error(`provider answered HTTP ${response.status} at ${new URL(target).pathname}`);
    }
    const form = postForm(html, target);
    if (!form) throw new Error(`no form at ${new URL(target).pathname}`);
    if (form.fields.prompt === 'login') {
      form.fields.login = login;
      form.fields.password = 'any';
      note('sign in');
    } else if (form.fields.prompt === 'consent') {
      if (action === 'deny') {
        note('deny consent');
        target = `${form.action}/abort`;
        response = await request('GET', target);
        continue;
      }
      note('consent');
    }
    target = form.action;
    response = await request('POST', target, form.fields);
  }
  throw new Error('the provider pages did not lead to the redirect');
}

async function visitCallback(callback, label) {
  const response = await request('GET', callback);
  const page = await response.text();
  const title = (page.match(/<title>([^<]*)<\/title>/i) ?? [])[1] ?? '';
  note(`${label} ${response.status} ${title}`);
  return response.status;
}

async function main() {
  writeAtomically('url', url);
  note('opened');
  if (action === 'none') return;
  const callback = await signIn(url);
  const params = new URL(callback).searchParams;
  note(`redirect ${params.has('code') ? 'code' : ''}${params.has('error') ? `error=${params.get('error')}` : ''}`);
  if (action === 'wrong-state-first') {
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state-of-this-sign-in');
    await visitCallback(forged.toString(), 'callback-wrong-state');
    await visitCallback(new URL('/favicon.ico', callback).toString(), 'favicon');
  }
  await visitCallback(callback, 'callback');
}

try {
  await main();
  writeAtomically('done', 'ok');
} catch (error) {
  note(`error: ${error.message}`);
  writeAtomically('done', `error: ${error.message}`);
}
process.exit(0);
