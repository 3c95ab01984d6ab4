import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DEMO, SOLO, launch, openPage, waitForHydration, shot, signIn, phoneWithoutScript,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('signing in and out', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${BASE_URL}/contacts`);
  assert.match(page.url(), /\/sign-in\?next=%2Fcontacts|\/sign-in\?next=\/contacts/);
  await shot(page, 'sign-in');
  await signIn(page);
  assert.match(await page.textContent('.user-name'), /Justin/);
  await Promise.all([page.waitForURL(/\/sign-in/), page.click('#sign-out')]);
  await page.goto(`${BASE_URL}/pipeline`);
  assert.match(page.url(), /\/sign-in/);
  assert.deepEqual(problems, []);
});

test('a wrong password is refused with a message next to the field', async () => {
  const { page } = await openPage(browser);
  await page.goto(`${BASE_URL}/sign-in`);
  await waitForHydration(page);
  await page.fill('#email', DEMO.email);
  await page.fill('#password', 'not the password');
  await page.click('#sign-in');
  await page.waitForFunction(() => document.querySelector('#password-error').textContent.length > 0);
  assert.equal(await page.textContent('#password-error'), 'wrong email or password');
  assert.match(page.url(), /\/sign-in/);
});

test('the pipeline lists the deals that need attention, with their reasons', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  const panel = page.locator('[data-attention]');
  assert.match(await panel.locator('summary').textContent(), /^Needs attention \(\d+\+?\)$/);
  await panel.locator('summary').click();
  const first = panel.locator('li').first();
  assert.match(await first.textContent(), /· (no activity for \d+ days|close date passed|no recontact date)/);
  assert.match(await first.locator('a').getAttribute('href'), /^\/deals\/[0-9a-f-]{36}$/);
  assert.deepEqual(problems, []);
});

test('dragging a deal to another stage survives a reload', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  const columns = page.locator('section.column');
  const firstCard = columns.nth(0).locator('li.deal').first();
  const dealId = await firstCard.getAttribute('data-deal');
  const target = columns.nth(2);
  const targetStage = await target.getAttribute('data-stage');
  const before = await target.locator('li.deal').count();
  await firstCard.dragTo(target.locator('header'));
  await page.waitForFunction(
    ([stage, deal]) => !!document.querySelector(`section[data-stage="${stage}"] li[data-deal="${deal}"]`),
    [targetStage, dealId],
  );
  await page.reload();
  await waitForHydration(page);
  const moved = page.locator(`section[data-stage="${targetStage}"] li[data-deal="${dealId}"]`);
  assert.equal(await moved.count(), 1);
  assert.equal(await page.locator(`section[data-stage="${targetStage}"] li.deal`).count(), before + 1);
  await shot(page, 'pipeline');
  assert.deepEqual(problems, []);
});

test('the keyboard alternative moves a deal without dragging', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await waitForHydration(page);
  assert.equal(await page.locator('section.column select').count(), 0, 'no form open');
  const card = page.locator('section.column').nth(1).locator('li.deal').first();
  const dealId = await card.getAttribute('data-deal');
  const lastStage = await page.locator('section.column:not(.collapsed)').last().getAttribute('data-stage');
  await card.locator('a.move').focus();
  await page.keyboard.press('Enter');
  const select = page.locator(`li[data-deal="${dealId}"] select`);
  await select.waitFor();
  assert.ok(await select.evaluate((el) => el === document.activeElement), 'the stage list has the focus');
  assert.equal(await page.locator('section.column select').count(), 1, 'one form open');
  await select.selectOption(lastStage);
  await page.locator(`li[data-deal="${dealId}"] button`, { hasText: 'Move' }).click();
  await page.waitForSelector(`section[data-stage="${lastStage}"] li[data-deal="${dealId}"]`);
  await page.waitForFunction(() => !location.search.includes('moving='));
  assert.equal(await page.locator('section.column select').count(), 0, 'the form closed');
  assert.deepEqual(problems, []);
});

test('won and lost columns show their totals and open on request', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.locator('li.deal').first().waitFor();
  await waitForHydration(page);
  const closed = page.locator('section.column.collapsed');
  assert.equal(await closed.count(), 2, 'won and lost start collapsed');
  const won = closed.first();
  const stage = await won.getAttribute('data-stage');
  assert.equal(await won.locator('li.deal').count(), 0);
  const count = parseInt(await won.locator('.count').textContent(), 10);
  assert.ok(count > 0, 'the demo has won deals');
  await Promise.all([page.waitForURL(/open=/), won.locator('a.open-column').click()]);
  const opened = page.locator(`section[data-stage="${stage}"]`);
  await opened.locator('li.deal').first().waitFor();
  assert.equal(await opened.locator('li.deal').count(), Math.min(count, 25));
  assert.equal(await page.locator('section.column.collapsed').count(), 1);
  assert.deepEqual(problems, []);
});

test('strategic fields are editable in place; operational ones are not', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts`);
  await waitForHydration(page);
  await page.locator('table.contacts tbody a').first().click();
  await page.waitForSelector('#priority');
  await waitForHydration(page);
  const url = page.url();
  await page.selectOption('#priority', 'critical');
  await page.fill('#strategy_note', 'Budget freeze until Q3');
  await page.click('#save-strategy');
  await page.waitForFunction(() => document.querySelector('form.strategy .saved')?.textContent === 'Saved.');
  await page.goto(url);
  await waitForHydration(page);
  assert.equal(await page.inputValue('#priority'), 'critical');
  assert.equal(await page.inputValue('#strategy_note'), 'Budget freeze until Q3');
  assert.match(await page.textContent('ol.timeline'), /priority changed from .* to critical by you/);
  assert.equal(await page.locator('section.operational input, section.operational select, section.operational textarea').count(), 0);
  await shot(page, 'contact');
  assert.deepEqual(problems, []);
});

