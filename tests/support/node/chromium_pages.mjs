#!/usr/bin/env node
// Every page of the auth routes in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): the sign-in page, a sign-in cancelled at the provider, an expired link, the
// 404 page, the "access denied" page signed out and signed in (after a real sign-in at
// oidc-provider), its sign-out button and the "signed out" page it leads to. Each page is
// screenshotted; report.json holds what the browser saw of each: status, title, heading, text,
// Content-Security-Policy, and every console message (a CSP violation shows there).
//
//   chromium_pages.mjs APP_URL ARTIFACTS_DIR [--user alice] [--issuer URL] [--only-unreachable]
//
// --only-unreachable: the app's provider is down; only the sign-in page and the "provider
// unreachable" page are visited.
// Requests to anything but 127.0.0.1 are blocked. Exits 0 when every visit completed (the
// assertions are the caller's), 1 otherwise.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [appUrl, artifacts] = process.argv.slice(2, 4);
const args = process.argv.slice(4);
const user = args.includes('--user') ? args[args.indexOf('--user') + 1] : 'alice';
const onlyUnreachable = args.includes('--only-unreachable');
// The provider's issuer: a real error response carries it (RFC 9207), and authflow checks it.
const issuer = args.includes('--issuer') ? args[args.indexOf('--issuer') + 1] : '';
const executablePath = process.env.AUTHFLOW_CHROMIUM ?? '/usr/bin/chromium';
const report = { pages: {}, console: [] };

async function visit(page, name, response) {
  const heading = await page.locator('h1').first().textContent().catch(() => '');
  report.pages[name] = {
    url: page.url(),
    status: response ? response.status() : 0,
    title: await page.title(),
    heading: (heading ?? '').trim(),
    text: (await page.textContent('body') ?? '').trim().replace(/\s+/g, ' '),
    csp: response ? (response.headers()['content-security-policy'] ?? '') : '',
    nosniff: response ? (response.headers()['x-content-type-options'] ?? '') : '',
  };
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function goto(page, name, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  await visit(page, name, response);
}

/// The state of a sign-in this browser starts (the pre-login cookie lands in the context).
async function startSignIn(context) {
  const answer = await context.request.get(`${appUrl}/auth/login`, { maxRedirects: 0 });
  return new URL(answer.headers().location).searchParams.get('state');
}

async function run(context) {
  await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort());
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (message) => report.console.push(`${message.type()}: ${message.text()}`));

  await goto(page, 'sign-in', `${appUrl}/auth/sign-in?next=/reports`);
  if (onlyUnreachable) {
    await goto(page, 'provider-unreachable', `${appUrl}/auth/login?next=/reports`);
    return;
  }
  const state = await startSignIn(context);
  await goto(page, 'sign-in-cancelled', `${appUrl}/auth/callback?error=access_denied&` +
    `error_description=${encodeURIComponent('The user said <no>')}&state=${state}` +
    (issuer ? `&iss=${encodeURIComponent(issuer)}` : ''));
  await goto(page, 'sign-in-expired', `${appUrl}/auth/callback?error=access_denied&` +
    `error_description=${encodeURIComponent('Call 555-0100')}&state=forged`);
  await goto(page, 'not-found', `${appUrl}/auth/no-such-page`);
  await goto(page, 'denied-signed-out', `${appUrl}/auth/denied`);

  // A real sign-in at the provider, then the "access denied" page for that session.
  const appOrigin = new URL(appUrl).origin;
  await Promise.all([page.waitForURL((u) => u.origin !== appOrigin, { waitUntil: 'load' }),
    page.goto(`${appUrl}/auth/login`)]);
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  if (new URL(page.url()).origin !== appOrigin) {
    await page.waitForSelector('button[type=submit]');
    await Promise.all([page.waitForURL((u) => u.origin === appOrigin, { waitUntil: 'load' }),
      page.click('button[type=submit]')]);
  }
  await goto(page, 'denied', `${appUrl}/auth/denied`);
  const [signedOut] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }), page.click('#sign-out')]);
  await visit(page, 'signed-out', signedOut);
  report.session_cookie_after_sign_out =
    (await context.cookies(appUrl)).some((c) => c.name === 'authflow_session');
}

const profile = mkdtempSync(join(tmpdir(), 'authflow-chromium-'));
let status = 0;
try {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 800, height: 600 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await run(context);
  } finally {
    await context.close();
  }
} catch (error) {
  report.error = error.message;
  console.error(`chromium_pages: ${error.message}`);
  status = 1;
} finally {
  rmSync(profile, { recursive: true, force: true });
  writeFileSync(join(artifacts, 'report.json'), JSON.stringify(report, null, 2));
}
process.exit(status);
