import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BASE_URL, launch, openPage, waitForHydration, shot, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Runs SQL as the client bezeliq on the e2e database.
function asBezeliq(sql) {
  execFileSync('psql', ['-q', process.env.E2E_URL, '-c',
    "SELECT set_config('redkey.client_id', (SELECT id::text FROM redkey_admin_clients() WHERE slug = 'bezeliq'), false); " + sql]);
}

const rowsOf = (page, kind) => page.locator('table.runs tbody tr', { has: page.locator(`td:first-child:text-is("${kind}")`) }).count();

test('the Arlo page shows timers, runs and messages, and Run now runs a timer', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/arlo`);
  await waitForHydration(page);
  assert.equal(await page.locator('table.timers tbody tr').count(), 7);
  const before = await rowsOf(page, 'pipeline.health');
  await page.locator('tr[data-timer="pipeline.health"] button').click();
  await page.waitForFunction(
    ([n]) => [...document.querySelectorAll('table.runs tbody tr td:first-child')]
      .filter((td) => td.textContent === 'pipeline.health').length > n,
    [before], { timeout: 20000 });
  await page.waitForSelector('ol.messages li:has-text("open deals")');
  await shot(page, 'arlo');
  assert.deepEqual(problems, []);
});

test('a failed task shows its error and Retry runs it again', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  asBezeliq("INSERT INTO tasks (topic, kind, payload, created_by, max_attempts) " +
    "VALUES ('roles.crm', 'engine.echo', '{\"fail\": \"permanent\"}', 'agent:e2e', 1);");
  await page.goto(`${BASE_URL}/arlo`);
  await waitForHydration(page);
  const failed = page.locator('ul.failed li', { hasText: 'asked to fail' }).first();
  await failed.waitFor({ timeout: 20000 });
  const before = await rowsOf(page, 'engine.echo');
  await failed.locator('button', { hasText: 'Retry' }).click();
  await page.waitForFunction(
    ([n]) => [...document.querySelectorAll('table.runs tbody tr td:first-child')]
      .filter((td) => td.textContent === 'engine.echo').length > n,
    [before], { timeout: 20000 });
  assert.deepEqual(problems, []);
});
