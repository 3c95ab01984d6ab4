import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import {
  BASE_URL, SOLO, assertOnlyRefusals, launch, openPage, seriousViolations, shot, signIn,
  waitForHydration, phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const dealNames = (page) => page.locator('table.deals tbody td:first-child a').allTextContents();

test('the deals table filters by priority and sorts by amount; a saved view brings the filters back', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/deals`);
  await waitForHydration(page);
  const all = await dealNames(page);
  assert.ok(all.length >= 10, `demo deals listed: ${all.length}`);
  await page.selectOption('#priority', 'critical');
  await page.selectOption('#sort', 'amount');
  await Promise.all([page.waitForURL(/priority=critical/), page.click('form[role="search"] button')]);
  await waitForHydration(page);
  const critical = await page.locator('table.deals tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.cells[6].textContent, Number(r.cells[3].textContent.replace(/[^0-9.]/g, ''))]));
  assert.ok(critical.length > 0 && critical.length < all.length, `${critical.length} of ${all.length}`);
  assert.ok(critical.every(([p]) => p === 'critical'), JSON.stringify(critical));
  const amounts = critical.map(([, a]) => a);
  assert.deepEqual(amounts, [...amounts].sort((x, y) => y - x), 'largest first');

  await page.fill('#view-name', 'Critical by size');
  await page.click('.save-view button[type="submit"]');
  const saved = page.locator('.saved-views a', { hasText: 'Critical by size' });
  await saved.waitFor();
  assert.equal(await saved.getAttribute('href'), '/deals?priority=critical&sort=amount');
  await page.goto(`${BASE_URL}/deals`);
  await waitForHydration(page);
  await page.locator('.saved-views a', { hasText: 'Critical by size' }).click();
  await page.waitForURL(/\/deals\?priority=critical&sort=amount$/);
  await waitForHydration(page);
  // The table keeps showing the last page until the new one has loaded.
  await page.waitForFunction(() => document.querySelector('#priority')?.value === 'critical');
  assert.deepEqual((await page.locator('table.deals tbody tr').count()), critical.length);
  await shot(page, 'deals-table');
  assert.deepEqual(await seriousViolations(page), []);
  // Its author deletes it.
  await page.click('button[aria-label="Delete view Critical by size"]');
  await page.locator('.saved-views a', { hasText: 'Critical by size' }).waitFor({ state: 'detached' });
  assertOnlyRefusals(problems, 0);
});

test('the export downloads what the filters show, as CSV', async () => {
  const { context, page } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/companies?q=meridian`);
  await waitForHydration(page);
  const shown = await page.locator('table.companies tbody td:first-child a').allTextContents();
  assert.ok(shown.length > 0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a:has-text("Export CSV")'),
  ]);
  assert.match(download.suggestedFilename(), /^companies-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await fs.readFile(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  assert.match(lines[0], /^id,name,domain,/);
  assert.equal(lines.length - 1, shown.length, csv);
  for (const name of shown) assert.ok(csv.includes(name), name);
  await context.close();
});

test('Ctrl-K opens the palette: a typo finds the record, arrows move, Enter opens it', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts`);
  await waitForHydration(page);
  await page.keyboard.press('Control+k');
  await page.locator('#palette-input').waitFor();
  // Focus lands in the box as it opens (the box's code may still be on its way).
  await page.waitForFunction(() => document.activeElement?.id === 'palette-input', null, { timeout: 5000 });
  // The whole query in one input event: typed letter by letter, an answer
  // to the first letters could be read just as the last one cleared it.
  await page.fill('#palette-input', 'volta energi');
  const options = page.locator('#palette-results [role="option"]');
  await options.first().waitFor();
  const texts = await options.allTextContents();
  assert.ok(texts.some((t) => t.includes('Volta Energy')), texts.join(' | '));
  assert.equal(await options.first().getAttribute('aria-selected'), 'true');
  await shot(page, 'palette');
  assert.deepEqual(await seriousViolations(page), []);
  // Walk to the company hit and open it with the keyboard alone.
  const target = texts.findIndex((t) => t.startsWith('Company') && t.includes('Volta Energy'));
  for (let i = 0; i < target; i += 1) await page.keyboard.press('ArrowDown');
  assert.equal(await options.nth(target).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/companies\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  assert.equal(await page.textContent('main h1'), 'Volta Energy');
  assert.equal(await page.locator('#palette-input').count(), 0, 'closed after opening');
  // Escape closes it wherever the focus is: here, before or after the
  // focus reaches the box, it is taken away first.
  await page.keyboard.press('Control+k');
  await page.locator('#palette-input').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'palette-input', null, { timeout: 5000 });
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Escape');
  await page.locator('#palette-input').waitFor({ state: 'detached', timeout: 5000 });
  assertOnlyRefusals(problems, 0);
});

test('tables and search work with JavaScript off on a phone, and never show another client', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/deals`);
  assert.ok((await dealNames(page)).length > 0, 'deals drawn on the server');
  await page.selectOption('#priority', 'low');
  await Promise.all([page.waitForURL(/priority=low/), page.click('form[role="search"] button')]);
  const low = await page.locator('table.deals tbody tr').count();
  assert.ok(low > 0);
  await assertFitsPhone(page);
  await shot(page, 'deals-375-nojs');
  await page.fill('#view-name', 'Low, no script');
  await page.click('.save-view button[type="submit"]');
  // Posted without JavaScript, answered with a redirect back to the table.
  const view = page.locator('.saved-views a', { hasText: 'Low, no script' });
  await view.waitFor();
  assert.equal(await view.getAttribute('href'), '/deals?priority=low');
  await page.goto(`${BASE_URL}/companies`);
  assert.ok(await page.locator('table.companies tbody tr').count() > 0);
  await assertFitsPhone(page);
  await page.click('a.search-link');
  await page.waitForURL(/\/search$/);
  await page.fill('#search-q', 'meridan');
  await Promise.all([page.waitForURL(/\/search\?q=meridan/), page.click('form[role="search"] button')]);
  const hits = await page.locator('.search-results li').allTextContents();
  assert.ok(hits.some((h) => h.includes('Meridian Health')), hits.join(' | '));
  await assertFitsPhone(page);
  await shot(page, 'search-375-nojs');
  await context.close();

  // Another client's person searching the same finds none of BezelIQ's.
  const solo = await phoneWithoutScript(browser, SOLO);
  await solo.page.goto(`${BASE_URL}/search?q=meridian`);
  assert.equal(await solo.page.locator('.search-results li').count(), 0);
  await solo.page.goto(`${BASE_URL}/deals?q=meridian`);
  assert.equal(await solo.page.locator('table.deals tbody tr').count(), 0);
  await solo.context.close();
});
