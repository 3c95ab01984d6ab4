import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, SOLO, assertOnlyRefusals, launch, openPage, seriousViolations, shot, signIn, waitForHydration, phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const titles = (page, list) => page.locator(`${list} .todo-title`).allTextContents();

test('the to-dos page lists overdue first; a to-do is added and completed in one step each', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/todos`);
  await waitForHydration(page);
  const open = await titles(page, '#open-todos');
  assert.match(open[0], /security questionnaire/, `overdue first: ${open}`);
  assert.ok(await page.locator('#open-todos li').first().evaluate((li) => li.classList.contains('overdue')));
  await page.fill('#todo-title', 'Call the board about Q1');
  await page.fill('#todo-body', 'Agenda: **budget** first');
  await page.click('#add-todo');
  await page.locator('#open-todos .todo-title', { hasText: 'Call the board about Q1' }).waitFor();
  const added = page.locator('#open-todos li', { hasText: 'Call the board about Q1' });
  await added.locator('summary').click();
  assert.equal(await added.locator('.todo-details strong').textContent(), 'budget');
  await page.click('button[aria-label="Complete: Call the board about Q1"]');
  await page.locator('#done-todos .todo-title', { hasText: 'Call the board about Q1' }).waitFor();
  assert.ok(!(await titles(page, '#open-todos')).includes('Call the board about Q1'));
  // An empty title is refused next to the field, and nothing is added.
  await page.$eval('#todo-title', (el) => el.removeAttribute('required'));
  await page.fill('#todo-title', '   ');
  await page.click('#add-todo');
  await page.locator('.field:has(#todo-title) .field-error', { hasText: /needs a title/ }).waitFor();
  await shot(page, 'todos');
  assert.deepEqual(await seriousViolations(page), []);
  assertOnlyRefusals(problems, 1);
});

test('a contact page has its to-dos, linked back to the contact', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts`);
  await page.locator('table.contacts tbody a').first().click();
  await page.waitForSelector('.todo-panel #todo-title');
  await waitForHydration(page);
  const name = await page.textContent('main h1');
  await page.fill('.todo-panel #todo-title', `Ask ${name} for an intro`);
  await page.fill('.todo-panel #todo-due', '2031-01-15');
  await page.click('.todo-panel #add-todo');
  const row = page.locator('.todo-panel li.todo', { hasText: `Ask ${name} for an intro` });
  await row.waitFor();
  assert.match(await row.textContent(), /due 2031-01-15/);
  assert.equal(await row.locator('a.todo-link').textContent(), name);
  assert.deepEqual(await seriousViolations(page), []);
  await page.goto(`${BASE_URL}/todos`);
  const link = page.locator('#open-todos li', { hasText: `Ask ${name} for an intro` }).locator('a.todo-link');
  assert.equal(await link.textContent(), name);
  assertOnlyRefusals(problems, 0);
});

test('to-dos work with JavaScript off on a phone-sized screen', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/todos`);
  assert.ok((await titles(page, '#open-todos')).length > 0, 'open to-dos drawn on the server');
  await page.fill('#todo-title', 'Written without JavaScript');
  await Promise.all([page.waitForURL(/\/todos\??$/), page.click('#add-todo')]);
  assert.ok((await titles(page, '#open-todos')).includes('Written without JavaScript'));
  await Promise.all([
    page.waitForURL(/\/todos\??$/),
    page.click('button[aria-label="Complete: Written without JavaScript"]'),
  ]);
  assert.ok((await titles(page, '#done-todos')).includes('Written without JavaScript'));
  await assertFitsPhone(page);
  await shot(page, 'todos-375-nojs');
  await context.close();
});

test("another client's to-do cannot be completed, whatever the form says", async () => {
  const solo = await openPage(browser);
  await signIn(solo.page, SOLO);
  await solo.page.goto(`${BASE_URL}/todos?scope=all`);
  const theirs = await solo.page.locator('#open-todos li').first().getAttribute('data-id');
  assert.ok(theirs);
  const { page } = await openPage(browser);
  await signIn(page);
  const res = await page.request.post(`${BASE_URL}/api/set_todo_status`, {
    form: { id: theirs, status: 'DONE' },
    headers: { origin: BASE_URL },
  });
  assert.equal(res.status(), 404);
  await solo.page.reload();
  const still = await solo.page.locator(`#open-todos li[data-id="${theirs}"]`).count();
  assert.equal(still, 1, 'still open for its own client');
});
