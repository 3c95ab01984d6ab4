// Cold first load of the cockpit: a fresh browser context (empty cache)
// opens the sign-in page until it is hydrated, N times. Prints the bytes the
// browser received for the front end and the time to hydration.
// MBIT=20 emulates a link of that many megabits a second with 40 ms of
// latency (loopback hides what the bytes cost).
// Usage: BASE_URL=http://127.0.0.1:3000 [MBIT=20] node bench/first-load.mjs [runs]
import { BASE_URL, launch, waitForHydration } from '../tests/helpers.mjs';

const runs = Number(process.argv[2] ?? 10);
const mbit = Number(process.env.MBIT ?? 0);
const browser = await launch();
const times = [];
let bytes = 0;
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
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
  cdp.on('Network.loadingFinished', (e) => { received += e.encodedDataLength; });
  const started = performance.now();
  await page.goto(`${BASE_URL}/sign-in`);
  await waitForHydration(page);
  times.push(performance.now() - started);
  bytes = received;
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0);
console.log(`runs ${runs}  link ${mbit > 0 ? `${mbit} Mbit/s` : 'loopback'}  bytes on the wire ${(bytes / 1024).toFixed(0)} KiB  ` +
  `to hydrated: p50 ${at(0.5)} ms  p95 ${at(0.95)} ms`);
