#!/usr/bin/env node
// A user of an app behind `authflow serve --upstream`, in headless Chromium (Debian's
// /usr/bin/chromium, playwright-core): opens a page of the app, is sent to sign in at the local
// oidc-provider, signs in and consents, and comes back to that page through the proxy.
//
//   proxy_signin.mjs PAGE_URL ARTIFACTS_DIR [--user NAME] [--cookie NAME]
//
// Writes ARTIFACTS_DIR/report.json: {ok, first_url (where the app first sent the browser),
// final_url, body (the page's text), cookie (the Cookie header for the app's origin holding the
// cookie named by --cookie, default authflow_session), error} and the screenshots
// provider-login.png, provider-consent.png and app-page.png. Exits 0 when it came back to
// PAGE_URL, 1 otherwise. Requests to anything but 127.0.0.1 are blocked.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const [pageUrl, dir] = args;
const cookieName = option('cookie', 'authflow_session');
mkdirSync(dir, { recursive: true });
const report = { ok: false };
const profile = mkdtempSync(join(tmpdir(), 'authflow-proxy-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.AUTHFLOW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 800, height: 700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort());
  const page = context.pages()[0] ?? await context.newPage();
  const appOrigin = new URL(pageUrl).origin;
  const first = await page.goto(pageUrl, { waitUntil: 'load' });
  report.first_url = first?.request().redirectedFrom()?.redirectedTo()?.url() ?? page.url();
  await page.waitForSelector('input[name=login]', { timeout: 15000 });
  await page.fill('input[name=login]', option('user', 'alice'));
  await page.fill('input[name=password]', 'any');
  await page.screenshot({ path: join(dir, 'provider-login.png') });
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  await page.waitForSelector('button[type=submit]', { timeout: 15000 });
  await page.screenshot({ path: join(dir, 'provider-consent.png') });
  await Promise.all([
    page.waitForURL((u) => u.origin === appOrigin, { waitUntil: 'load', timeout: 15000 }),
    page.click('button[type=submit]'),
  ]);
  await page.screenshot({ path: join(dir, 'app-page.png') });
  report.final_url = page.url();
  report.body = ((await page.textContent('body')) ?? '').trim();
  const cookies = (await context.cookies(pageUrl)).filter((c) => c.name === cookieName);
  report.cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  report.ok = report.final_url === pageUrl && report.cookie !== '';
} catch (error) {
  report.error = error.message;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
