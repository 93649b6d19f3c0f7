// A proportional two-set Venn diagram as SVG: circle areas are the two list sizes and
// the lens area is the overlap (found by bisection on the centres' distance).
import { count, s } from './dom.js';

/** Area of the lens of two circles with radii r1, r2 at distance d. */
export function lensArea(r1, r2, d) {
  if (d >= r1 + r2) return 0;
  if (d <= Math.abs(r1 - r2)) return Math.PI * Math.min(r1, r2) ** 2;
  const a = r1 * r1 * Math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1));
  const b = r2 * r2 * Math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2));
  const c = 0.5 * Math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2));
  return a + b - c;
}

/** Distance giving lens area `target` (0 ≤ target ≤ smaller circle). */
export function distanceFor(r1, r2, target) {
  let lo = Math.abs(r1 - r2);
  let hi = r1 + r2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (lensArea(r1, r2, mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The diagram: `own`/`partner` record counts, `overlap` matched records (null when
 * suppressed: the circles are drawn apart with "< k" between them); `noised` marks it
 * "≈" (a figure with random noise).
 */
export function venn({ own, partner, overlap, k, noised = false, ownLabel = 'You', partnerLabel = 'Your partner' }) {
  const W = 480;
  const H = 260;
  const maxR = 110;
  const big = Math.max(own, partner, 1);
  const scale = maxR / Math.sqrt(big / Math.PI);
  const r1 = Math.max(6, Math.sqrt(own / Math.PI) * scale);
  const r2 = Math.max(6, Math.sqrt(partner / Math.PI) * scale);
  const target = overlap === null ? 0 : Math.min(overlap, own, partner) * scale * scale;
  const d = overlap === null ? r1 + r2 + 24 : distanceFor(r1, r2, target);
  const span = r1 + d + r2;
  const x1 = (W - span) / 2 + r1;
  const x2 = x1 + d;
  const cy = 130;
  const mid = overlap === null ? (x1 + r1 + x2 - r2) / 2 : (Math.max(x1 - r1, x2 - r2) + Math.min(x1 + r1, x2 + r2)) / 2;
  const title = `Venn diagram: your ${count(own)} records, your partner's ${count(partner)}, ${overlap === null ? `an overlap under ${k}` : `${noised ? 'about ' : ''}${count(overlap)} in common`}`;
  return s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'venn', role: 'img', 'aria-label': title, 'data-testid': 'venn' },
    s('title', {}, title),
    s('circle', { cx: x1, cy, r: r1, class: 'venn-own' }),
    s('circle', { cx: x2, cy, r: r2, class: 'venn-partner' }),
    s('text', { x: Math.max(40, x1 - r1 * 0.35), y: cy - r1 - 8 < 14 ? 16 : cy - r1 - 8, class: 'venn-label', 'text-anchor': 'middle' }, `${ownLabel} · ${count(own)}`),
    s('text', { x: Math.min(W - 40, x2 + r2 * 0.35), y: cy - r2 - 8 < 14 ? 16 : cy - r2 - 8, class: 'venn-label', 'text-anchor': 'middle' }, `${partnerLabel} · ${count(partner)}`),
    s('text', { x: mid, y: cy + 6, class: 'venn-overlap', 'text-anchor': 'middle' }, overlap === null ? `< ${k}` : `${noised ? '≈ ' : ''}${count(overlap)}`),
    s('text', { x: W / 2, y: H - 8, class: 'venn-caption', 'text-anchor': 'middle' }, 'Areas are proportional to the number of records'));
}
