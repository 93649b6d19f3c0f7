// A browser partner (the npm package in headless Chromium) and a Spark partner
// (`python -m cleanmatch.spark match` in local[2]) complete a match through the real
// relay of `cleanmatch serve`. Run by python/scripts/test.sh after `npm run build`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openPage, root, setup } from '../../tests/browser/harness.mjs';

const python = process.env.CLEANMATCH_PYTHON ?? path.join(root, '.venv', 'bin', 'python');
let env;

before(async () => { env = await setup(); });
after(async () => env?.close());

const csv = (first, n, shout) => ['Email,Plan', ...Array.from({ length: n }, (_, i) => {
  const e = `user${first + i}@example.com`;
  return `${shout ? ` ${e.toUpperCase()} ` : e},${i % 2 ? 'gold' : 'basic'}`;
})].join('\n');

test('a browser host and a Spark guest reach the same report', { timeout: 300_000 }, async () => {
  const page = await openPage(env.browser, `${env.server.url}/collab.html`);
  await page.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  const invite = await page.evaluate(async ([relay, text]) => {
    const c = await window.cm.createCollaboration({ relay, workers: 2, manifest: { preset: 'uid2', keys: ['email'] } });
    window.hostResult = (async () => {
      try {
        const quality = await c.addFile(new Blob([text], { type: 'text/csv' }));
        await c.connected;
        c.confirmCode(); // the Spark guest runs with --yes
        await c.accept();
        return { ok: true, quality, report: await c.report };
      } catch (e) {
        return { ok: false, code: e.code, message: e.message };
      }
    })();
    return c.inviteUrl;
  }, [env.server.relay, csv(0, 600, false)]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-spark-'));
  const input = path.join(dir, 'guest.csv');
  fs.writeFileSync(input, csv(400, 500, true));
  const spark = spawn(python, ['-m', 'cleanmatch.spark', 'match', '--invite', invite, '--input', input,
    '--yes', '--master', 'local[2]', '--relay', env.server.relay], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  spark.stdout.on('data', (d) => { stdout += d; });
  spark.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise((resolve) => spark.on('close', resolve));
  assert.equal(code, 0, `spark guest failed:\n${stderr.slice(-3000)}`);
  const theirs = JSON.parse(stdout.trim().split('\n').pop());
  const host = await page.evaluate(() => window.hostResult);
  assert.ok(host.ok, `browser host failed: ${host.code} ${host.message}`);
  assert.equal(host.report.report_hash, theirs.report_hash);
  assert.equal(host.report.figures.host.records, 600);
  assert.equal(host.report.figures.guest.records, 500);
  assert.equal(host.report.figures.guest.matched, 200);
  assert.equal(theirs.own_records, 500);
  assert.equal(theirs.own_matched, 200);
  assert.deepEqual(page.problems, []);
  await page.close();
});
