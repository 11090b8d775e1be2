// Signs in to `authflow serve` the way a person would, in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core): the sign-in page, the provider's own sign-in and
// consent pages, the home page with the user, then "Sign out" and the sign-in page again.
//
//   node demo/check.mjs URL [--user NAME] [--password PASSWORD] [--expect-name NAME]
//                           [--artifacts DIR] [--keep-session] [--provider-logout]
//
//   URL             where `authflow serve` listens, e.g. http://127.0.0.1:8080
//   --expect-name   the name the home page must show in #user-name (default: any, non-empty)
//   --artifacts     keep screenshots there (sign-in-page.png, provider-login.png,
//                   provider-consent.png, home-page.png, signed-out.png) and write report.json
//   --keep-session  stop after the home page and print the session cookie's value on stdout
//                   (for benchmarks); otherwise sign out
//   --provider-logout  the app runs with provider_logout: "Sign out" leads to the provider's
//                   logout page (provider-logout.png), which is confirmed; back at the app, a new
//                   sign-in must ask for the password again (the provider's session ended)
//
// Environment: AUTHFLOW_CHROMIUM (default /usr/bin/chromium).
// Prints one line per step on stderr; exits 0 on success, 1 with "check failed: ..." otherwise.
// report.json holds what the browser saw: the user's name, the pages' titles, and the session
// cookie's attributes (never its value).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const appUrl = args[0] && !args[0].startsWith('--') ? args[0].replace(/\/$/, '') : '';
const login = option('user', 'demo');
const password = option('password', 'demo-password');
const expectName = option('expect-name', '');
const artifacts = option('artifacts', '');
const keepSession = args.includes('--keep-session');
const providerLogout = args.includes('--provider-logout');
const cookieName = option('cookie', 'authflow_session');
const executablePath = process.env.AUTHFLOW_CHROMIUM || '/usr/bin/chromium';
if (!appUrl) {
  console.error('usage: node demo/check.mjs URL [--user NAME] [--password PASSWORD] '
    + '[--expect-name NAME] [--artifacts DIR] [--keep-session]');
  process.exit(2);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromTests = createRequire(join(root, 'tests/support/node/package.json'));
let chromium;
try {
  ({ chromium } = requireFromTests('playwright-core'));
} catch (error) {
  console.error('check failed: playwright-core is missing: run scripts/install-deps.sh '
    + `(npm ci in tests/support/node) (${error.message})`);
  process.exit(1);
}

const report = { steps: [] };
function step(line) {
  report.steps.push(line);
  console.error(`check: ${line}`);
}
async function shot(page, name) {
  if (artifacts) await page.screenshot({ path: join(artifacts, name), fullPage: true });
}
function fail(message) {
  throw new Error(message);
}

async function sessionCookie(context) {
  return (await context.cookies(appUrl)).find((c) => c.name === cookieName);
}

async function run(context) {
  await context.route((target) => target.hostname !== '127.0.0.1', (route) => route.abort());
  const page = context.pages()[0] ?? await context.newPage();
  const appOrigin = new URL(appUrl).origin;

  await page.goto(`${appUrl}/`, { waitUntil: 'load' });
  const signIn = page.locator('#authflow-login-btn');
  if (await signIn.count() !== 1) fail(`no sign-in button at ${appUrl}/ (title "${await page.title()}")`);
  report.sign_in_page_title = await page.title();
  await shot(page, 'sign-in-page.png');
  step(`sign-in page: "${report.sign_in_page_title}"`);

  await Promise.all([page.waitForURL((u) => u.origin !== appOrigin, { waitUntil: 'load' }), signIn.click()]);
  await page.waitForSelector('input[name=login]', { timeout: 10000 })
    .catch(() => fail(`the provider's sign-in page did not show (at ${page.url()})`));
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await shot(page, 'provider-login.png');
  step(`provider sign-in page: ${new URL(page.url()).origin}`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  if (await page.locator('input[name=password]').count() > 0) {
    fail(`the provider refused the sign-in of "${login}" (wrong user or password?)`);
  }
  if (new URL(page.url()).origin !== appOrigin) {
    await page.waitForSelector('button[type=submit]', { timeout: 10000 })
      .catch(() => fail(`no consent page at the provider (at ${page.url()})`));
    await shot(page, 'provider-consent.png');
    step('provider consent page');
    await Promise.all([
      page.waitForURL((u) => u.origin === appOrigin, { waitUntil: 'load', timeout: 15000 }),
      page.click('button[type=submit]'),
    ]).catch(() => fail(`the provider did not send the browser back to ${appOrigin} (at ${page.url()})`));
  }

  const nameBox = page.locator('#user-name');
  if (await nameBox.count() !== 1) {
    const text = ((await page.textContent('body')) ?? '').trim().replace(/\s+/g, ' ').slice(0, 300);
    fail(`no signed-in home page after the provider (at ${page.url()}: ${text})`);
  }
  report.home_page_url = page.url();
  report.user_name = (await nameBox.textContent()).trim();
  report.user_id = ((await page.locator('#user-id').textContent()) ?? '').trim();
  report.roles = ((await page.locator('#roles').textContent()) ?? '').trim();
  report.expires = ((await page.locator('#expires').textContent()) ?? '').trim();
  await shot(page, 'home-page.png');
  step(`home page: signed in as "${report.user_name}" (subject ${report.user_id}, roles ${report.roles})`);
  if (!report.user_name) fail('the home page shows an empty #user-name');
  if (expectName && report.user_name !== expectName) {
    fail(`the home page shows "${report.user_name}", expected "${expectName}"`);
  }

  const cookie = await sessionCookie(context);
  if (!cookie) fail(`the browser holds no ${cookieName} cookie after signing in`);
  report.session_cookie = {
    http_only: cookie.httpOnly,
    same_site: cookie.sameSite,
    path: cookie.path,
    secure: cookie.secure,
    domain: cookie.domain,
    session: cookie.expires === -1,
  };
  report.session_cookie_visible_to_scripts = await page.evaluate(
    (name) => document.cookie.split('; ').some((c) => c.startsWith(`${name}=`)), cookieName);
  if (keepSession) {
    report.kept_session = true;
    return cookie.value;
  }

  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#sign-out')]);
  if (providerLogout) {
    const confirm = page.locator('button[name=logout][value=yes]');
    await confirm.waitFor({ timeout: 10000 })
      .catch(() => fail(`signing out did not lead to the provider's logout page (at ${page.url()})`));
    report.provider_logout_url = page.url().split('?')[0];
    await shot(page, 'provider-logout.png');
    step(`provider logout page: ${new URL(page.url()).origin}`);
    await Promise.all([
      page.waitForURL((u) => u.origin === appOrigin, { waitUntil: 'load', timeout: 15000 }),
      confirm.click(),
    ]).catch(() => fail(`the provider did not send the browser back to ${appOrigin} (at ${page.url()})`));
  }
  if (await page.locator('#authflow-login-btn').count() !== 1) {
    const text = ((await page.textContent('body')) ?? '').trim().replace(/\s+/g, ' ').slice(0, 300);
    fail(`signing out did not return to the sign-in page (at ${page.url()}: ${text})`);
  }
  await shot(page, 'signed-out.png');
  report.signed_out_url = page.url();
  report.session_cookie_after_sign_out = (await sessionCookie(context)) !== undefined;
  // The old page is gone for good: reloading / still shows the sign-in page.
  await page.goto(`${appUrl}/`, { waitUntil: 'load' });
  if (await page.locator('#authflow-login-btn').count() !== 1) fail('after signing out, / is not the sign-in page');
  step('signed out: the sign-in page is back');
  if (providerLogout) {
    // The provider's session is gone too: signing in again asks for the password.
    await Promise.all([page.waitForURL((u) => u.origin !== appOrigin, { waitUntil: 'load' }),
      page.locator('#authflow-login-btn').click()]);
    report.provider_asks_password_again = await page.waitForSelector('input[name=password]',
      { timeout: 10000 }).then(() => true, () => false);
    if (!report.provider_asks_password_again) {
      fail(`after the provider logout, signing in did not ask for the password (at ${page.url()})`);
    }
    step('signing in again asks for the password: the provider session ended');
  }
  return '';
}

let status = 0;
let profile = '';
let context;
try {
  if (artifacts) mkdirSync(artifacts, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'authflow-check-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 900, height: 700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const kept = await run(context);
  report.ok = true;
  if (keepSession) process.stdout.write(`${kept}\n`);
} catch (error) {
  report.ok = false;
  report.error = error.message;
  console.error(`check failed: ${error.message}`);
  status = 1;
} finally {
  if (context) await context.close().catch(() => {});
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (artifacts) writeFileSync(join(artifacts, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
}
process.exit(status);
