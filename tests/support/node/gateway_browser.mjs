#!/usr/bin/env node
// A user in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opening an
// app protected by a web server with authflow's forward authentication: the browser is sent to
// sign in at the local oidc-provider, consents, and comes back to the page it asked for.
//
//   gateway_browser.mjs URL [--user NAME] [--artifacts DIR] [--forge]
//
// --forge sends X-Auth-Request-User/-Email/-Groups of its own on every request (a client forging
// the identity headers). Prints one JSON object on stdout: final_url, status (of the last page
// load), body (the page's text), signed_in_at_provider, and, after a second visit of URL with the
// session, again_status and again_body. Screenshots provider-login.png, provider-consent.png and
// app.png go to DIR. Requests to anything but 127.0.0.1 are blocked. Exit status 1 on failure.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const url = args[0];
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const user = option('--user', 'alice');
const artifacts = option('--artifacts', '');
const forge = args.includes('--forge');
const executablePath = process.env.AUTHFLOW_CHROMIUM ?? '/usr/bin/chromium';
const shot = async (page, name) => {
  if (artifacts) {
    await page.screenshot({ path: join(artifacts, name) });
  }
};

async function main() {
  if (artifacts) {
    mkdirSync(artifacts, { recursive: true });
  }
  const profile = mkdtempSync(join(tmpdir(), 'authflow-gateway-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 800, height: 700 },
    extraHTTPHeaders: forge ? {
      'X-Auth-Request-User': 'forged-admin',
      'X-Auth-Request-Email': 'forged@example.test',
      'X-Auth-Request-Groups': 'admin',
    } : {},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const report = { signed_in_at_provider: false };
  try {
    await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort());
    const page = context.pages()[0] ?? await context.newPage();
    let status = 0;
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
        status = response.status();
      }
    });
    await page.goto(url, { waitUntil: 'load' });
    if (await page.$('input[name=login]')) {
      await page.fill('input[name=login]', user);
      await page.fill('input[name=password]', 'any');
      await shot(page, 'provider-login.png');
      await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
        page.click('button[type=submit]')]);
      await page.waitForSelector('button[type=submit]');
      await shot(page, 'provider-consent.png');
      const appOrigin = new URL(url).origin;
      await Promise.all([
        page.waitForURL((u) => u.origin === appOrigin && !u.pathname.startsWith('/auth/'),
          { waitUntil: 'load' }),
        page.click('button[type=submit]'),
      ]);
      report.signed_in_at_provider = true;
    }
    await shot(page, 'app.png');
    report.final_url = page.url();
    report.status = status;
    report.body = (await page.textContent('body')) ?? '';
    await page.goto(url, { waitUntil: 'load' });
    report.again_status = status;
    report.again_body = (await page.textContent('body')) ?? '';
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`gateway_browser: ${error.message}\n`);
  process.exit(1);
}
