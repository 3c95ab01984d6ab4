// Today, the cockpit's home: sign-in lands there; it lists what needs the
// founder and draws how the client is doing, as SVG made on the server.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  BASE_URL, launch, openPage, phoneWithoutScript, seriousViolations, shot, signIn, waitForHydration,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function sql(text) {
  return execFileSync('psql', ['-qtA', process.env.E2E_URL, '-c', text]).toString().trim();
}

const PANELS = ['suggestions', 'replies', 'meetings', 'recontacts', 'attention', 'todos'];
const CHARTS = ['chart-stages', 'chart-forecast', 'chart-closed', 'chart-activity'];

test('sign-in lands on Today, which shows what needs the founder and draws the numbers', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, undefined, null);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.textContent('main h1'), 'Today');
  for (const id of PANELS) {
    const panel = page.locator(`section#${id}`);
    assert.equal(await panel.count(), 1, id);
    assert.ok(await panel.locator('li').count() <= 10, `${id} is bounded`);
    assert.equal(await panel.locator('p.all a').count(), 1, `${id} links to all`);
  }
  // The demo's deals: some need attention, some stages hold value.
  assert.ok(await page.locator('section#attention li').count() > 0);

  for (const id of CHARTS) {
    const chart = page.locator(`figure#${id}`);
    const svg = chart.locator('svg[role="img"]');
    assert.equal(await svg.count(), 1, id);
    assert.ok((await svg.locator('title').first().textContent()).length > 5, `${id} has a title`);
    assert.ok((await svg.locator('desc').textContent()).length > 20, `${id} has a description`);
    // A bar per series and row of its numbers, the numbers behind a toggle.
    const rows = await chart.locator('details tbody tr').count();
    const series = await chart.locator('details thead th').count() - 1;
    assert.equal(await svg.locator('g.bar rect').count(), rows * series, id);
    assert.equal(await chart.locator('details').getAttribute('open'), null);
  }
  assert.equal(await page.locator('figure#chart-forecast details tbody tr').count(), 6);
  assert.equal(await page.locator('figure#chart-closed details tbody tr').count(), 12);
  assert.equal(await page.locator('figure#chart-activity details tbody tr').count(), 12);
  // The stages chart's bars are the board's open stages, tallest for the
  // largest value.
  const values = await page.locator('figure#chart-stages details tbody tr td:nth-child(2)').allTextContents();
  const heights = await page.locator('figure#chart-stages g.bar.value rect').evaluateAll(
    (rs) => rs.map((r) => Number(r.getAttribute('height'))));
  const biggest = values.map(Number).indexOf(Math.max(...values.map(Number)));
  assert.equal(heights.indexOf(Math.max(...heights)), biggest);
  // The numbers open on request.
  await page.locator('figure#chart-closed summary').click();
  assert.ok(await page.locator('figure#chart-closed details table').isVisible());
  assert.ok(await page.locator('figure[id^="chart-funnel-"]').count() >= 1, 'the demo sequence has a funnel');
  await shot(page, 'today');
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
});

test('a suggestion accepted on Today is applied to its record', async () => {
  const { page, problems } = await openPage(browser);
  const lena = sql("SELECT id FROM people WHERE emails_primary_email LIKE 'lena.reyes%@northwind.test'");
  sql("INSERT INTO suggestions (workspace_id, record_kind, record_id, field, proposed, why, source) " +
    `SELECT id, 'contact', '${lena}', 'recontact_at', '"2032-05-04T09:00:00+00:00"', ` +
    "'Her reply says “try me again in May 2032”.', 'e2e:today' FROM workspaces WHERE slug = 'bezeliq'");
  await signIn(page, undefined, null);
  const item = page.locator('section#suggestions li.suggestion', { hasText: 'Lena Reyes' });
  assert.match(await item.textContent(), /recontact on 2032-05-04/);
  await item.locator('button.accept').click();
  await item.waitFor({ state: 'detached' });
  assert.equal(sql(`SELECT to_char(recontact_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM people WHERE id = '${lena}'`),
    '2032-05-04');
  assert.equal(sql("SELECT status FROM suggestions WHERE source = 'e2e:today'"), 'accepted');
  assert.deepEqual(problems, []);
});

test('with JavaScript off Today and its charts render as plain HTML', async () => {
  const { context, page } = await phoneWithoutScript(browser);
  const res = await page.goto(`${BASE_URL}/`);
  assert.equal(res.status(), 200);
  for (const id of PANELS) assert.equal(await page.locator(`section#${id}`).count(), 1, id);
  for (const id of CHARTS) assert.ok(await page.locator(`figure#${id} svg g.bar rect`).count() > 0, id);
  await shot(page, 'today-no-script');
  await context.close();
});
