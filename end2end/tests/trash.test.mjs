import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, assertOnlyRefusals, launch, openPage, seriousViolations, shot, signIn, waitForHydration, phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an archived deal waits in the trash and is restored from there', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/pipeline`);
  await waitForHydration(page);
  const href = await page.locator('li.deal a').first().getAttribute('href');
  await page.goto(`${BASE_URL}${href}`);
  await waitForHydration(page);
  const name = await page.textContent('main h1');
  await Promise.all([page.waitForURL(/\/trash$/), page.click(`button[aria-label="Archive ${name}"]`)]);
  await waitForHydration(page);
  const row = page.locator('table.trash tr', { hasText: name });
  await row.waitFor();
  assert.equal(await row.locator('td').first().textContent(), 'Deal');
  assert.deepEqual(await seriousViolations(page), []);
  await shot(page, 'trash');
  const gone = await page.request.get(`${BASE_URL}${href}`);
  assert.equal(gone.status(), 404, 'an archived deal has no page');
  await row.locator('button', { hasText: 'Restore' }).click();
  await row.waitFor({ state: 'detached' });
  await page.goto(`${BASE_URL}${href}`);
  await waitForHydration(page);
  assert.equal(await page.textContent('main h1'), name);
  assertOnlyRefusals(problems, 0);
});

test('a to-do archived from its list is restorable, with JavaScript off at 375 px', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/todos`);
  await page.fill('#todo-title', 'Throw this one away');
  await Promise.all([page.waitForURL(/\/todos\??$/), page.click('#add-todo')]);
  await Promise.all([
    page.waitForURL(/\/todos\??$/),
    page.click('button[aria-label="Archive Throw this one away"]'),
  ]);
  assert.ok(!(await page.locator('.todo-title').allTextContents()).includes('Throw this one away'));
  await page.goto(`${BASE_URL}/trash`);
  const row = page.locator('table.trash tr', { hasText: 'Throw this one away' });
  assert.equal(await row.locator('td').first().textContent(), 'To-do');
  await assertFitsPhone(page);
  await Promise.all([page.waitForURL(/\/trash\??$/), row.locator('button').click()]);
  await page.goto(`${BASE_URL}/todos`);
  assert.ok((await page.locator('.todo-title').allTextContents()).includes('Throw this one away'));
  await context.close();
});
