// The relay policy the page and the npm package use comes from the core (relayPolicy,
// closeRetry), and docs/relay.md's close-code table says the same as the core.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

test('close codes and the reconnect policy come from the core, as docs/relay.md lists them', async () => {
  const { policy, rules } = await page.evaluate(() => ({
    policy: JSON.parse(window.core.relayPolicy()),
    rules: Object.fromEntries([1006, 1001, 4001, 4004, 4008, 4029, 4503, 4999].map((c) => [c, window.core.closeRetry(c)])),
  }));
  assert.deepEqual(policy.reconnect, { window_ms: 60000, delay_ms: 1000 });
  assert.deepEqual(rules, {
    1006: 'always', 1001: 'always', 4001: 'while-rejoining', 4004: 'never',
    4008: 'always', 4029: 'while-rejoining', 4503: 'while-rejoining', 4999: 'never',
  });
  const doc = readFileSync(new URL('../../docs/relay.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| (\d{4}) \| `([a-z-]+)` \| .* \| (never|always|while rejoining) \|$/gm)]
    .map(([, code, name, retry]) => ({ code: Number(code), name, retry: retry.replace(' ', '-') }));
  assert.ok(rows.length >= 9, `docs/relay.md lists ${rows.length} close codes`);
  assert.deepEqual(rows, policy.close_codes);
});
