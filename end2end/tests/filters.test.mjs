import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, waitForHydration, shot, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the board filters by owner', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  // Signing in navigates in the page: the board's cards arrive after it.
  await page.locator('li.deal').first().waitFor();
  const all = await page.locator('li.deal').count();
  // The owner is a searchable field: typing suggests members from the server.
  await waitForHydration(page);
  await page.fill('#owner', 'Just');
  await page.waitForFunction(() => [...document.querySelectorAll('#owner-choices option')]
    .some((o) => o.value === 'Justin Founder'));
  await page.fill('#owner', 'Justin Founder');
  await Promise.all([page.waitForURL(/owner=Justin/), page.click('form.filters button')]);
  await waitForHydration(page);
  const owned = await page.locator('li.deal').count();
  assert.ok(owned > 0 && owned < all, `${owned} of ${all} deals`);
  assert.equal(await page.inputValue('#owner'), 'Justin Founder', 'the filter stays chosen');
  // The column totals count the filtered deals.
  const counts = await page.locator('.column .count').allTextContents();
  const total = counts.map((c) => parseInt(c, 10)).reduce((a, b) => a + b, 0);
  assert.ok(total < all + 100 && total >= owned, `${total} counted, ${owned} shown`);
  assert.deepEqual(problems, []);
});

test('the deal page sets owner and recontact date, and they survive a reload', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.locator('li.deal a.deal-name').last().click();
  await page.waitForSelector('#recontact_on');
  await waitForHydration(page);
  const owner = await page.locator('#owner option').nth(1).getAttribute('value');
  await page.selectOption('#owner', owner);
  await page.fill('#recontact_on', '2027-03-01');
  await page.click('#save-deal');
  await page.waitForSelector('.saved:has-text("Saved.")');
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.inputValue('#owner'), owner);
  assert.equal(await page.inputValue('#recontact_on'), '2027-03-01');
  assert.match(await page.textContent('ol.timeline'), /recontact at changed from — to 2027-03-01/);
  await page.selectOption('#owner', '');
  await page.click('#save-deal');
  await page.waitForSelector('.saved:has-text("Saved.")');
  await page.reload();
  assert.equal(await page.inputValue('#owner'), '');
  assert.deepEqual(problems, []);
});

test('contacts filter by priority and sort by recent activity', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts`);
  await waitForHydration(page);
  await page.selectOption('#priority', 'high');
  await Promise.all([page.waitForURL(/priority=high/), page.click('form.filters button')]);
  const priorities = await page.locator('table.contacts tbody td:nth-child(5)').allTextContents();
  assert.ok(priorities.length > 0 && priorities.every((p) => p === 'high'), priorities.join('|'));

  await page.goto(`${BASE_URL}/contacts`);
  await waitForHydration(page);
  await page.selectOption('#sort', 'recent');
  await Promise.all([page.waitForURL(/sort=recent/), page.click('form.filters button')]);
  await waitForHydration(page);
  const dates = await page.locator('table.contacts tbody td:nth-child(6)').allTextContents();
  const seen = dates.filter((d) => d !== '');
  assert.ok(seen.length > 1, dates.join('|'));
  assert.deepEqual(seen, [...seen].sort().reverse(), 'newest activity first');
  assert.deepEqual(dates.slice(0, seen.length), seen, 'never-active contacts last');
  assert.equal(await page.inputValue('#sort'), 'recent');
  await shot(page, 'contacts-recent');
  assert.deepEqual(problems, []);
});

test('companies, company, deal and coverage pages hydrate without console problems', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  // Each page is loaded afresh, so each one is server-rendered then hydrated.
  await page.goto(`${BASE_URL}/companies`);
  await waitForHydration(page);
  const company = await page.locator('table.companies tbody a').first().getAttribute('href');
  await page.goto(`${BASE_URL}${company}`);
  await waitForHydration(page);
  const deal = await page.locator('ul.deals a').first().getAttribute('href');
  await page.goto(`${BASE_URL}${deal}`);
  await waitForHydration(page);
  assert.ok((await page.textContent('.deal-facts')).length > 0);
  await page.goto(`${BASE_URL}/coverage`);
  await waitForHydration(page);
  assert.equal(await page.locator('table.coverage tbody tr').count(), 15);
  assert.deepEqual(problems, []);
});
