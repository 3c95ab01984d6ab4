import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, waitForHydration, shot, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the Arlo page's database check reads the database through a server function", async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, undefined, '/arlo');
  assert.equal(await page.textContent('#db-status'), 'Not checked yet.');
  await page.click('#check-db');
  await page.waitForFunction(() => document.querySelector('#db-status').textContent.startsWith('Connected'));
  assert.match(await page.textContent('#db-status'), /^Connected to PostgreSQL \d+.*, schema version \d+\.$/);
  await shot(page, 'database-check');
  assert.deepEqual(problems, []);
});

test('an unknown address answers 404 with a page', async () => {
  const { page } = await openPage(browser);
  await signIn(page);
  const res = await page.goto(`${BASE_URL}/no/such/page`);
  assert.equal(res.status(), 404);
  assert.equal(await page.textContent('main h1'), 'Not found');
});
