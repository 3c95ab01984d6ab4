import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BASE_URL, assertOnlyRefusals, launch, openPage, waitForHydration, shot, signIn } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a sequence is written with steps, checked, saved and previewed for a real contact', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/sequences/new`);
  await waitForHydration(page);
  await page.fill('#seq-name', 'Browser test sequence');
  await page.fill('#step-0-subject', 'Hello {{first_name}}');
  await page.fill('#step-0-body', 'Hi {{first_name}} at {{company}}, {{bogus}}');
  await page.click('#save-sequence');
  await page.waitForFunction(() => document.querySelector('.sequence-form').textContent.includes('unknown token {{bogus}}'));
  await page.fill('#step-0-body', 'Hi {{first_name}} at {{company}}');
  await page.fill('#step-1-subject', 'Second');
  await page.fill('#step-1-body', 'Still there, {{first_name}}?');
  await Promise.all([page.waitForURL(/\/sequences\/[0-9a-f-]{36}$/), page.click('#save-sequence')]);
  await waitForHydration(page);
  assert.equal(await page.inputValue('#seq-name'), 'Browser test sequence');
  assert.equal(await page.inputValue('#step-1-subject'), 'Second');
  const contact = await page.locator('#preview-contact option').first().textContent();
  await page.click('#preview');
  await page.waitForSelector('.preview-subject');
  assert.equal(await page.textContent('.preview-subject'), `Hello ${contact.split(' ')[0]}`);
  assert.match(await page.textContent('.preview-body'), / at \S/);
  await shot(page, 'sequence-editor');
  assertOnlyRefusals(problems, 1);
});

test('a contact is enrolled, refused a second time, paused and unenrolled from its page', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  // A contact with an email and no enrollment yet.
  await page.goto(`${BASE_URL}/contacts`);
  const links = await page.locator('table.contacts tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  let found = false;
  for (const href of links) {
    await page.goto(`${BASE_URL}${href}`);
    await page.waitForSelector('#sequences-h');
    if ((await page.textContent('#sequences-h + *')).includes('Not enrolled')) { found = true; break; }
  }
  assert.ok(found, 'a contact without enrollments');
  await waitForHydration(page);
  const before = await page.locator('ul.enrollments li').count();
  await page.selectOption('#sequence', { label: 'Founder intro' });
  await page.click('#enroll');
  await page.waitForFunction((n) => document.querySelectorAll('ul.enrollments li').length > n, before);
  const row = page.locator('ul.enrollments li', { hasText: 'Founder intro' }).first();
  assert.match(await row.textContent(), /active/);
  await page.selectOption('#sequence', { label: 'Founder intro' });
  await page.click('#enroll');
  await page.waitForFunction(() => document.querySelector('#enroll-error').textContent.includes('already in this sequence'));
  await row.locator('button', { hasText: 'Pause' }).click();
  await page.waitForFunction(() => document.querySelector('ul.enrollments li .enrollment-status').textContent.startsWith('paused'));
  await page.locator('ul.enrollments li').first().locator('button', { hasText: 'Unenroll' }).click();
  await page.waitForFunction(() => document.querySelector('ul.enrollments li .enrollment-status').textContent.startsWith('stopped'));
  await shot(page, 'contact-sequences');
  assertOnlyRefusals(problems, 1);
});

