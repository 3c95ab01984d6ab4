// Cold first load of the cockpit: a fresh browser context (empty cache)
// opens a page until it is hydrated, N times. Prints the bytes the browser
// received (the page, its styles and its wasm chunks) and the time to
// hydration. PAGE=/pipeline signs in first (a form post that loads no
// assets), so the cache is still empty when the page opens.
// MBIT=20 emulates a link of that many megabits a second with 40 ms of
// latency (loopback hides what the bytes cost).
// Usage: BASE_URL=http://127.0.0.1:3000 [MBIT=20] [PAGE=/pipeline] [EMAIL= PASSWORD=]
//          node bench/first-load.mjs [runs]
import { BASE_URL, DEMO, launch, waitForHydration } from '../tests/helpers.mjs';

const runs = Number(process.argv[2] ?? 10);
const mbit = Number(process.env.MBIT ?? 0);
const target = process.env.PAGE ?? '/sign-in';
const who = { email: process.env.EMAIL ?? DEMO.email, password: process.env.PASSWORD ?? DEMO.password };
const browser = await launch();
const times = [];
let bytes = 0;
let wasmBytes = 0;
let wasmFiles = 0;
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  if (target !== '/sign-in') {
    const r = await context.request.post(`${BASE_URL}/api/sign_in`, {
      form: who, headers: { origin: BASE_URL }, maxRedirects: 0,
    });
    if (r.status() >= 400) throw new Error(`signing in failed: ${r.status()}`);
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (mbit > 0) {
    const bytesPerSecond = (mbit * 1e6) / 8;
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 40, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
    });
  }
  let received = 0;
  let wasm = 0;
  let chunks = 0;
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    received += e.encodedDataLength;
    if ((urls.get(e.requestId) ?? '').endsWith('.wasm')) { wasm += e.encodedDataLength; chunks += 1; }
  });
  const started = performance.now();
  await page.goto(`${BASE_URL}${target}`);
  await waitForHydration(page);
  times.push(performance.now() - started);
  bytes = received;
  wasmBytes = wasm;
  wasmFiles = chunks;
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0);
console.log(`${target}  runs ${runs}  link ${mbit > 0 ? `${mbit} Mbit/s` : 'loopback'}  bytes on the wire ${(bytes / 1024).toFixed(0)} KiB ` +
  `(wasm ${(wasmBytes / 1024).toFixed(0)} KiB in ${wasmFiles} files)  ` +
  `to hydrated: p50 ${at(0.5)} ms  p95 ${at(0.95)} ms`);
