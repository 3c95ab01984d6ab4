import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, assertOnlyRefusals, launch, openFirstDeal, openPage, waitForHydration, shot, signIn,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a new contact is validated next to its fields, then created', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts/new`);
  await waitForHydration(page);
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('#first_name-error').textContent.length > 0);
  assert.match(await page.textContent('#first_name-error'), /first or last name/);
  await page.fill('#first_name', 'Nora');
  await page.fill('#last_name', 'Vance');
  await page.fill('#email', 'not-an-email');
  // The browser's own check would stop a bad address; let it through to the server.
  await page.$eval('#email', (el) => el.setAttribute('type', 'text'));
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('#email-error').textContent.length > 0);
  assert.match(await page.textContent('#email-error'), /not an email address/);
  await page.fill('#email', 'nora@vance.test');
  // A company nobody has is refused next to the field, then a real one is picked.
  await page.fill('#company', 'No Such Company Ltd');
  await page.click('#create');
  const companyError = page.locator('.field:has(#company) .field-error');
  await companyError.filter({ hasText: /./ }).waitFor();
  assert.match(await companyError.textContent(), /no company is named "No Such Company Ltd"/);
  await page.fill('#company', 'Acme');
  await page.waitForFunction(() => document.querySelectorAll('#company-choices option').length > 0);
  const choice = await page.locator('#company-choices option').first().getAttribute('value');
  await page.fill('#company', choice);
  await Promise.all([page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/), page.click('#create')]);
  // The address changes first; the contact page follows once loaded.
  await page.locator('main h1', { hasText: 'Nora Vance' }).waitFor();
  assert.equal(await page.textContent('main h1'), 'Nora Vance');
  assertOnlyRefusals(problems, 3);
});

test('notes render markdown and never markup from the note', async () => {
  const { page } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/companies`);
  await page.locator('table.companies tbody a').first().click();
  await page.waitForSelector('#note-body');
  await waitForHydration(page);
  await page.fill('#note-body', 'Met the **CFO** <img src=x onerror="window.hacked=1"> [site](javascript:alert(1))');
  await page.click('#add-note');
  await page.waitForSelector('.note-body strong');
  assert.equal(await page.textContent('.note-body strong'), 'CFO');
  assert.equal(await page.locator('.note-body img').count(), 0);
  assert.equal(await page.getAttribute('.note-body a', 'href'), '#');
  assert.equal(await page.evaluate(() => window.hacked), undefined);
  await shot(page, 'company');
});

test('a new deal lands in its stage on the board', async () => {
  const { page } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/deals/new`);
  await waitForHydration(page);
  await page.fill('#name', 'Orbit Finance — Expansion 2');
  await page.fill('#amount', '30,000');
  await page.fill('#company', 'Orbit');
  await page.waitForFunction(() => document.querySelectorAll('#company-choices option').length > 0);
  await page.fill('#company', await page.locator('#company-choices option').first().getAttribute('value'));
  await Promise.all([page.waitForURL(/\/deals\/[0-9a-f-]{36}$/), page.click('#create')]);
  await page.waitForSelector('.deal-facts');
  assert.match(await page.textContent('.deal-facts'), /Lead · \$30,000/);
  await page.goto(`${BASE_URL}/pipeline`);
  assert.equal(await page.locator('li.deal', { hasText: 'Orbit Finance — Expansion 2' }).count(), 1);
});

