// Signs in to a protected URL in headless Chromium (Debian's /usr/bin/chromium, playwright-core)
// through the development OpenID Provider (demo/op.mjs): the app redirects to the provider, its
// sign-in and consent pages are filled in, the provider sends the browser back, the protected
// page shows exactly EXPECTED_TEXT. Prints the Cookie header the browser then sends to the app (for wrk) on stdout.
//
//   node bench/compare/signin.mjs PROTECTED_URL EXPECTED_TEXT --cookie NAME [--user NAME]
//                                 [--password PW]
//
// --cookie names the app's session cookie: the provider on the same host (another port) sets
// cookies that browsers would also send to the app, and they are left out.
// Environment: AUTHFLOW_CHROMIUM (default /usr/bin/chromium).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = createRequire(join(root, 'tests/support/node/package.json'))('playwright-core');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const [url, expected] = args;
const cookieName = option('cookie', '');
if (!url || !expected || !cookieName || url.startsWith('--') || expected.startsWith('--')) {
  console.error('usage: node bench/compare/signin.mjs PROTECTED_URL EXPECTED_TEXT --cookie NAME '
    + '[--user NAME] [--password PW]');
  process.exit(2);
}
const appOrigin = new URL(url).origin;
const profile = mkdtempSync(join(tmpdir(), 'authflow-compare-'));
let context;
let status = 0;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.AUTHFLOW_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort());
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  if (new URL(page.url()).origin === appOrigin) {
    throw new Error(`${url} did not redirect to the provider (at ${page.url()})`);
  }
  await page.waitForSelector('input[name=login]', { timeout: 10000 });
  await page.fill('input[name=login]', option('user', 'demo'));
  await page.fill('input[name=password]', option('password', 'demo-password'));
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  if (new URL(page.url()).origin !== appOrigin) {
    await page.waitForSelector('button[type=submit]', { timeout: 10000 });
    await Promise.all([
      page.waitForURL((u) => u.origin === appOrigin, { waitUntil: 'load', timeout: 15000 }),
      page.click('button[type=submit]'),
    ]);
  }
  if (new URL(page.url()).pathname !== new URL(url).pathname) {
    await page.goto(url, { waitUntil: 'load' });
  }
  const body = ((await page.textContent('body')) ?? '').trim();
  if (body !== expected) {
    throw new Error(`the protected page does not show "${expected}" (at ${page.url()}: ${body.slice(0, 200)})`);
  }
  const all = await context.cookies(url);
  const cookies = all.filter((c) => c.name.startsWith(cookieName));
  if (cookies.length === 0) {
    throw new Error(`the browser holds no ${cookieName} cookie (only ${all.map((c) => c.name).join(', ')})`);
  }
  process.stdout.write(`${cookies.map((c) => `${c.name}=${c.value}`).join('; ')}\n`);
} catch (error) {
  console.error(`signin failed: ${error.message}`);
  status = 1;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
