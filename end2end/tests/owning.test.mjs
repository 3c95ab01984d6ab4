import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  BASE_URL, launch, openPage, seriousViolations, shot, signIn, waitForHydration,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Runs SQL as the client bezeliq on the e2e database; its last line of
// output (the scope's own answer comes first).
function asBezeliq(sql) {
  const out = execFileSync('psql', ['-qAt', process.env.E2E_URL,
    '-c', "SELECT set_config('redkey.client_id', (SELECT id::text FROM redkey_admin_clients() WHERE slug = 'bezeliq'), false)",
    '-c', sql], { encoding: 'utf8' }).trim().split('\n');
  return out[out.length - 1];
}

test('an admin sees the onboarding checklist, downloads everything and erases a person', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/settings/onboarding`);
  await waitForHydration(page);
  assert.equal(await page.locator('li.onboarding-step').count(), 5);
  assert.equal(await page.getAttribute('li[data-step="database"]', 'data-state'), 'done');
  assert.match(await page.textContent('li[data-step="workspace"]'), /bezeliq/);
  assert.match(await page.textContent('li[data-step="ingestion"]'), /\/webhooks\/resend\/bezeliq/);
  await shot(page, 'settings-onboarding');
  assert.deepEqual(await seriousViolations(page), []);

  await page.goto(`${BASE_URL}/settings/members`);
  await waitForHydration(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-all')]);
  assert.match(download.suggestedFilename(), /^redkey-bezeliq-\d{4}-\d{2}-\d{2}\.zip$/);

  const address = `erase.me.${Date.now()}@example.test`;
  asBezeliq(`INSERT INTO people (name_first_name, name_last_name, emails_primary_email) VALUES ('Erase', 'Me', '${address}')`);
  assert.equal(asBezeliq(`SELECT count(*) FROM people WHERE emails_primary_email = '${address}'`), '1');
  await page.fill('#forget_email', address);
  await Promise.all([page.waitForURL(/erased=/), page.click('#forget-person')]);
  await waitForHydration(page);
  assert.match(await page.textContent('#forget-outcome'), /^Erased: \d+ records removed\.$/);
  assert.equal(asBezeliq(`SELECT count(*) FROM people WHERE emails_primary_email = '${address}'`), '0');
  assert.deepEqual(problems, []);
});
