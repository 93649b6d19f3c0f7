// The worker pool in real Chromium: the wasm loads under the server's CSP, 1 and N
// workers agree, the protocol round trip matches, bad input and crashes reject cleanly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openPage, screenshot, setup } from './harness.mjs';

let env;
let page;

before(async () => {
  env = await setup();
  page = await openPage(env.browser, `${env.server.url}/pool.html`);
  await page.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
});

after(async () => {
  if (page) await screenshot(page, 'pool');
  await env?.close();
});

test('the wasm core loads in workers under the strict CSP', async () => {
  const version = await page.evaluate(async () => {
    const pool = await window.cm.createPool({ workers: 1 });
    const v = pool.version;
    pool.close();
    return v;
  });
  assert.match(version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(page.problems, []);
});

test('1 worker and 4 workers blind to the same points with the same secret', async () => {
  const same = await page.evaluate(async () => {
    const { createPool, randomBytes } = window.cm;
    const digests = randomBytes(20000 * 32);
    const one = await createPool({ workers: 1, chunkSize: 3000 });
    const secret = await one.randomSecret();
    one.setSecret(secret);
    const four = await createPool({ workers: 4, chunkSize: 3000, secret });
    const progress = [];
    const [a, b] = await Promise.all([
      one.blind('email', digests),
      four.blind('email', digests, { onProgress: (p) => progress.push(p.done) }),
    ]);
    one.close();
    four.close();
    const equal = a.length === b.length && a.every((x, i) => x === b[i]);
    return { equal, length: a.length, progress };
  });
  assert.equal(same.length, 20000 * 32);
  assert.ok(same.equal, '1-worker and 4-worker outputs differ');
  assert.equal(same.progress.at(-1), 20000, 'progress ends at the total');
  assert.equal(same.progress.length, 1 + Math.ceil(20000 / 3000), 'one event at the start and one per chunk');
});

test('blind then evaluate on both sides gives equal values for shared records', async () => {
  const r = await page.evaluate(async () => {
    const { createPool, randomBytes } = window.cm;
    const shared = randomBytes(500 * 32);
    const own = (n) => { const d = new Uint8Array((500 + n) * 32); d.set(shared); d.set(randomBytes(n * 32), 500 * 32); return d; };
    const a = await createPool({ workers: 2, chunkSize: 256 });
    const b = await createPool({ workers: 3, chunkSize: 256 });
    const fromA = await a.blind('phone', own(700));
    const fromB = await b.blind('phone', own(300));
    const aDouble = await b.evaluate(fromA);
    const bDouble = await a.evaluate(fromB);
    a.close();
    b.close();
    const hex = (buf, size) => { const out = new Set(); for (let i = 0; i < buf.length; i += size) out.add(Array.from(buf.subarray(i, i + size), (x) => x.toString(16).padStart(2, '0')).join('')); return out; };
    const setA = hex(aDouble, 12);
    let overlap = 0;
    for (const v of hex(bDouble, 12)) if (setA.has(v)) overlap++;
    return { overlap, aLen: aDouble.length, bLen: bDouble.length };
  });
  assert.equal(r.aLen, 1200 * 12);
  assert.equal(r.bLen, 800 * 12);
  assert.equal(r.overlap, 500);
});

test('an invalid point rejects with a coded error and the pool stays usable', async () => {
  const r = await page.evaluate(async () => {
    const { createPool, randomBytes } = window.cm;
    const pool = await createPool({ workers: 2 });
    const bad = new Uint8Array(3 * 32).fill(0xff);
    let error;
    try {
      await pool.evaluate(bad);
    } catch (e) {
      error = { name: e.name, code: e.code, message: e.message };
    }
    let keyError;
    try {
      await pool.blind('shoe-size', randomBytes(32));
    } catch (e) {
      keyError = e.code;
    }
    const ok = await pool.blind('email', randomBytes(64));
    pool.close();
    return { error, keyError, okLen: ok.length };
  });
  assert.equal(r.error.code, 'invalid-point');
  assert.equal(r.error.name, 'CleanmatchError');
  assert.equal(r.keyError, 'unknown-key');
  assert.equal(r.okLen, 64);
});

test('a crashing worker rejects every pending operation and fails the pool', async () => {
  const r = await page.evaluate(async () => {
    const { createPool, randomBytes } = window.cm;
    const pool = await createPool({ workers: 1, chunkSize: 100, workerUrl: new URL('./crash-worker.js', location.href) });
    const settle = (p) => p.then(() => 'resolved', (e) => e.code);
    const results = await Promise.race([
      Promise.all([settle(pool.blind('email', randomBytes(1000 * 32))), settle(pool.blind('name_postal', randomBytes(1000 * 32)))]),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 10000)),
    ]);
    const later = await settle(pool.evaluate(randomBytes(32)));
    return { results, later, failed: pool.failed?.code };
  });
  assert.deepEqual(r.results, ['worker-crashed', 'worker-crashed']);
  assert.equal(r.later, 'worker-crashed');
  assert.equal(r.failed, 'worker-crashed');
});

test('an aborted operation rejects with code aborted', async () => {
  const code = await page.evaluate(async () => {
    const { createPool, randomBytes } = window.cm;
    const pool = await createPool({ workers: 1, chunkSize: 500 });
    const controller = new AbortController();
    const p = pool.blind('email', randomBytes(20000 * 32), { signal: controller.signal, onProgress: (x) => { if (x.done > 0) controller.abort(); } });
    const code = await p.then(() => 'resolved', (e) => e.code);
    pool.close();
    return code;
  });
  assert.equal(code, 'aborted');
});
