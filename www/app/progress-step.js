// Honest progress: one line per phase with counts, rate and time left, and the
// partner's progress (which the core learns from what arrives).
import { count, duration, fill, h } from './dom.js';

const PHASES = [
  ['read', 'Reading and hashing your file', 'rows'],
  ['blind', 'Blinding your identifiers', 'points'],
  ['exchange', 'Receiving your partner\'s blinded points', 'points'],
  ['match', 'Evaluating your partner\'s points', 'points'],
  ['report', 'Comparing the report with your partner', ''],
];

export class ProgressView {
  constructor(sec) {
    this.list = sec.querySelector('[data-role="phases"]');
    this.partner = sec.querySelector('[data-role="partner-progress"]');
    this.rows = {};
    this.rates = {};
    fill(this.list, PHASES.map(([id, label]) => {
      const bar = h('progress', { max: 1, value: 0, 'aria-label': label });
      const detail = h('span', { class: 'detail' });
      const li = h('li', { class: 'phase', 'data-phase': id }, h('span', { class: 'phase-name' }, label), bar, detail);
      this.rows[id] = { li, bar, detail };
      return li;
    }));
    this.pending = null;
  }

  /** Marks the read phase done (it ran in the file step). */
  readDone(records, seconds) {
    this.#set('read', 1, 1, `${count(records)} records in ${seconds.toFixed(1)} s`, true);
  }

  /** The core's run counters; updates are batched to one per frame. */
  update(p) {
    this.pending = p;
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = null;
      this.#apply(this.pending);
    });
  }

  #apply(p) {
    if (!p || p.phase === 'read') return;
    this.#phase('blind', p.blinded, p.own_points);
    this.#phase('exchange', p.received, p.partner_points);
    this.#phase('match', p.evaluated, p.partner_points);
    const allIn = p.own_points && p.returned >= p.own_points && p.partner_points && p.evaluated >= p.partner_points;
    if (allIn) this.#set('report', 0.5, 1, 'working…', false);
    const theirs = p.partner_points ? `sent ${count(p.received)} of ${count(p.partner_points)} blinded points` : 'preparing its points';
    fill(this.partner, h('strong', {}, 'Your partner: '), `${theirs}; evaluated ${count(p.returned)} of your ${count(p.own_points)} points.`);
  }

  #phase(id, done, total) {
    if (!total) return this.#set(id, 0, 1, 'waiting…', false);
    const now = performance.now();
    const r = (this.rates[id] ??= { t0: now, d0: done });
    const secs = (now - r.t0) / 1000;
    const rate = secs > 0.3 ? (done - r.d0) / secs : 0;
    const left = rate > 0 ? (total - done) / rate : null;
    const finished = done >= total;
    if (finished && !r.end) r.end = now;
    const text = finished
      ? `${count(total)} points${r.end > r.t0 ? ` in ${((r.end - r.t0) / 1000).toFixed(1)} s` : ''}`
      : `${count(done)} of ${count(total)}${rate ? ` · ${count(Math.round(rate))}/s` : ''}${left !== null ? ` · about ${duration(left)} left` : ''}`;
    this.#set(id, done, total, text, finished);
  }

  #set(id, done, total, text, finished) {
    const row = this.rows[id];
    row.bar.value = total ? Math.min(1, done / total) : 0;
    row.detail.textContent = text;
    row.li.classList.toggle('done', finished);
    row.li.classList.toggle('active', !finished && done > 0);
  }

  finish() {
    if (this.pending) this.#apply(this.pending);
    this.#set('report', 1, 1, 'both reports agree', true);
  }

  /** Seconds per phase from its first counter to its last, for the audit receipt. */
  timings() {
    const out = {};
    for (const [id, r] of Object.entries(this.rates)) out[id] = r.end ? Number(((r.end - r.t0) / 1000).toFixed(3)) : null;
    return out;
  }
}
