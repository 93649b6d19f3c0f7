// Two pages complete a match through the real relay of `cleanmatch serve`: sealed
// handshake, manifest agreement, blinding in worker pools, the same report on both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openPage, screenshot, setup } from './harness.mjs';

let env;

before(async () => { env = await setup(); });
after(async () => env?.close());

/** One match between two fresh pages; returns both sides' outcomes. */
async function runMatch(hostWorkers, guestWorkers) {
  const host = await openPage(env.browser, `${env.server.url}/collab.html`);
  const guest = await openPage(env.browser, `${env.server.url}/collab.html`);
  for (const p of [host, guest]) await p.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  const relay = env.server.relay;

  const invite = await host.evaluate(async ([relay, workers]) => {
    const c = await window.cm.createCollaboration({ relay, workers, manifest: { keys: ['email'], k: 50 } });
    c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
    window.phases = new Set();
    c.on('progress', (p) => { if (p.done <= p.total) window.phases.add(p.phase); });
    c.addDigests({ email: await window.cm.digests(0, 600) }); // rows 0..599
    window.hostResult = c.connected
      .then(async ({ verificationCode }) => { window.code = verificationCode; await c.accept(); return c.report; })
      .then((r) => ({ ok: true, report: r, code: window.code }), (e) => ({ ok: false, code: e.code, message: e.message }));
    return c.inviteUrl;
  }, [relay, hostWorkers]);
  assert.match(invite, /#k=/);

  const guestResult = await guest.evaluate(async ([relay, invite, workers]) => {
    try {
      const c = await window.cm.joinCollaboration({ relay, invite, workers });
      c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
      c.addDigests({ email: await window.cm.digests(400, 500) }); // rows 400..899: 200 shared
      const { verificationCode } = await c.connected;
      await c.manifest;
      await c.accept();
      return { ok: true, report: await c.report, code: verificationCode };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, [relay, invite, guestWorkers]);
  const hostResult = await host.evaluate(async () => ({ ...(await window.hostResult), phases: [...window.phases] }));
  await screenshot(host, `collab-host-${hostWorkers}w`);
  assert.deepEqual([...host.problems, ...guest.problems], []);
  await host.close();
  await guest.close();
  return { hostResult, guestResult };
}

test('host and guest pages reach the same report through the relay, with 1 or N workers', async () => {
  const one = await runMatch(1, 1);
  const many = await runMatch(4, 3);
  for (const { hostResult, guestResult } of [one, many]) {
    assert.ok(hostResult.ok, `host failed: ${hostResult.code} ${hostResult.message}`);
    assert.ok(guestResult.ok, `guest failed: ${guestResult.code} ${guestResult.message}`);
    assert.equal(hostResult.code, guestResult.code, 'verification codes differ');
    assert.equal(hostResult.report.report_hash, guestResult.report.report_hash);
    const f = hostResult.report.figures;
    assert.equal(f.host.records, 600);
    assert.equal(f.guest.records, 500);
    assert.equal(f.host.matched, 200);
    assert.equal(f.guest.matched, 200);
    assert.ok(hostResult.phases.includes('blind') && hostResult.phases.includes('evaluate'), `phases: ${hostResult.phases}`);
  }
  // Same data, same manifest: the same report whatever the worker count.
  assert.equal(one.hostResult.report.report_hash, many.hostResult.report.report_hash);
});

test('host and guest match CSV files added with addFile', async () => {
  const host = await openPage(env.browser, `${env.server.url}/collab.html`);
  const guest = await openPage(env.browser, `${env.server.url}/collab.html`);
  for (const p of [host, guest]) await p.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  const relay = env.server.relay;
  // Host: user0..599; guest: user400..899 with different case and spacing (normalized away).
  const csv = (first, n, shout) => ['Email,Plan', ...Array.from({ length: n }, (_, i) => {
    const e = `user${first + i}@example.com`;
    return `${shout ? ` ${e.toUpperCase()} ` : e},${i % 2 ? 'gold' : 'basic'}`;
  })].join('\n');

  const invite = await host.evaluate(async ([relay, text]) => {
    const c = await window.cm.createCollaboration({ relay, workers: 2, manifest: { preset: 'uid2', keys: ['email'] } });
    c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
    window.hostResult = (async () => {
      try {
        const quality = await c.addFile(new Blob([text], { type: 'text/csv' }));
        await c.connected;
        await c.accept();
        return { ok: true, quality, report: await c.report };
      } catch (e) {
        return { ok: false, code: e.code, message: e.message };
      }
    })();
    return c.inviteUrl;
  }, [relay, csv(0, 600, false)]);

  const guestResult = await guest.evaluate(async ([relay, invite, text]) => {
    try {
      const c = await window.cm.joinCollaboration({ relay, invite, workers: 1 });
      c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
      const quality = await c.addFile(new Blob([text], { type: 'text/csv' })); // waits for the proposal
      await c.accept();
      return { ok: true, quality, report: await c.report };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, [relay, invite, csv(400, 500, true)]);
  const hostResult = await host.evaluate(() => window.hostResult);

  assert.ok(hostResult.ok, `host failed: ${hostResult.code} ${hostResult.message}`);
  assert.ok(guestResult.ok, `guest failed: ${guestResult.code} ${guestResult.message}`);
  assert.equal(hostResult.quality.records, 600);
  assert.equal(guestResult.quality.records, 500);
  assert.equal(hostResult.report.report_hash, guestResult.report.report_hash);
  assert.equal(hostResult.report.figures.host.matched, 200);
  assert.equal(hostResult.report.figures.guest.matched, 200);
});

test('audience mode: a suppression list removes records, each side downloads its own matched rows', async () => {
  const host = await openPage(env.browser, `${env.server.url}/collab.html`);
  const guest = await openPage(env.browser, `${env.server.url}/collab.html`);
  for (const p of [host, guest]) await p.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  const relay = env.server.relay;
  // A formula-like cell in every host row: the export must neutralize it.
  const hostCsv = ['Email,Note', ...Array.from({ length: 600 }, (_, i) => `user${i}@example.com,=HYPERLINK("x${i}")`)].join('\n');
  const optOut = ['email', ...Array.from({ length: 50 }, (_, i) => `user${400 + i}@example.com`)].join('\n');
  const guestCsv = ['email', ...Array.from({ length: 500 }, (_, i) => `user${400 + i}@example.com`)].join('\n');

  const invite = await host.evaluate(async ([relay, text, optOut]) => {
    const c = await window.cm.createCollaboration({ relay, workers: 2, manifest: { mode: 'audience', keys: ['email'], k: 10 }, local: { minK: 10 } });
    c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
    window.hostResult = (async () => {
      try {
        const quality = await c.addFile(new Blob([text]), { suppression: new Blob([optOut]) });
        await c.connected;
        await c.accept();
        const report = await c.report;
        const csv = await (await c.downloadAudience()).text();
        return { ok: true, quality, report, csv };
      } catch (e) {
        return { ok: false, code: e.code, message: e.message };
      }
    })();
    return c.inviteUrl;
  }, [relay, hostCsv, optOut]);

  const guestResult = await guest.evaluate(async ([relay, invite, text]) => {
    try {
      const c = await window.cm.joinCollaboration({ relay, invite, workers: 1, local: { minK: 10 } });
      c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
      await c.addFile(new Blob([text]));
      await c.accept();
      const report = await c.report;
      const csv = await (await c.downloadAudience()).text();
      return { ok: true, report, csv };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, [relay, invite, guestCsv]);
  const hostResult = await host.evaluate(() => window.hostResult);
  assert.ok(hostResult.ok, `host failed: ${hostResult.code} ${hostResult.message}`);
  assert.ok(guestResult.ok, `guest failed: ${guestResult.code} ${guestResult.message}`);
  assert.equal(hostResult.quality.suppressed, 50);
  assert.equal(hostResult.report.report_hash, guestResult.report.report_hash);
  assert.equal(hostResult.report.figures.host.matched, 150);
  const hostLines = hostResult.csv.trim().split('\r\n');
  assert.equal(hostLines[0], 'Email,Note');
  assert.equal(hostLines.length, 151);
  assert.equal(hostLines[1], 'user450@example.com,"\'=HYPERLINK(""x450"")"');
  const guestLines = guestResult.csv.trim().split('\r\n');
  assert.equal(guestLines.length, 151, 'the guest exports its own 150 matched rows');
  assert.equal(guestLines[1], 'user450@example.com');
  await host.close();
  await guest.close();
});

test('a page whose relay connection drops mid-run reconnects and the run completes', async () => {
  const host = await openPage(env.browser, `${env.server.url}/collab.html`);
  const guest = await openPage(env.browser, `${env.server.url}/collab.html`);
  for (const p of [host, guest]) await p.waitForFunction(() => window.cm !== undefined, null, { timeout: 20000 });
  const relay = env.server.relay;
  const invite = await host.evaluate(async ([relay]) => {
    const c = await window.cm.createCollaboration({ relay, workers: 1, manifest: { keys: ['email'], k: 50 } });
    c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
    c.addDigests({ email: await window.cm.digests(0, 20000) });
    window.hostResult = c.connected
      .then(async () => { await c.accept(); return c.report; })
      .then((r) => ({ ok: true, report: r }), (e) => ({ ok: false, code: e.code, message: e.message }));
    return c.inviteUrl;
  }, [relay]);
  const guestResult = await guest.evaluate(async ([relay, invite]) => {
    // Keep a handle on the page's sockets so the test can drop one.
    const Native = window.WebSocket;
    const sockets = [];
    window.WebSocket = class extends Native { constructor(...a) { super(...a); sockets.push(this); } };
    try {
      const c = await window.cm.joinCollaboration({ relay, invite, workers: 1 });
      c.connected.then(() => c.confirmCode(), () => {}); // both people compared the code
      const seen = [];
      c.on('connection', (what) => seen.push(what));
      let cut = false;
      c.on('progress', (p) => {
        if (!cut && p.phase === 'evaluate' && p.done > 0) { cut = true; sockets[0].close(); }
      });
      c.addDigests({ email: await window.cm.digests(10000, 20000) });
      await c.manifest;
      await c.accept();
      const report = await c.report;
      return { ok: true, report, seen, sockets: sockets.length };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, [relay, invite]);
  const hostResult = await host.evaluate(() => window.hostResult);
  assert.ok(guestResult.ok, `guest failed: ${guestResult.code} ${guestResult.message}`);
  assert.ok(hostResult.ok, `host failed: ${hostResult.code} ${hostResult.message}`);
  assert.ok(guestResult.sockets >= 2, 'the guest opened a second connection');
  assert.deepEqual(guestResult.seen.slice(0, 2), ['reconnecting', 'restored']);
  assert.equal(hostResult.report.report_hash, guestResult.report.report_hash);
  assert.equal(hostResult.report.figures.host.matched, 10000);
  await host.close();
  await guest.close();
});
