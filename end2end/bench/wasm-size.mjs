// The wasm a cold first load fetches, gzipped at level 9: the first module
// (every page's islands), and with it each split-out part the manifest
// lists (the frame's tools, fetched when first used). Reads a release
// split build's site (`cargo leptos build --release --split`); builds
// nothing.
// Usage: node bench/wasm-size.mjs [pkg dir, default ../target/site/pkg]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const pkg = process.argv[2] ?? new URL('../../target/site/pkg', import.meta.url).pathname;
const gz = (file) => gzipSync(readFileSync(join(pkg, `${file}.wasm`)), { level: 9 }).length;
const manifest = JSON.parse(readFileSync(join(pkg, '__wasm_split_manifest.json'), 'utf8'));
const first = gz('redkey');
const rows = [['first module alone', first, 1]];
for (const [key, chunks] of Object.entries(manifest).sort()) {
  rows.push([key.replace(/_\d+$/, ''), first + chunks.reduce((sum, f) => sum + gz(f), 0), chunks.length + 1]);
}
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'group'.padEnd(width)}  ${'bytes'.padStart(9)}  files`);
for (const [name, bytes, files] of rows) {
  console.log(`${name.padEnd(width)}  ${bytes.toLocaleString('en').padStart(9)}  ${String(files).padStart(5)}`);
}