test('the contacts table enrolls ticked contacts; the sequences page shows the funnel', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/contacts?sort=newest`);
  await waitForHydration(page);
  const boxes = page.locator('table.contacts tbody input[type=checkbox]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.selectOption('#sequence', { label: 'Founder intro' });
  await page.click('#enroll-many');
  await page.waitForFunction(() => /Enrolled \d/.test(document.querySelector('.bulk-result').textContent));
  assert.match(await page.textContent('.bulk-result'), /^Enrolled \d+\./);
  execFileSync('psql', ['-q', process.env.E2E_URL, '-c',
    "SELECT set_config('redkey.client_id', (SELECT id::text FROM redkey_admin_clients() WHERE slug = 'bezeliq'), false); " +
    "INSERT INTO inbound_emails (from_email, subject) VALUES ('stranger@else.test', 'A question about pricing'); " +
    "INSERT INTO email_pauses (paused_until, reason) VALUES (now() + interval '1 hour', 'Resend quota exceeded: daily_quota_exceeded');"]);
  await page.goto(`${BASE_URL}/sequences`);
  await waitForHydration(page);
  assert.match(await page.textContent('[data-paused]'), /Sending paused.*until \d{4}-\d\d-\d\d \d\d:\d\d UTC.*daily_quota_exceeded/s);
  assert.match(await page.textContent('section.inbound'), /stranger@else\.test · A question about pricing · not matched/);
  const card = page.locator('section.sequence', { hasText: 'Founder intro' });
  assert.match(await card.textContent(), /3 steps · \d+ enrolled/);
  assert.equal(await card.locator('[data-metric="sent"] .n').textContent(), '0');
  await card.locator('button', { hasText: 'Pause' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('section.sequence')]
    .some((s) => s.textContent.includes('Founder intro') && s.querySelector('.status.paused')));
  await shot(page, 'sequences');
  assert.deepEqual(problems, []);
});

test('a person resumes sending the account refused, and decides about a send in review', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  // The provider refused the account (a pause with no end), and the first
  // attempt of a send a day ago has an unknown outcome: it is in review.
  execFileSync('psql', ['-q', process.env.E2E_URL, '-c',
    "SELECT set_config('redkey.client_id', (SELECT id::text FROM redkey_admin_clients() WHERE slug = 'bezeliq'), false); " +
    "INSERT INTO email_pauses (paused_until, reason) VALUES ('infinity', 'Resend refused the account: 403 restricted_api_key'); " +
    "WITH p AS (SELECT id FROM people WHERE workspace_id = redkey_client_id() AND emails_primary_email IS NOT NULL AND deleted_at IS NULL " +
    "             AND id NOT IN (SELECT person_id FROM sequence_contacts) ORDER BY id LIMIT 1), " +
    "     e AS (INSERT INTO sequence_contacts (sequence_id, person_id, status, stop_reason) " +
    "           SELECT (SELECT id FROM sequences WHERE name = 'Founder intro' AND workspace_id = redkey_client_id()), p.id, 'paused', 'needs_review' FROM p RETURNING id, person_id) " +
    "INSERT INTO email_sends (enrollment_id, step, person_id, to_email, idempotency_key, request, status, attempts, last_error, first_attempt_at) " +
    "SELECT e.id, 0, e.person_id, 'review@e2e.test', 'seq-e2e-review', '{}', 'review', 2, 'outcome unknown for 23 h', now() - interval '1 hour' FROM e;"]);
  await page.goto(`${BASE_URL}/sequences`);
  await waitForHydration(page);
  assert.match(await page.textContent('[data-paused]'), /until someone resumes it.*restricted_api_key/s);
  await page.click('#resume-sending');
  await page.waitForFunction(() => !document.querySelector('[data-paused]'));
  const send = page.locator('ul.decisions li', { hasText: 'review@e2e.test' });
  assert.match(await send.textContent(), /step 1 · review · 2 attempts · last answer: outcome unknown for 23 h/);
  await send.locator('button', { hasText: 'Drop this step' }).click();
  await page.waitForFunction(() => ![...document.querySelectorAll('ul.decisions li')]
    .some((li) => li.textContent.includes('review@e2e.test')));
  const recorded = execFileSync('psql', ['-qtA', process.env.E2E_URL, '-c',
    "SELECT r.action || ' ' || s.status || ' ' || (r.user_id IS NOT NULL) FROM send_resolutions r " +
    "JOIN email_sends s ON s.id = r.send_id WHERE s.idempotency_key = 'seq-e2e-review'"]).toString().trim();
  assert.equal(recorded, 'drop dropped true');
  await shot(page, 'sequences-decisions');
  assert.deepEqual(problems, []);
});
