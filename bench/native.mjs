// The native core: `cleanmatch bench --n N` (release build) prints per-operation timings
// as JSON. Its exact fields belong to the lead's subcommand, so this reads it loosely:
// any object whose key names an operation and that holds a per-element figure.
import { spawnSync } from 'node:child_process';

export function runNative(root, n) {
  const r = spawnSync('cargo', ['run', '--quiet', '--release', '--', 'bench', '--n', String(n)], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 26,
  });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').at(-1) || `exit ${r.status}` };
  const text = r.stdout.trim();
  try {
    return { json: JSON.parse(text) };
  } catch {
    // One JSON object per line is also fine.
    try {
      return { json: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
    } catch {
      return { error: `could not parse the JSON of cleanmatch bench: ${text.slice(0, 200)}` };
    }
  }
}

/** Finds the per-element microseconds of an operation (`blind`, `evaluate`) in the JSON. */
export function perElementUs(json, op) {
  let found = null;
  const visit = (v, path) => {
    if (found !== null || v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const p = `${path}.${k}`.toLowerCase();
      if (typeof x === 'number' && p.includes(op) && /(per_element|per_elem|per_op|per_item)?_?(us|µs|micros)/.test(k) && /per|each|elem|op/.test(p)) {
        found = x;
        return;
      }
      visit(x, p);
    }
  };
  visit(json, '');
  return found;
}
