#!/usr/bin/env node
// Compares builds of the wasm core (e.g. SIMD on/off, curve25519-dalek 32/64-bit limbs)
// in node's V8 (Chromium's engine), one thread, by CPU time rather than wall time so a
// busy shared machine disturbs the comparison less. Rounds are interleaved; best of each.
//
//   node scripts/build-wasm.mjs --simd --out dist-simd --no-www --target-dir target/variant-simd
//   node bench/variants.mjs dist dist-simd [--n 20000] [--rounds 5]
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { digests } from './data.mjs';

const args = process.argv.slice(2);
const opt = (f, d) => { const i = args.indexOf(f); return i >= 0 ? Number(args[i + 1]) : d; };
const n = opt('--n', 20000);
const rounds = opt('--rounds', 5);
const dirs = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--n', '--rounds'].includes(args[i - 1])));

const cores = [];
for (const dir of dirs) {
  // A fresh copy per variant: the glue module keeps its instance in module state.
  const glue = path.resolve(dir, 'wasm', 'cleanmatch.js');
  const core = await import(`${pathToFileURL(glue)}?${dir}`);
  core.initSync({ module: fs.readFileSync(path.resolve(dir, 'wasm', 'cleanmatch_bg.wasm')) });
  cores.push({ dir, core, best: { blind: Infinity, evaluate: Infinity } });
}

const input = digests(0, n);
// CPU time by default; --wall for wall time (to compare with native figures, which are wall).
const wall = args.includes('--wall');
const cpu = (f) => {
  const s = process.cpuUsage();
  const t = performance.now();
  const r = f();
  const d = process.cpuUsage(s);
  return { r, us: wall ? (performance.now() - t) * 1000 : d.user + d.system };
};
for (let round = 0; round < rounds; round++) {
  for (const c of cores) {
    const secret = c.core.randomSecret();
    const b = cpu(() => c.core.blindBatch(secret, 'email', input));
    const e = cpu(() => c.core.evaluateBatch(secret, b.r));
    c.best.blind = Math.min(c.best.blind, b.us / n);
    c.best.evaluate = Math.min(c.best.evaluate, e.us / n);
  }
}
console.log(`n = ${n}, best of ${rounds} rounds, ${wall ? 'wall' : 'CPU'} µs per element (node ${process.version}, V8)`);
console.log('| build | blind µs/el | evaluate µs/el | wasm KiB |');
console.log('|---|---|---|---|');
for (const c of cores) {
  const kib = fs.statSync(path.resolve(c.dir, 'wasm', 'cleanmatch_bg.wasm')).size / 1024;
  console.log(`| ${c.dir} | ${c.best.blind.toFixed(1)} | ${c.best.evaluate.toFixed(1)} | ${kib.toFixed(1)} |`);
}
