// The bench's printed table: per-element cost (CPU µs per element: wall time × workers;
// native: its single-core per-operation figures),
// total time, bytes on the wire, and the ratios the issue asks for.
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
const mb = (b) => (b ? `${(b / 1e6).toFixed(2)} MB` : '–');

export function table(results) {
  const rows = [['n/side', 'contestant', 'blind µs/el', 'evaluate µs/el', 'wall µs/el/phase', 'total s', 'wire', 'speed vs native (1 core)', 'psi.js ÷ this (per el, wall)']];
  for (const n of [...new Set(results.map((r) => r.n))]) {
    const at = results.filter((r) => r.n === n);
    const native = at.find((r) => r.name.startsWith('native'));
    const psi = at.filter((r) => r.name.startsWith('psi.js'));
    const psiBest = psi.length ? Math.min(...psi.map((r) => r.perPhaseUs)) : null;
    const psiWall = psi.length ? Math.min(...psi.map((r) => r.total)) : null;
    for (const r of at) {
      if (r.error) {
        rows.push([String(n), r.name, `unavailable: ${r.error}`, '', '', '', '', '', '']);
        continue;
      }
      const cpu = r.perBlindUs && r.perEvaluateUs ? (r.perBlindUs + r.perEvaluateUs) / 2 : null;
      const nativeCpu = native?.perBlindUs && native?.perEvaluateUs ? (native.perBlindUs + native.perEvaluateUs) / 2 : null;
      // Speed relative to native on one core (1.0 = as fast; the target is ≥ 0.4).
      const nativeRatio = r.name.startsWith('wasm') && nativeCpu && cpu ? `${fmt(nativeCpu / cpu, 2)}×` : '';
      const vsPsi = r.name.startsWith('psi.js') || !psiBest || !cpu ? '' : `${fmt(psiBest / cpu, 1)}×, ${fmt(psiWall / r.total, 1)}×`;
      rows.push([String(n), r.name, fmt(r.perBlindUs), fmt(r.perEvaluateUs), fmt(r.wallPerElementUs),
        r.total ? fmt(r.total / 1000, 2) : '–', mb(r.bytes), nativeRatio, vsPsi]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
