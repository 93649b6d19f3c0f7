// The raw wasm bindings on a page's main thread: names, Uint8Array in/out, and errors
// as JS Errors with stable codes (no panics from bad input).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openPage, setup } from './harness.mjs';

let env;
let page;

before(async () => {
  env = await setup();
  page = await openPage(env.browser, `${env.server.url}/pool.html`);
  await page.waitForFunction(() => window.core !== undefined, null, { timeout: 20000 });
});

after(async () => env?.close());

const codeOf = (f) => page.evaluate(f).then((r) => r);

test('normalize, digest and presetFingerprint', async () => {
  const r = await page.evaluate(() => {
    const { normalize, digest, presetFingerprint } = window.core;
    const d = digest('plain', 'email', ' Jane@Example.com ');
    return {
      normalized: normalize('plain', 'email', ' Jane@Example.com '),
      digestLength: d.length,
      isBytes: d instanceof Uint8Array,
      fingerprint: presetFingerprint('uid2'),
    };
  });
  assert.equal(r.normalized, 'jane@example.com');
  assert.equal(r.digestLength, 32);
  assert.ok(r.isBytes);
  assert.match(r.fingerprint, /^[0-9a-f]{16,64}$/);
});

test('bad input becomes a JS Error with a stable code', async () => {
  const codes = await codeOf(() => {
    const { normalize, blindBatch, evaluateBatch, randomSecret } = window.core;
    const code = (f) => { try { f(); return 'no error'; } catch (e) { return `${e instanceof Error}:${e.code}`; } };
    const secret = randomSecret();
    return {
      preset: code(() => normalize('nope', 'email', 'a@b.c')),
      kind: code(() => normalize('plain', 'shoe', 'x')),
      empty: code(() => normalize('plain', 'email', '   ')),
      secret: code(() => blindBatch(new Uint8Array(32).fill(0xff), 'email', new Uint8Array(32))),
      key: code(() => blindBatch(secret, 'shoe', new Uint8Array(32))),
      length: code(() => blindBatch(secret, 'email', new Uint8Array(33))),
      point: code(() => evaluateBatch(secret, new Uint8Array(64))),
    };
  });
  assert.deepEqual(codes, {
    preset: 'true:unknown-preset',
    kind: 'true:unknown-kind',
    empty: 'true:empty',
    secret: 'true:invalid-secret',
    key: 'true:unknown-key',
    length: 'true:invalid-length',
    point: 'true:invalid-point',
  });
});

test('FileIngest reads a CSV into records and refuses a binary file with a code', async () => {
  const r = await page.evaluate(() => {
    const { FileIngest, OwnSet } = window.core;
    const ingest = new FileIngest('uid2', undefined, undefined, undefined);
    const text = new TextEncoder().encode('Email;Plan\nann@example.com;gold\n\nbad-email;basic\nbob@example.com;gold\n');
    ingest.push(text.subarray(0, 7)); // chunks split anywhere
    ingest.push(text.subarray(7));
    const quality = JSON.parse(ingest.finish());
    const rec = ingest.takeRecords();
    const own = new OwnSet();
    own.addBatch(rec.rows, rec.counts, rec.keys, rec.digests, rec.groups, rec.labels);
    const binary = new FileIngest('uid2', undefined, undefined, undefined);
    let code;
    try {
      binary.push(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
      binary.finish();
    } catch (e) {
      code = e.code;
    }
    return { records: quality.records, rows: Array.from(rec.rows), held: own.heldKeys(), length: own.length, code };
  });
  assert.equal(r.records, 2);
  assert.equal(r.rows.length, 2); // numbering is ingest's business; the valid rows come through
  assert.equal(r.rows[0], 2);
  assert.deepEqual(r.held, ['email']);
  assert.equal(r.length, 2);
  assert.equal(r.code, 'binary-file');
});