test("a contact's identity is edited in place, and saving over a newer edit is refused", async () => {
  const { page, context, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts`);
  await page.locator('table.contacts tbody a').nth(2).click();
  await page.waitForSelector('#save-identity');
  await waitForHydration(page);
  const url = page.url();
  // A second tab opens the same contact before the first one saves.
  const other = await context.newPage();
  await other.goto(url);
  await waitForHydration(other);
  await page.fill('#city', 'Leeds');
  await page.fill('#job_title', 'Head of Buying');
  await page.click('#save-identity');
  await page.locator('form.identity .saved', { hasText: 'Saved.' }).waitFor();
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.inputValue('#city'), 'Leeds');
  // The other tab still shows the old city: changing it is refused there,
  // next to the field, and Leeds stays.
  await other.fill('#city', 'York');
  await other.click('#save-identity');
  await other.locator('#city-error', { hasText: /someone changed this/ }).waitFor();
  // The other tab's own change to a field nobody else touched is saved,
  // and keeps the newer city.
  await other.reload();
  await waitForHydration(other);
  await other.fill('#phone', '+44 113 496 0000');
  await other.click('#save-identity');
  await other.locator('form.identity .saved', { hasText: 'Saved.' }).waitFor();
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.inputValue('#city'), 'Leeds');
  assert.equal(await page.inputValue('#phone'), '+44 113 496 0000');
  // An address another contact has is refused next to the email field.
  const taken = await page.evaluate(async () => {
    const r = await fetch('/contacts');
    return r.text();
  });
  const emails = [...taken.matchAll(/[a-z.]+\d+@[a-z.-]+\.test/g)].map((m) => m[0]);
  const mine = await page.inputValue('#email');
  const someoneElse = emails.find((e) => e !== mine);
  await page.fill('#email', someoneElse);
  await page.click('#save-identity');
  await page.locator('#email-error', { hasText: /./ }).waitFor();
  assert.match(await page.textContent('#email-error'), /already/);
  assertOnlyRefusals(problems, 2);
});

test('a call is logged by hand on a deal page and lands in its timeline; a time to come is refused', async () => {
  const { page, problems } = await openPage(browser);
  await openFirstDeal(page);
  await page.waitForSelector('#log-activity');
  await page.selectOption('#log-kind', 'call');
  await page.fill('#log-when', '2099-01-01T10:00');
  await page.fill('#log-subject', 'Pricing call');
  await page.click('#log-activity');
  await page.locator('.field:has(#log-when) .field-error', { hasText: /already happened/ }).waitFor();
  await page.fill('#log-when', '');
  await page.fill('#log-attendees', 'Dana, Lee from finance');
  await page.fill('#log-summary', 'They want a pilot first.');
  await page.click('#log-activity');
  await page.locator('ol.timeline li', { hasText: 'call: Pricing call (with Dana, Lee from finance)' }).waitFor();
  assertOnlyRefusals(problems, 1);
});

// Forms post their own fields by fetch (app/src/components/islands.rs),
// once at a time: clicks while a post is on its way send nothing, and the
// answer shows without the page reloading (its main part is swapped).
test('a form posts once however often it is clicked on the way, and its answer shows in place', async () => {
  const { page, problems } = await openPage(browser);
  await openFirstDeal(page);
  await page.waitForSelector('#log-activity');
  let posts = 0;
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/api\/log_activity/, async (route) => {
    posts += 1;
    assert.equal(route.request().headers()['content-type'], 'application/x-www-form-urlencoded');
    assert.match(route.request().postData() ?? '', /subject=Once\+only\+call/);
    await held;
    await route.continue();
  });
  const item = page.locator('ol.timeline li', { hasText: 'call: Once only call' });
  const before = await item.count();
  await page.evaluate(() => { window.notReloaded = true; });
  await page.selectOption('#log-kind', 'call');
  await page.fill('#log-subject', 'Once only call');
  await page.click('#log-activity');
  await page.click('#log-activity');
  await page.click('#log-activity');
  release();
  await item.nth(before).waitFor();
  await page.waitForTimeout(300);
  assert.equal(posts, 1, 'one post for three clicks');
  assert.equal(await item.count(), before + 1);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page did not reload');
  assert.deepEqual(problems, []);
});

// A post still on its way when its page is left: the page that comes next
// is not disturbed by it, and the cockpit goes on working.
test('a form answer that arrives after its page was left is dropped quietly', async () => {
  const { page, problems } = await openPage(browser);
  await openFirstDeal(page);
  await page.waitForSelector('#log-activity');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let posted;
  const arrived = new Promise((resolve) => { posted = resolve; });
  await page.route(/\/api\/log_activity/, async (route) => {
    posted();
    await held;
    await route.continue().catch(() => {});
  });
  await page.selectOption('#log-kind', 'note');
  await page.fill('#log-subject', 'Left before the answer');
  await page.click('#log-activity');
  await arrived;
  await Promise.all([page.waitForURL(/\/activity$/), page.click('nav a[href="/activity"]')]);
  await page.locator('main h1', { hasText: 'Activity' }).waitFor();
  release();
  await page.waitForTimeout(300);
  assert.equal(await page.locator('main h1').textContent(), 'Activity');
  await Promise.all([page.waitForURL(/\/contacts$/), page.click('nav a[href="/contacts"]')]);
  await page.locator('main h1', { hasText: 'Contacts' }).waitFor();
  assert.deepEqual(problems, []);
});
