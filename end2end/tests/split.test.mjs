import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO, launch, openPage, waitForHydration } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Sign-in, Today and the board are in the first module; every other page
// is a lazy route (app/src/routes.rs): its group's code is a wasm chunk of
// its own, fetched with the page and never before.
test('each page brings the wasm chunk of its group, and only when it is opened', async () => {
  const { page, problems } = await openPage(browser);
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });

  await page.goto(`${BASE_URL}/sign-in`);
  await waitForHydration(page);
  assert.ok(wasm.includes('/pkg/redkey.wasm'), wasm.join(' '));
  assert.deepEqual(wasm.filter((p) => /split_/.test(p)), [], 'no page chunk for the sign-in page');

  await page.fill('#email', DEMO.email);
  await page.fill('#password', DEMO.password);
  await Promise.all([page.waitForURL((u) => new URL(u).pathname === '/'), page.click('#sign-in')]);
  await waitForHydration(page);
  await page.locator('#chart-stages').waitFor();
  // The board comes with the first module too: opening it fetches no chunk.
  await page.click('nav a[href="/pipeline"]');
  await page.waitForURL(/\/pipeline/);
  await page.locator('.board').waitFor();
  assert.deepEqual(wasm.filter((p) => /split_|chunk_/.test(p)), [], 'Today and the board need no chunk');

  // A client-side navigation to another page fetches that page's chunk.
  await page.click('nav a[href="/activity"]');
  await page.waitForURL(/\/activity/);
  await waitForHydration(page);
  await page.locator('main h1', { hasText: 'Activity' }).waitFor();
  assert.ok(wasm.some((p) => /split_people_pages_/.test(p)), wasm.join(' '));

  // The frame's tools (the palette's box, Tell arlo's outcome) come only
  // when first used.
  assert.ok(!wasm.some((p) => p.includes('split_frame_tool_')), 'the tools are not fetched before they are used');
  await page.keyboard.press('Control+k');
  await page.locator('#palette-input').waitFor();
  assert.ok(wasm.some((p) => p.includes('split_frame_tool_')), wasm.join(' '));
  await page.keyboard.press('Escape');

  // Opened cold, a page's chunks are named in the HTML so they load
  // alongside the main module rather than after it: every time, once each
  // (Leptos's own list named them in a random share of loads).
  for (const path of ['/', '/pipeline']) {
    const html = await (await page.request.get(`${BASE_URL}${path}`)).text();
    assert.deepEqual(html.match(/href="[^"]*(split|chunk)_[^"]*\.wasm"/g), null, `${path} names no chunk`);
  }
  const groups = { '/contacts': 'people', '/deals': 'people', '/arlo': 'arlo', '/settings/members': 'settings' };
  for (const [path, group] of Object.entries(groups)) {
    for (let i = 0; i < 4; i += 1) {
      const html = await (await page.request.get(`${BASE_URL}${path}`)).text();
      const named = html.match(/href="[^"]*\.wasm"/g) ?? [];
      assert.ok(named.some((h) => h.includes(`split_${group}_pages_`)), `${path}, load ${i + 1}: ${named.length} wasm links`);
      assert.equal(new Set(named).size, named.length, `${path}: no chunk named twice`);
      assert.ok(!named.some((h) => h.includes('split_frame_tool_')), `${path}: the tools are not preloaded`);
    }
  }
  assert.deepEqual(problems, []);
});

// The first module carries the frame, not the other pages: a page's text
// comes with its group. The splitter once kept every page's data in the
// first module whenever its relaid data overran the linker's segment by a
// few bytes (frontend/src/lib.rs, SPLIT_SLACK).
test('the first module holds no other page\'s text; that page\'s group does', async () => {
  const text = 'Erase everything about them'; // the settings page's forget form
  const bytes = async (path) => {
    const res = await fetch(`${BASE_URL}${path}`);
    assert.equal(res.status, 200, path);
    return Buffer.from(await res.arrayBuffer());
  };
  assert.ok(!(await bytes('/pkg/redkey.wasm')).includes(text), 'the first module carries the settings page\'s text');
  const manifest = await (await fetch(`${BASE_URL}/pkg/__wasm_split_manifest.json`)).json();
  const key = Object.keys(manifest).find((k) => k.startsWith('settings_pages_'));
  const files = [`split_${key}`, ...manifest[key]];
  const holders = [];
  for (const f of files) if ((await bytes(`/pkg/${f}.wasm`)).includes(text)) holders.push(f);
  assert.ok(holders.length > 0, `none of ${files.join(', ')} holds it`);
});