test("a user of one client cannot open another client's contact by URL", async () => {
  const founder = await openPage(browser);
  await signIn(founder.page);
  await founder.page.goto(`${BASE_URL}/contacts`);
  const href = await founder.page.locator('table.contacts tbody a').first().getAttribute('href');
  const client = await founder.page.textContent('#client-switch option[selected]');
  assert.equal(client, 'BezelIQ');
  const solo = await openPage(browser);
  await signIn(solo.page, SOLO);
  const res = await solo.page.goto(`${BASE_URL}${href}`);
  assert.equal(res.status(), 404);
  assert.match(await solo.page.textContent('main'), /Not found/);
  const missing = await solo.page.goto(`${BASE_URL}/contacts/00000000-0000-4000-8000-000000000000`);
  assert.equal(missing.status(), 404);
});

test('with every view retired, nothing links out to Twenty; the coverage page lists them all', async () => {
  const { page } = await openPage(browser);
  await signIn(page);
  assert.equal(await page.locator('nav a.twenty').count(), 0);
  assert.equal(await page.locator('nav a', { hasText: 'Notes' }).getAttribute('href'), '/notes');
  assert.equal(await page.locator('nav a', { hasText: 'Companies' }).getAttribute('href'), '/companies');
  await page.goto(`${BASE_URL}/coverage`);
  assert.equal(await page.textContent('tr[data-view="pipeline"] td:nth-child(2)'), 'Cockpit');
  assert.equal(await page.textContent('tr[data-view="import"] td:nth-child(2)'), 'Cockpit');
  assert.equal(await page.locator('a[href^="http://twenty.invalid"]').count(), 0);
  await shot(page, 'coverage');
});

