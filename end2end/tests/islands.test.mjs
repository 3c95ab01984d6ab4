import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, signIn, waitForHydration } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The cockpit is drawn on the server; the browser runs only its islands
// (`#[island]`: the frame's palette and Tell arlo, the forms' posting, the
// board's dragging, lookups). Every page loads the same one module, and
// the frame's tools (the palette's box, what came of telling arlo) come
// as a chunk of their own, fetched when first used.
test('every page loads the one module; the frame\'s tools come only when first used', async () => {
  const { page, problems } = await openPage(browser);
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  await page.goto(`${BASE_URL}/sign-in`);
  await waitForHydration(page);
  assert.deepEqual(wasm, ['/pkg/redkey.wasm']);
  await signIn(page, undefined, null);
  for (const path of ['/pipeline', '/contacts', '/arlo', '/settings/members']) {
    await page.goto(`${BASE_URL}${path}`);
    await waitForHydration(page);
  }
  assert.ok(wasm.every((p) => p === '/pkg/redkey.wasm'), wasm.join(' '));

  await page.keyboard.press('Control+k');
  await page.locator('#palette-input').waitFor();
  assert.ok(wasm.some((p) => p.includes('split_frame_tool_')), wasm.join(' '));
  await page.keyboard.press('Escape');

  for (const path of ['/', '/pipeline', '/contacts', '/arlo', '/settings/members']) {
    const html = await (await page.request.get(`${BASE_URL}${path}`)).text();
    assert.deepEqual(html.match(/href="[^"]*(split|chunk)_[^"]*\.wasm"/g), null, `${path} names no chunk`);
    assert.match(html, /<leptos-island data-component="Hydrated_\d+"/, `${path} has its islands`);
  }
  assert.deepEqual(problems, []);
});

// A page's own text is drawn on the server and is in none of the
// browser's code (here the settings page's forget form).
test('no page\'s own text is in the browser\'s code', async () => {
  const text = 'Erase everything about them';
  const bytes = async (path) => {
    const res = await fetch(`${BASE_URL}${path}`);
    assert.equal(res.status, 200, path);
    return Buffer.from(await res.arrayBuffer());
  };
  const manifest = await (await fetch(`${BASE_URL}/pkg/__wasm_split_manifest.json`)).json();
  const files = new Set(['redkey']);
  for (const [key, chunks] of Object.entries(manifest)) {
    files.add(`split_${key}`);
    for (const c of chunks) files.add(c);
  }
  for (const f of files) {
    assert.ok(!(await bytes(`/pkg/${f}.wasm`)).includes(text), `${f}.wasm carries the settings page's text`);
  }
  // The page shows it all the same.
  const { page, problems } = await openPage(browser);
  await signIn(page, undefined, '/settings/members');
  await page.locator('#forget-person', { hasText: text }).waitFor();
  assert.deepEqual(problems, []);
});
