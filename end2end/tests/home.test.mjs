import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, waitForHydration, shot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the cockpit hydrates and its button reads the database through a server function', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${BASE_URL}/`);
  await waitForHydration(page);
  assert.equal(await page.textContent('#db-status'), 'Not checked yet.');
  await page.click('#check-db');
  await page.waitForFunction(() => document.querySelector('#db-status').textContent.startsWith('Connected'));
  const status = await page.textContent('#db-status');
  assert.match(status, /^Connected to PostgreSQL \d+[\d.]*.*, schema version \d+\.$/);
  await shot(page, 'home');
  assert.deepEqual(problems, []);
});

test('the page is server-rendered: it shows without JavaScript', async () => {
  const { page } = await openPage(browser, { javaScript: false });
  const res = await page.goto(`${BASE_URL}/`);
  assert.equal(res.status(), 200);
  assert.equal(await page.textContent('h1'), 'Cockpit');
});

test('an unknown address answers 404 with a page', async () => {
  const { page } = await openPage(browser, { javaScript: false });
  const res = await page.goto(`${BASE_URL}/no/such/page`);
  assert.equal(res.status(), 404);
  assert.equal(await page.textContent('h1'), 'Not found');
});
