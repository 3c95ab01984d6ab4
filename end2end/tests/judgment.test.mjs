// Telling arlo from any page: the three sentences change exactly their
// records, a sentence on a record's page is about that record, an
// ambiguous one lists the candidates, and a suggestion is accepted in one
// click.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BASE_URL, launch, openPage, waitForHydration, shot, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// SQL on the e2e database's tables (as the superuser the harness is).
function sql(text) {
  return execFileSync('psql', ['-qtA', process.env.E2E_URL, '-c', text]).toString().trim();
}

// Types a sentence into Tell arlo and waits for what came of it.
async function tell(page, sentence) {
  const before = await page.locator('.tell-outcome').textContent();
  await page.fill('#tell-arlo', sentence);
  await page.click('#tell-arlo-send');
  await page.waitForFunction((b) => {
    const el = document.querySelector('.tell-outcome');
    return el && el.textContent !== b && el.querySelector('.answered-by, .error');
  }, before, { timeout: 30000 });
  return page.locator('.tell-outcome');
}

async function openLink(page, outcome, label) {
  await Promise.all([page.waitForURL(/\/(deals|contacts)\//), outcome.locator('a', { hasText: label }).first().click()]);
  await waitForHydration(page);
}

test('the three sentences through Tell arlo change exactly their records', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);

  let outcome = await tell(page, 'The Acme deal is stalled — budget freeze until Q3, recontact in July');
  assert.equal(await outcome.locator('ul.changes li').count(), 2);
  assert.match(await outcome.textContent(), /Acme Logistics — Renewal: strategy note — → \d{4}-\d\d-\d\d: budget freeze until Q3/);
  assert.match(await outcome.textContent(), /recontact at — → \d{4}-07-01/);
  await shot(page, 'tell-arlo');
  await openLink(page, outcome, 'Acme Logistics — Renewal');
  assert.match(await page.inputValue('#recontact_on'), /^\d{4}-07-01$/);
  assert.match(await page.textContent('ol.timeline'), /on your instruction “The Acme deal is stalled/);

  outcome = await tell(page, 'Mark Sarah at Meridian as a priority — strong champion, CFO relationship');
  assert.equal(await outcome.locator('ul.changes li').count(), 2);
  assert.match(await outcome.textContent(), /Sarah Whitfield: priority — → high/);
  await openLink(page, outcome, 'Sarah Whitfield');
  assert.equal(await page.inputValue('#priority'), 'high');
  assert.match(await page.inputValue('#relationship_note'), /strong champion, CFO relationship$/);

  // On her page, "her" is Sarah.
  outcome = await tell(page, 'Mark her as critical');
  assert.match(await outcome.textContent(), /Sarah Whitfield: priority high → critical/);

  // Earlier tests drag deals about: the Volta deal starts where the demo
  // put it.
  sql("SELECT set_config('redkey.user_id', (SELECT id::text FROM users WHERE email = 'founder@redkey.test'), false), " +
    "set_config('redkey.client_id', (SELECT id::text FROM workspaces WHERE slug = 'bezeliq'), false); " +
    "UPDATE opportunities o SET stage_id = s.id FROM pipeline_stages s " +
    "WHERE o.name = 'Volta Energy — Expansion' AND s.pipeline_id = o.pipeline_id AND s.name = 'Qualified'");
  outcome = await tell(page, "Move the Volta deal to Negotiation, we're close");
  assert.equal(await outcome.locator('ul.changes li').count(), 1);
  assert.match(await outcome.textContent(), /Volta Energy — Expansion: stage Qualified → Negotiation/);
  await openLink(page, outcome, 'Volta Energy — Expansion');
  assert.equal(await page.textContent('.deal-facts .stage'), 'Negotiation');
  assert.deepEqual(problems, []);
});

test('an ambiguous sentence shows the candidates and changes nothing', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  const outcome = await tell(page, 'Move the Meridian deal to Proposal');
  assert.match(await outcome.locator('p.question').textContent(), /2 deals match/);
  const names = (await outcome.locator('ul.candidates li a').allTextContents()).sort();
  assert.deepEqual(names, ['Meridian Health — Pilot', 'Meridian Health — Renewal']);
  await shot(page, 'tell-arlo-ambiguous');
  assert.deepEqual(problems, []);
});

test('a suggestion is accepted in one click and written as the founder', async () => {
  const { page, problems } = await openPage(browser);
  const sarah = sql("SELECT id FROM people WHERE emails_primary_email = 'sarah.whitfield@meridian.test'");
  sql("INSERT INTO suggestions (workspace_id, record_kind, record_id, field, proposed, why, source) " +
    `SELECT id, 'contact', '${sarah}', 'recontact_at', '"2031-03-01T09:00:00+00:00"', ` +
    "'The meeting logged says “talk again in march”.', 'e2e:1' FROM workspaces WHERE slug = 'bezeliq'");
  await signIn(page);
  assert.equal(await page.textContent('#suggestion-count'), '1');
  await page.click('nav a[href="/suggestions"]');
  await page.waitForURL(/\/suggestions/);
  await waitForHydration(page);
  const item = page.locator('li.suggestion', { hasText: 'Sarah Whitfield' });
  assert.match(await item.textContent(), /recontact on 2031-03-01/);
  await shot(page, 'suggestions');
  await item.locator('button.accept').click();
  await page.waitForSelector('p.empty');
  await page.goto(`${BASE_URL}/contacts/${sarah}`);
  await waitForHydration(page);
  assert.equal(await page.inputValue('#recontact_on'), '2031-03-01');
  assert.equal(await page.locator('#suggestion-count').count(), 0);
  assert.match(await page.textContent('ol.timeline'), /recontact at changed from .* by you/);
  assert.deepEqual(problems, []);
});

test('a question gets an answer with links to the records it rests on', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  let outcome = await tell(page, 'Summarise the pipeline');
  assert.match(await outcome.locator('p.answer').textContent(), /open deals; \d+ need attention/);
  assert.ok(await outcome.locator('ul.records li a[href^="/deals/"]').count() > 0);
  // A draft is written for the founder; with no sender configured here it
  // says so instead of offering Send.
  outcome = await tell(page, 'Draft a follow-up to Sarah at Meridian');
  assert.match(await outcome.locator('p.answer').textContent(), /Subject: Following up on our/);
  assert.match(await outcome.textContent(), /email sending is not configured/);
  assert.equal(await outcome.locator('ul.records li a').textContent(), 'Sarah Whitfield');
  assert.deepEqual(problems, []);
});
