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
