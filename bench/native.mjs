// The native core: `cleanmatch bench --n N --ops M` (release build) prints JSON with
// per-operation microseconds on one core (`us_per_op.blind`, `us_per_op.evaluate`) and
// an in-process two-party run on all cores (`two_party.seconds`, `two_party.wire_bytes`,
// which includes the protocol's framing).
import { spawnSync } from 'node:child_process';

export function runNative(root, n) {
  const ops = Math.min(n, 20000);
  const r = spawnSync('cargo', ['run', '--quiet', '--release', '--', 'bench', '--n', String(n), '--ops', String(ops)], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) return { error: `cleanmatch bench failed (exit ${r.status})` };
  let json;
  try {
    json = JSON.parse(r.stdout.trim());
  } catch {
    return { error: `could not parse the JSON of cleanmatch bench: ${r.stdout.slice(0, 200)}` };
  }
  const us = json.us_per_op ?? {};
  const two = json.two_party ?? {};
  if (two.overlap !== undefined && two.overlap !== n - Math.floor(n / 2)) {
    return { error: `native run found ${two.overlap} shared records, expected ${n - Math.floor(n / 2)}` };
  }
  return {
    json,
    perBlindUs: us.blind ?? null,
    perEvaluateUs: us.evaluate ?? null,
    total: two.seconds !== undefined ? two.seconds * 1000 : null,
    bytes: two.wire_bytes ?? null,
    wallPerElementUs: two.seconds !== undefined ? (two.seconds * 1e6) / 4 / n : null,
    workers: json.cores,
  };
}
