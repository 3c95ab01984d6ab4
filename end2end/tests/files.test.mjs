import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, SOLO, assertOnlyRefusals, launch, openPage, seriousViolations, shot, signIn, waitForHydration, phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('a file uploaded on a company page is listed, previewed and downloaded; not by another client', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/companies`);
  await page.locator('table.companies tbody a').first().click();
  await page.waitForSelector('#file');
  await waitForHydration(page);
  const company = page.url();
  await page.setInputFiles('#file', { name: 'org chart.png', mimeType: 'application/x-msdownload', buffer: PNG });
  await Promise.all([page.waitForURL(company), page.click('#upload')]);
  await waitForHydration(page);
  const row = page.locator('li.file', { hasText: 'org chart.png' });
  await row.waitFor();
  assert.match(await row.locator('.file-meta').textContent(), /^\d+ B · .+ · \d{4}-\d{2}-\d{2}$/);
  const img = row.locator('img.preview');
  await img.waitFor();
  assert.equal(await img.evaluate((el) => el.naturalWidth), 1, 'the preview loads');
  const href = await row.locator('a.file-name').getAttribute('href');
  const res = await page.request.get(`${BASE_URL}${href}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'image/png');
  assert.deepEqual(Buffer.from(await res.body()), PNG);
  assert.deepEqual(await seriousViolations(page), []);
  await shot(page, 'files');
  assertOnlyRefusals(problems, 0);
  // A member of another client asks for it by its address: 404.
  const solo = await openPage(browser);
  await signIn(solo.page, SOLO);
  const theirs = await solo.page.request.get(`${BASE_URL}${href}`);
  assert.equal(theirs.status(), 404);
});

test('uploading works with JavaScript off at 375 px, and a refusal is shown', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/contacts`);
  await page.locator('table.contacts tbody a').first().click();
  const contact = page.url();
  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('call notes') });
  await Promise.all([page.waitForURL(contact), page.click('#upload')]);
  await page.locator('li.file', { hasText: 'notes.txt' }).waitFor();
  await page.setInputFiles('#file', { name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
  await Promise.all([page.waitForURL(/upload_error=/), page.click('#upload')]);
  assert.match(await page.textContent('#upload-error'), /choose a file first/);
  await assertFitsPhone(page);
  await shot(page, 'files-375-nojs');
  await context.close();
});
