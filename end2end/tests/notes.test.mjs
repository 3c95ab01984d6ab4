import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, assertOnlyRefusals, launch, openPage, seriousViolations, shot, signIn, waitForHydration, phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the notes page lists notes newest first, finds them, and links to their records', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  // A note written on a company page appears first on the notes page.
  await page.goto(`${BASE_URL}/companies`);
  await page.locator('table.companies tbody a').first().click();
  await page.waitForSelector('#note-body');
  await waitForHydration(page);
  const company = await page.textContent('main h1');
  await page.fill('#note-body', 'Budget **approved** for the zebra-crossing pilot');
  await page.click('#add-note');
  await page.waitForSelector('.note-body strong');
  await page.click('nav a[href="/notes"]');
  await waitForHydration(page);
  const first = page.locator('ol.notes-list li').first();
  await first.locator('.note-body', { hasText: 'zebra-crossing' }).waitFor();
  assert.equal(await first.locator('a.note-link').textContent(), company);
  await page.fill('#notes-q', 'ZEBRA-crossing');
  await Promise.all([page.waitForURL(/q=ZEBRA/), page.click('form.search button')]);
  await waitForHydration(page);
  await page.locator('ol.notes-list li .note-body', { hasText: 'zebra-crossing' }).waitFor();
  assert.equal(await page.locator('ol.notes-list li').count(), 1);
  await page.fill('#notes-q', 'no-note-says-this');
  await Promise.all([page.waitForURL(/no-note-says-this/), page.click('form.search button')]);
  await page.locator('p.empty', { hasText: 'No notes.' }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await first.page().goto(`${BASE_URL}/notes`);
  await first.locator('a.note-link').click();
  await page.waitForURL(/\/companies\//);
  assertOnlyRefusals(problems, 0);
});

test('the notes page works with JavaScript off on a phone-sized screen', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/notes`);
  assert.ok(await page.locator('ol.notes-list li').count() > 0, 'notes drawn on the server');
  await page.fill('#notes-q', 'zebra');
  await Promise.all([page.waitForURL(/q=zebra/), page.click('form.search button')]);
  assert.ok(await page.locator('ol.notes-list li').count() >= 1);
  await assertFitsPhone(page);
  await shot(page, 'notes-375-nojs');
  await context.close();
});
