import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, SOLO, assertOnlyRefusals, launch, openPage, seriousViolations, shot, signIn,
  waitForHydration, phoneWithoutScript, assertFitsPhone,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const stageNames = (page, pipeline) => page
  .locator(`section[aria-label="${pipeline}"] li.stage-setting input[name="name"]`)
  .evaluateAll((inputs) => inputs.map((i) => i.value));

test('an admin adds a stage, moves it by keyboard, and cannot archive a stage holding deals', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page);
  await page.click('nav a[href="/settings/pipelines"]');
  await page.waitForURL(/\/settings\/pipelines$/);
  await waitForHydration(page);
  const before = await stageNames(page, 'Partnerships');
  const adder = page.locator('section[aria-label="Partnerships"] form.add-stage');
  await adder.locator('input[name="name"]').fill('Due diligence');
  await adder.locator('input[name="probability"]').fill('35');
  await adder.locator('button').click();
  await page.waitForFunction(() => [...document.querySelectorAll('li.stage-setting input[name="name"]')]
    .some((i) => i.value === 'Due diligence'));
  assert.deepEqual(await stageNames(page, 'Partnerships'), [...before, 'Due diligence']);
  // Keyboard only: focus "Move up" and press Enter.
  await page.focus('button[aria-label="Move Due diligence up"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const names = [...document.querySelectorAll('section[aria-label="Partnerships"] li.stage-setting input[name="name"]')]
      .map((i) => i.value);
    return names.indexOf('Due diligence') === names.length - 2;
  });
  // Or dragged: onto the first stage, it takes the first place.
  const partnerships = page.locator('section[aria-label="Partnerships"] li.stage-setting');
  await partnerships.filter({ has: page.locator('input[value="Due diligence"]') })
    .dragTo(partnerships.first().locator('span.quiet'));
  await page.waitForFunction(() => document
    .querySelector('section[aria-label="Partnerships"] li.stage-setting input[name="name"]')?.value === 'Due diligence');
    // A stage with deals stays, and the page says why.
  const held = page.locator('li.stage-setting')
    .filter({ has: page.locator('span.quiet', { hasText: /^[1-9]\d* deals?$/ }) }).first();
  const heldName = await held.locator('input[name="name"]').inputValue();
  await held.locator('button', { hasText: 'Archive' }).click();
  await page.locator('#settings-error', { hasText: 'move them first' }).waitFor();
  assert.ok((await stageNames(page, 'Sales')).concat(await stageNames(page, 'Partnerships')).includes(heldName));
  // The new stage shows on the board of its pipeline.
  await shot(page, 'settings-pipelines');
  assert.deepEqual(await seriousViolations(page), []);
  await page.goto(`${BASE_URL}/settings/members`);
  await waitForHydration(page);
  assert.match(await page.textContent('table.members'), /founder@redkey\.test/);
  assert.match(await page.textContent('table.members'), /\(you\)/);
  assert.deepEqual(await seriousViolations(page), []);
  assertOnlyRefusals(problems, 1);
});

test('a member is refused settings; settings work without JavaScript at 375 px', async () => {
  const solo = await phoneWithoutScript(browser, SOLO);
  const res = await solo.page.goto(`${BASE_URL}/settings/pipelines`);
  assert.equal(res.status(), 403);
  assert.match(await solo.page.textContent('main'), /only an admin/);
  assert.equal(await solo.page.locator('li.stage-setting').count(), 0);
  await solo.context.close();

  const { context, page } = await phoneWithoutScript(browser);
  await page.goto(`${BASE_URL}/settings/pipelines`);
  await page.fill('#new-pipeline', 'Renewals');
  await page.click('button:has-text("Create pipeline")');
  const renewals = page.locator('section[aria-label="Renewals"]');
  await renewals.waitFor();
  await renewals.locator('form.add-stage input[name="name"]').fill('Up for renewal');
  await renewals.locator('form.add-stage button').click();
  await page.locator('section[aria-label="Renewals"] li.stage-setting').first().waitFor();
  assert.deepEqual(await stageNames(page, 'Renewals'), ['Up for renewal']);
  await assertFitsPhone(page);
  await shot(page, 'settings-375-nojs');
  await page.goto(`${BASE_URL}/settings/members`);
  assert.ok(await page.locator('table.members tbody tr').count() > 0);
  await assertFitsPhone(page);
  await context.close();
});

test('an invitation shows its link when no email account is set; the link makes the person and signs them in', async () => {
  const admin = await openPage(browser);
  await signIn(admin.page);
  await admin.page.goto(`${BASE_URL}/settings/members`);
  await waitForHydration(admin.page);
  const email = `invitee${Date.now()}@example.test`;
  await admin.page.fill('#invite_email', email);
  await admin.page.selectOption('#invite_role', 'member');
  await admin.page.click('#send-invite');
  const link = await admin.page.locator('#invite-outcome code.invite-link').textContent();
  assert.match(link, /\/invite\/[0-9a-f]{64}$/);
  await admin.page.locator('ul.invitations li', { hasText: email }).waitFor();
  assert.deepEqual(await seriousViolations(admin.page), []);
  await admin.context.close();

  // The invited person, with JavaScript off at 375 px, never signed in.
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  const url = link.startsWith('http') ? link : `${BASE_URL}${link}`;
  await page.goto(url);
  assert.match(await page.textContent('main h1'), /Join BezelIQ/);
  await page.fill('#name', 'Ivy Invitee');
  await page.fill('#password', 'ivy-invitee-password');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/invite/')), page.click('#accept-invitation')]);
  await page.goto(`${BASE_URL}/contacts`);
  assert.ok(await page.locator('table.contacts tbody tr').count() > 0, 'signed in, in the client');
  await assertFitsPhone(page);
  // A member, so settings are refused; the link is spent.
  const res = await page.goto(`${BASE_URL}/settings/pipelines`);
  assert.equal(res.status(), 403);
  await page.goto(url);
  assert.match(await page.textContent('main'), /used, revoked or expired/);
  await context.close();
});

// Without script a form posts natively; the server sends the page back with
// the function's error, which the form's `Posted` starts from.
test('without script, a refused form comes back with its error next to the field', async () => {
  const { context, page } = await phoneWithoutScript(browser, SOLO);
  await page.goto(`${BASE_URL}/settings/profile`);
  await page.fill('#current', 'not the password either');
  await page.fill('#new_password', 'another long password');
  await page.fill('#repeat', 'another long password');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Change password")')]);
  assert.equal(new URL(page.url()).pathname, '/settings/profile');
  assert.match(await page.textContent('#current-error'), /not your current password/);
  await context.close();
});

test('your profile: a wrong current password is refused next to its field', async () => {
  const { page, problems } = await openPage(browser);
  await signIn(page, SOLO);
  await page.goto(`${BASE_URL}/settings/profile`);
  await waitForHydration(page);
  await page.fill('#current', 'not the password');
  await page.fill('#new_password', 'another long password');
  await page.fill('#repeat', 'another long password');
  await page.click('button:has-text("Change password")');
  await page.locator('#current-error', { hasText: 'not your current password' }).waitFor();
  await page.fill('#name', 'Solo Harbor-Renamed');
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/save_my_name')),
    page.click('button:has-text("Save name")'),
  ]);
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.textContent('.user-name'), 'Solo Harbor-Renamed');
  assert.deepEqual(await seriousViolations(page), []);
  assertOnlyRefusals(problems, 1);
});