test('every page renders its data with JavaScript off, on a phone-sized screen', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/pipeline`);
  assert.ok(await page.locator('li.deal').count() > 0, 'pipeline cards');
  await shot(page, 'pipeline-375-nojs');
  await page.goto(`${BASE_URL}/contacts`);
  assert.ok(await page.locator('table.contacts tbody tr').count() > 0, 'contact rows');
  await page.goto(`${BASE_URL}/contacts?q=zzzz-no-such`);
  assert.equal(await page.locator('table.contacts tbody tr').count(), 0);
  await page.goto(`${BASE_URL}/contacts`);
  await page.locator('table.contacts tbody a').first().click();
  assert.ok((await page.textContent('main h1')).length > 0);
  assert.ok(await page.locator('ol.timeline li').count() > 0, 'timeline');
  await shot(page, 'contact-375-nojs');
  await page.goto(`${BASE_URL}/coverage`);
  assert.equal(await page.locator('table.coverage tbody tr').count(), 15);
  await page.goto(`${BASE_URL}/companies`);
  await page.locator('table.companies tbody a').first().click();
  assert.ok(await page.locator('ul.people li').count() > 0, 'company people');
  await page.locator('ul.deals a').first().click();
  assert.match(await page.textContent('.deal-facts'), /\$/);
  await page.goto(`${BASE_URL}/activity?kind=meeting`);
  const kinds = await page.locator('ol.feed li span').allTextContents();
  assert.ok(kinds.length > 0 && kinds.every((k) => k.startsWith('meeting')), kinds.join('|'));
  await page.goto(`${BASE_URL}/arlo`);
  assert.equal(await page.locator('table.timers tbody tr').count(), 7, 'timers');
  await shot(page, 'arlo-375-nojs');
  await page.goto(`${BASE_URL}/sequences`);
  assert.ok(await page.locator('section.sequence').count() > 0, 'sequences');
  await page.locator('section.sequence h2 a').first().click();
  assert.ok((await page.inputValue('#seq-name')).length > 0, 'sequence editor');
  await shot(page, 'sequences-375-nojs');
});

test('a new activity appears in the feed without a reload', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/activity`);
  await waitForHydration(page);
  const { execFileSync } = await import('node:child_process');
  execFileSync('psql', ['-q', process.env.E2E_URL, '-c',
    "SELECT set_config('redkey.client_id', (SELECT id::text FROM redkey_admin_clients() WHERE slug = 'bezeliq'), false); " +
    "INSERT INTO activities (kind, subject, created_by_source) VALUES ('form', 'Website form: pricing', 'FORM');"]);
  await page.waitForFunction(() => document.querySelector('ol.feed').textContent.includes('Website form: pricing'), null, { timeout: 20000 });
  await shot(page, 'activity');
  assert.deepEqual(problems, []);
});

test('the feed pages to older activity and back, in the browser', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  // Sixty notes from long ago: more than a page of the feed's notes.
  const { execFileSync } = await import('node:child_process');
  execFileSync('psql', ['-q', process.env.E2E_URL, '-c',
    "SELECT set_config('redkey.client_id', (SELECT id::text FROM redkey_admin_clients() WHERE slug = 'bezeliq'), false); " +
    "INSERT INTO activities (kind, subject, happens_at, created_by_source) " +
    "SELECT 'note', 'Archived note ' || i, timestamptz '2001-01-01' - i * interval '1 day', 'IMPORT' " +
    "FROM generate_series(1, 60) i;"]);
  await page.goto(`${BASE_URL}/activity?kind=note`);
  await waitForHydration(page);
  const lines = () => page.locator('ol.feed li span').allTextContents();
  const first = await lines();
  assert.equal(first.length, 50);
  assert.equal(await page.locator('a[rel="first"]').count(), 0);
  await page.click('a[rel="next"]');
  await page.waitForURL(/kind=note&before=a\d+\./);
  await page.waitForFunction(() => document.querySelector('ol.feed').textContent.includes('Archived note 60'));
  const second = await lines();
  assert.ok(second.every((l) => !first.includes(l)), 'the older page holds none of the first');
  assert.equal(second.at(-1), 'note: Archived note 60');
  assert.equal(await page.locator('a[rel="next"]').count(), 0);
  await page.click('a[rel="first"]');
  await page.waitForURL(/\/activity\?kind=note$/);
  await page.waitForFunction((top) => document.querySelector('ol.feed li span').textContent === top, first[0]);
  assert.deepEqual(await lines(), first);
  assert.deepEqual(problems, []);
});

test('a bad amount on the deal page is refused next to the field', async () => {
  const { page } = await openPage(browser);
  await signIn(page);
  await page.locator('li.deal a.deal-name').first().click();
  await page.waitForSelector('#amount');
  await waitForHydration(page);
  await page.fill('#amount', '12 thousand');
  await page.click('#save-deal');
  await page.waitForFunction(() => document.querySelector('#amount-error').textContent.length > 0);
  assert.match(await page.textContent('#amount-error'), /enter an amount/);
  await page.fill('#amount', '48,000');
  await page.click('#save-deal');
  await page.waitForFunction(() => document.querySelector('.deal-facts')?.textContent.includes('$48,000'));
  await shot(page, 'deal');
});
