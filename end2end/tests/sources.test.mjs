// Settings → Sources: a website form's snippet, pasted into a page served
// from another origin, creates the contact when a visitor submits it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { BASE_URL, launch, openPage, waitForHydration, shot, signIn } from './helpers.mjs';

let browser;
let site;
let page_html = '<p>not yet</p>';
before(async () => {
  browser = await launch();
  site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><body><h1>Acme's site</h1>${page_html}</body></html>`);
  });
  await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
});
after(async () => {
  await browser?.close();
  await new Promise((ok) => site.close(ok));
});

function sql(text) {
  return execFileSync('psql', ['-qtA', process.env.E2E_URL, '-c', text]).toString().trim();
}

test('a form snippet pasted into another site creates the contact on submit', async () => {
  const origin = `http://127.0.0.1:${site.address().port}`;
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.click('nav a[href="/settings/pipelines"]');
  await page.waitForURL(/\/settings\/pipelines/);
  await page.click('nav.settings-nav a[href="/settings/sources"]');
  await page.waitForURL(/\/settings\/sources/);
  await waitForHydration(page);
  await page.fill('#form-name', 'Website contact');
  await page.fill('#form-origins', origin);
  await page.selectOption('#form-sequence', { label: 'Founder intro' });
  await page.fill('#field-message', 'comments');
  await page.click('#create-form');
  const item = page.locator('li.form-source', { hasText: 'Website contact' });
  await item.waitFor();
  await shot(page, 'sources');
  page_html = await item.locator('pre.snippet').textContent();
  assert.match(page_html, /action="http:\/\/127\.0\.0\.1:\d+\/ingest\/forms\/[0-9a-f]{32}/);
  assert.match(await item.textContent(), /Enrols new people in Founder intro/);
  assert.deepEqual(problems, []);

  const visitor = await browser.newPage();
  await visitor.goto(`${origin}/`);
  await visitor.fill('input[name="email"]', 'vera.visitor@example.com');
  await visitor.fill('input[name="first_name"]', 'Vera');
  await visitor.fill('textarea[name="comments"]', 'Can we talk pricing?');
  await Promise.all([visitor.waitForNavigation(), visitor.click('button[type="submit"]')]);
  assert.match(await visitor.textContent('body'), /Thank you/);
  await visitor.close();

  assert.equal(sql("SELECT created_by_source || ' ' || name_first_name FROM people " +
    "WHERE emails_primary_email = 'vera.visitor@example.com'"), 'FORM Vera');
  assert.equal(sql("SELECT a.body FROM activities a JOIN people p ON p.id = a.person_id " +
    "WHERE p.emails_primary_email = 'vera.visitor@example.com' AND a.kind = 'form'"), 'Can we talk pricing?');
  // Enrolled in the form's sequence.
  assert.equal(sql("SELECT count(*) FROM sequence_contacts e JOIN people p ON p.id = e.person_id " +
    "WHERE p.emails_primary_email = 'vera.visitor@example.com'"), '1');
});

test('a mailbox is connected with its password sealed, never shown again', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/settings/sources`);
  await waitForHydration(page);
  await page.fill('#mb-address', 'founder@redkey.test');
  await page.fill('#mb-host', 'imap.redkey.test');
  await page.fill('#mb-user', 'founder');
  await page.fill('#mb-password', 'app-password-123');
  await page.selectOption('#mb-privacy', 'subject');
  await page.click('#connect-mailbox');
  const row = page.locator('li.mailbox', { hasText: 'founder@redkey.test' });
  await row.waitFor();
  assert.match(await row.textContent(), /subject · password stored/);
  assert.equal(await page.locator('text=app-password-123').count(), 0);
  assert.equal(sql("SELECT count(*) FROM ingest_sources WHERE kind = 'imap' " +
    "AND position('app-password-123' in encode(secret, 'escape')) = 0 AND owner_user IS NOT NULL"), '1');
  assert.deepEqual(problems, []);
});

test('a calendar is connected with its password sealed', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.goto(`${BASE_URL}/settings/sources`);
  await waitForHydration(page);
  await page.fill('#cal-url', 'https://caldav.redkey.test/founder/work/');
  await page.fill('#cal-address', 'founder@redkey.test');
  await page.fill('#cal-user', 'founder');
  await page.fill('#cal-password', 'calendar-password-1');
  await page.click('#connect-calendar');
  await page.locator('li.calendar', { hasText: 'founder@redkey.test' }).waitFor();
  assert.equal(sql("SELECT count(*) FROM ingest_sources WHERE kind = 'caldav' " +
    "AND position('calendar-password-1' in encode(secret, 'escape')) = 0"), '1');
  assert.deepEqual(problems, []);
});
