#!/usr/bin/env node
// The user's browser, for real: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) signs in at the local oidc-provider and lands on authflow's loopback success
// page. Set $BROWSER to this file; `authflow login` runs it with the authorization URL.
//
//   chromium_login.mjs URL
//
// Environment:
//   AUTHFLOW_TEST_BROWSER_DIR   where it writes `url` (first), `log`, the screenshots
//                               provider-login.png, provider-consent.png and success-page.png,
//                               and `done` (last: "ok" or "error: ...")
//   AUTHFLOW_TEST_BROWSER_LOGIN the account (default alice)
//   AUTHFLOW_TEST_CHROMIUM      the browser executable (default /usr/bin/chromium)
//
// Requests to anything but 127.0.0.1 are blocked (the provider's page imports a web font).
// Always exits with status 0 (see browser_user.mjs).
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.argv[2] ?? '';
const dir = process.env.AUTHFLOW_TEST_BROWSER_DIR ?? '.';
const login = process.env.AUTHFLOW_TEST_BROWSER_LOGIN ?? 'alice';
const executablePath = process.env.AUTHFLOW_TEST_CHROMIUM ?? '/usr/bin/chromium';

function writeAtomically(name, text) {
  writeFileSync(join(dir, `${name}.tmp`), text);
  renameSync(join(dir, `${name}.tmp`), join(dir, name));
}
function note(line) {
  appendFileSync(join(dir, 'log'), `${line}\n`);
}

async function main() {
  writeAtomically('url', url);
  const started = Date.now();
  const profile = mkdtempSync(join(tmpdir(), 'authflow-chromium-'));
  // playwright passes its own --user-data-dir through launchPersistentContext; a fresh
  // directory per run keeps every run independent of the machine's profile.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 800, height: 700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort());
    const page = context.pages()[0] ?? await context.newPage();
    const callbackOrigin = new URL(new URL(url).searchParams.get('redirect_uri')).origin;
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('input[name=login]');
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', 'any');
    await page.screenshot({ path: join(dir, 'provider-login.png') });
    note('provider login page');
    await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.click('button[type=submit]')]);
    await page.waitForSelector('button[type=submit]');
    await page.screenshot({ path: join(dir, 'provider-consent.png') });
    note('provider consent page');
    await Promise.all([
      page.waitForURL((u) => u.origin === callbackOrigin, { waitUntil: 'load' }),
      page.click('button[type=submit]'),
    ]);
    await page.screenshot({ path: join(dir, 'success-page.png') });
    note(`callback page: ${await page.title()} | ${(await page.textContent('body')).trim().replace(/\s+/g, ' ')}`);
    note(`browser time ${Date.now() - started} ms`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

try {
  await main();
  writeAtomically('done', 'ok');
} catch (error) {
  note(`error: ${error.message}`);
  writeAtomically('done', `error: ${error.message}`);
}
process.exit(0);
