#!/usr/bin/env node
// Not a test (too slow for `npm test`): times an N × N overlap end to end through the real
// page in two headless tabs, and prints where the time goes by phase (from both audit
// receipts). Usage: node tests/browser/page-scale.mjs [N=1000000] [shared=N/2]
import fs from 'node:fs';
import { guestUntilAccept, hostUntilInvite, setupPage, shot } from './page-driver.mjs';

const n = Number(process.argv[2] ?? 1_000_000);
const shared = Number(process.argv[3] ?? Math.floor(n / 2));

function csv(prefix, sharedFirst) {
  const lines = ['email,segment'];
  for (let i = 0; i < n; i++) {
    lines.push(`${i < sharedFirst ? `person${i}@example.com` : `${prefix}${i}@example.org`},s${i % 7}`);
  }
  return `${lines.join('\n')}\n`;
}

const env = await setupPage();
try {
  const hostFile = env.write('host.csv', csv('host', shared));
  const guestFile = env.write('guest.csv', csv('guest', shared));
  const h = await env.party('host');
  const g = await env.party('guest');
  const t0 = Date.now();
  const invite = await hostUntilInvite(h, env.server.url, { file: hostFile });
  const tInvite = Date.now();
  await guestUntilAccept(g, invite, { host: h, file: guestFile });
  const tAccept = Date.now();
  const done = (p) => p.waitForSelector('[data-testid="overlap-count"]:visible', { timeout: 3_600_000 });
  await Promise.all([done(h), done(g)]);
  const tEnd = Date.now();
  await shot(h, 'page-scale-host-report');
  const receipt = async (p) => {
    const [d] = await Promise.all([p.waitForEvent('download'), p.click('[data-action="download-receipt"]')]);
    return JSON.parse(fs.readFileSync(await d.path(), 'utf8'));
  };
  const [hr, gr] = [await receipt(h), await receipt(g)];
  console.log(JSON.stringify({
    n,
    shared,
    matched: hr.counts.own_matched,
    seconds: {
      host_check_file_until_invite: (tInvite - t0) / 1000,
      guest_join_check_until_accept: (tAccept - tInvite) / 1000,
      accept_until_both_reports: (tEnd - tAccept) / 1000,
      total: (tEnd - t0) / 1000,
    },
    host_phase_seconds: hr.times.phase_seconds,
    guest_phase_seconds: gr.times.phase_seconds,
  }, null, 2));
} finally {
  await env.close();
}
