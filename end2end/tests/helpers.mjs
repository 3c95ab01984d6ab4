// Shared browser-test helpers: Debian's Chromium through playwright-core,
// with the flags this network needs, and a check for console problems.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// A page that records console errors and warnings (hydration mismatches
// are reported there) so tests can assert there were none.
export async function openPage(browser, { javaScript = true, width = 1280 } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport: { width, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  return { context, page, problems };
}

// Every island of the page is running (the `Hydrated` island is the last).
export async function waitForHydration(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
}

export function shot(page, name) {
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export const DEMO = { email: 'founder@redkey.test', password: 'redkey-demo-password' };
export const SOLO = { email: 'solo@harbor.test', password: 'solo-harbor-password' };

// Signs in through the form, as a person would, and lands on Today; then
// opens `then` (the board, where most tests start; null stays on Today).
export async function signIn(page, who = DEMO, then = '/pipeline') {
  await page.goto(`${BASE_URL}/sign-in`);
  await waitForHydration(page);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForURL((u) => new URL(u).pathname === '/'), page.click('#sign-in')]);
  await waitForHydration(page);
  if (then) {
    await page.goto(`${BASE_URL}${then}`);
    await waitForHydration(page);
  }
}

// Signs in and opens the first deal of the board.
export async function openFirstDeal(page, who = DEMO) {
  await signIn(page, who);
  const href = await page.locator('li.deal a').first().getAttribute('href');
  await page.goto(`${BASE_URL}${href}`);
  await waitForHydration(page);
}

// The refusals a test provokes on purpose show in the console as failed
// requests with their status (422 invalid, 409 conflict). Asserts there
// are at most `expected` of them and no other problem at all.
export function assertOnlyRefusals(problems, expected) {
  const refused = problems.filter((p) => /^Failed to load resource: the server responded with a status of 4(22|09) /.test(p));
  if (refused.length > expected) throw new Error(`more refusals than provoked:\n${problems.join('\n')}`);
  const others = problems.filter((p) => !refused.includes(p));
  if (others.length > 0) throw new Error(`console problems:\n${others.join('\n')}`);
}

// axe-core's checks on the page as it stands; the violations of serious or
// critical impact, each as "rule: target, …" for a readable failure.
const AXE = path.join(here, '..', 'node_modules', 'axe-core', 'axe.min.js');
export async function seriousViolations(page) {
  // After a client-side navigation the page's <title> may be set a moment
  // after its body shows (seen once in CI: axe found none): give it that
  // moment. A page that never sets one still fails, below.
  await page.waitForFunction(() => document.title !== '', null, { timeout: 10000 }).catch(() => {});
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: AXE });
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

// The founder, signed in, on a 375 px phone with JavaScript off: every page
// must work as plain HTML there.
export async function phoneWithoutScript(browser, who = DEMO) {
  const js = await openPage(browser);
  await signIn(js.page, who);
  const storageState = await js.context.storageState();
  await js.context.close();
  const context = await browser.newContext({ javaScriptEnabled: false, storageState, viewport: { width: 375, height: 800 } });
  return { context, page: await context.newPage() };
}

// The page fits the phone's width: no sideways scrolling.
export async function assertFitsPhone(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 375) throw new Error(`sideways scrolling at 375 px (${width})`);
}
