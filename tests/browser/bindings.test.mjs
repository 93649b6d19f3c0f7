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
