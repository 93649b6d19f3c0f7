#!/usr/bin/env node
// `npm run bench`: cleanmatch native, cleanmatch wasm in Chromium (1 and N workers) and
// @openmined/psi.js in node, on the same generated data, side by side. Figures, not tests.
//
//   npm run bench                      10k records per side
//   npm run bench -- --full            10k, 100k and 1M (psi.js skipped at 1M)
//   npm run bench -- --sizes 1000,50000 --no-psijs --no-native --workers 4
//   BENCH_SIZES=20000 npm run bench
//   npm run bench -- --no-build --dist dist-simd   a variant built with build-wasm.mjs --out
// Results: a table on stdout, raw JSON in test-artifacts/bench.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, openPage, prepareWww, root, startServer } from '../tests/browser/harness.mjs';
import { sides } from './data.mjs';
import { runNative } from './native.mjs';
import { runPsiJs } from './psijs.mjs';
import { table } from './table.mjs';

const args = process.argv.slice(2);
const has = (f) => args.includes(f);
const opt = (f) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : undefined; };
const PSIJS_MAX = Number(opt('--psijs-max') ?? 100000);

const sizes = (opt('--sizes') ?? process.env.BENCH_SIZES ?? (has('--full') ? '10000,100000,1000000' : '10000'))
  .split(',').map(Number).filter((n) => n > 0);
const manyWorkers = opt('--workers') ? Number(opt('--workers')) : undefined;

if (!has('--no-build')) {
  const r = spawnSync('node', [path.join(root, 'scripts', 'build-wasm.mjs'), '--no-www'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const www = prepareWww(opt('--dist') ? path.resolve(opt('--dist')) : undefined);
fs.cpSync(path.join(root, 'bench', 'page'), www, { recursive: true });
const server = await startServer(www);
const browser = await launchBrowser();
const results = [];
try {
  for (const n of sizes) {
    console.error(`bench: n = ${n}: generating data`);
    const data = sides(n);
    fs.writeFileSync(path.join(www, `a-${n}.bin`), data.a);
    fs.writeFileSync(path.join(www, `b-${n}.bin`), data.b);

    if (!has('--no-native')) {
      console.error('bench: native (cargo run --release -- bench)');
      const native = runNative(root, n);
      results.push({ ...native, name: native.workers ? `native ${native.workers}c` : 'native', n });
    }

    const page = await openPage(browser, `${server.url}/bench.html`);
    await page.waitForFunction(() => window.runBench !== undefined);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    for (const workers of [...new Set([1, manyWorkers ?? Math.min(8, cores)])]) {
      console.error(`bench: wasm, ${workers} worker(s)`);
      const r = await page.evaluate(([n, w]) => window.runBench(n, w), [n, workers]);
      if (r.overlap !== data.overlap) throw new Error(`wasm found ${r.overlap} shared records, expected ${data.overlap}`);
      const p = r.phases;
      results.push({ name: `wasm ${r.workers}w`, n, phases: p, bytes: r.bytes,
        total: p.blindA + p.blindB + p.evaluateA + p.evaluateB + p.intersection,
        perBlindUs: ((p.blindA + p.blindB) / 2 / n) * 1000 * r.workers,
        perEvaluateUs: ((p.evaluateA + p.evaluateB) / 2 / n) * 1000 * r.workers,
        wallPerElementUs: ((p.blindA + p.blindB + p.evaluateA + p.evaluateB) / 4 / n) * 1000 });
    }
    await page.close();

    if (!has('--no-psijs') && n <= PSIJS_MAX) {
      for (const structure of ['Raw', 'GCS']) {
        console.error(`bench: psi.js ${structure}`);
        let r;
        try {
          r = await runPsiJs(data, structure);
        } catch (err) {
          results.push({ name: `psi.js ${structure}`, n, error: String(err.message ?? err).slice(0, 80) });
          continue;
        }
        if (r.intersection !== data.overlap && structure === 'Raw') throw new Error(`psi.js found ${r.intersection}, expected ${data.overlap}`);
        const p = r.phases;
        // Four scalar-multiplication phases, like cleanmatch's two blinds + two evaluations.
        results.push({ ...r, perPhaseUs: (r.total / 4 / n) * 1000, wallPerElementUs: (r.total / 4 / n) * 1000,
          perBlindUs: ((p.setup + p.request) / 2 / n) * 1000, perEvaluateUs: ((p.response + p.intersection) / 2 / n) * 1000 });
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(www, { recursive: true, force: true });
}

fs.mkdirSync(path.join(root, 'test-artifacts'), { recursive: true });
fs.writeFileSync(path.join(root, 'test-artifacts', 'bench.json'), JSON.stringify(results, null, 2));
console.log(table(results));
// The machine may be shared: say how busy it was, since every figure here is wall time.
console.log(`\n${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ` +
  `Chromium workers: ${results.filter((r) => r.name.startsWith('wasm')).map((r) => r.name.slice(5)).join(', ')}`);
