import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, launch, openPage, seriousViolations, shot, signIn, waitForHydration,
  phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const stamp = Date.now();
const csv = [
  'Full name,E-mail,Company,Notes column',
  `Imogen Importer${stamp},imogen${stamp}@importco.example,ImportCo ${stamp},x`,
  `Broken Row${stamp},not-an-email,,y`,
  `Ian Importer${stamp},ian${stamp}@importco.example,ImportCo ${stamp},z`,
].join('\n');

test('an import with a bad line reports it, dry run first, and imports the rest', async () => {
  const { page } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/import`);
  await waitForHydration(page);
  assert.deepEqual(await seriousViolations(page), []);
  await page.selectOption('#import-kind', 'contacts');
  await page.setInputFiles('#import-file', { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('#import-upload');
  await page.waitForURL(/\/import\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  // The columns are guessed; the unknown one is ignored until a person says.
  assert.equal(await page.inputValue('#column-0'), 'full_name');
  assert.equal(await page.inputValue('#column-1'), 'email');
  assert.equal(await page.inputValue('#column-2'), 'company_name');
  assert.equal(await page.inputValue('#column-3'), '');
  await shot(page, 'import-columns');
  assert.deepEqual(await seriousViolations(page), []);
  await page.click('#dry-run');
  await page.locator('#import-summary', { hasText: 'Would create 2' }).waitFor({ timeout: 30000 });
  assert.match(await page.textContent('#import-summary'), /1 skipped/);
  assert.match(await page.textContent('tr[data-line="3"]'), /not-an-email/);
  // The dry run kept nothing.
  const probe = await page.context().newPage();
  await probe.goto(`${BASE_URL}/contacts?q=Importer${stamp}`);
  assert.equal(await probe.locator('table.contacts tbody tr').count(), 0);
  await probe.close();
  await page.click('#run-import');
  await page.locator('#import-summary', { hasText: 'Created 2' }).waitFor({ timeout: 30000 });
  assert.match(await page.textContent('tr[data-line="3"]'), /skipped/);
  await shot(page, 'import-report');
  assert.deepEqual(await seriousViolations(page), []);
  // The imported people are contacts of the new company.
  await page.goto(`${BASE_URL}/contacts?q=Importer${stamp}`);
  assert.equal(await page.locator('table.contacts tbody tr').count(), 2);
  assert.match(await page.textContent('table.contacts'), new RegExp(`ImportCo ${stamp}`));
});

test('the import pages work without JavaScript on a phone', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/import`);
  assert.ok(await page.locator('#import-upload').isVisible());
  await assertFitsPhone(page);
  const first = page.locator('ul.import-list a').first();
  await first.click();
  await page.waitForURL(/\/import\/[0-9a-f-]{36}$/);
  assert.match(await page.textContent('#import-status'), /contacts/);
  await assertFitsPhone(page);
  await shot(page, 'import-375-nojs');
  await context.close();
});
