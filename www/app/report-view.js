// The report both pages show: overlap, match rates, a proportional Venn diagram,
// per-key counts, breakdowns with each segment's index against the overall match rate
// (bars; suppressed cells as "< k"), lift for measurement, and whether the two reports'
// hashes agree. Built from the core's report JSON, seen from `side`.
// Suppressed figures read "< 50"; with noise (`epsilon`), figures read "about 1,240 ± 30"
// (the 95 % margin the core states); under PAIR rules, rates are whole percents and
// ">85%" above 85 %. The rule applied is stated under the report (and so in downloads).
import { count as exactCount, fill, h, percent as exactPercent, rate, templateName } from './dom.js';
import { KEY_LABELS } from './presets.js';
import { venn } from './venn.js';

// Set for the report being rendered: how figures and rates read.
let margin = null;
let pairRules = false;

function count(n, k) {
  if (margin === null || n === null || n === undefined || k === undefined) return exactCount(n, k);
  return `about ${exactCount(n)} ± ${exactCount(margin)}`;
}

function percent(x, digits = 1) {
  if (!pairRules || x === null || x === undefined || !Number.isFinite(x)) return exactPercent(x, digits);
  return x > 0.85 ? '>85%' : `${Math.min(85, Math.round(x * 100))}%`;
}

/** Renders into `root`; returns the figures the downloads reuse. */
export function renderReport(root, report, manifest, side) {
  const f = report.figures;
  const other = side === 'host' ? 'guest' : 'host';
  const own = f[side];
  const partner = f[other];
  const k = f.k;
  margin = f.noise ? (report.rule?.noise?.margin95 ?? null) : null;
  pairRules = Boolean(report.pair);
  const ownRate = rate(own.matched, own.records);
  const partnerRate = rate(partner.matched, partner.records);
  const overlap = own.matched;
  // Without a breakdown column a side has one group, "all": nothing to break down.
  const ownGrouped = Boolean(manifest[`${side}_group`]) && own.groups?.length > 0;
  const partnerGrouped = Boolean(manifest[`${other}_group`]) && partner.groups?.length > 0;

  fill(root,
    h('p', { class: 'report-meta' }, `${templateName(manifest.template)} · ${manifest.mode === 'audience' ? 'each side knows which of its own rows matched' : 'aggregate counts only'} · matched on ${manifest.keys.join(', ')} · threshold k = ${count(k)}`,
      manifest.purpose ? ` · purpose: ${manifest.purpose}` : ''),
    h('div', { class: 'headline' },
      h('div', { class: 'stat' },
        h('span', { class: 'stat-value', 'data-testid': 'overlap-count' }, count(overlap, k)),
        h('span', { class: 'stat-label' }, 'of your records are also in your partner\'s list',
          partner.matched !== null && partner.matched !== overlap ? ` (${count(partner.matched, k)} of theirs are in yours)` : '')),
      h('div', { class: 'stat', 'data-testid': 'match-rate' },
        h('span', { class: 'stat-row' }, h('span', { class: 'stat-value small', 'data-testid': 'own-rate' }, percent(ownRate)),
          h('span', { class: 'stat-label' }, ` of your ${count(own.records)} records matched`)),
        h('span', { class: 'stat-row' }, h('span', { class: 'stat-value small', 'data-testid': 'partner-rate' }, percent(partnerRate)),
          h('span', { class: 'stat-label' }, ` of your partner's ${count(partner.records)} records matched`)))),
    h('figure', { class: 'venn-wrap' }, venn({ own: own.records, partner: partner.records, overlap: own.matched ?? partner.matched, k, noised: margin !== null }),
      h('figcaption', { class: 'sr-only' }, 'Overlap of the two lists')),
    keyTable(own, partner, k),
    report.lift ? liftBlock(report.lift, manifest, side, k) : null,
    ownGrouped ? groupBlock(`Your segments (${manifest[`${side}_group`]})`, own, k, 'own') : null,
    partnerGrouped ? groupBlock(`Your partner's segments (${manifest[`${other}_group`]})`, partner, k, 'partner') : null,
    ownGrouped && partnerGrouped ? crossTable(own, partner, k) : null,
    h('p', { class: 'agree-hash', 'data-testid': 'report-hash' },
      h('span', { class: 'ok', 'aria-hidden': 'true' }, '✓'),
      ' Both pages computed the same report: hashes agree (SHA-256 ', h('code', {}, report.report_hash.slice(0, 16)), '…).'),
    h('p', { class: 'hint', 'data-testid': 'disclosure-rule' }, report.rule?.text
      ?? 'Counts under k are shown as “< k” on both pages; segments smaller than k are merged into “(other)”.'),
    f.noise ? h('p', { class: 'hint', 'data-testid': 'noise-note' },
      `Figures marked “about” carry random noise (ε = ${f.noise.epsilon}): each is within ± ${exactCount(margin ?? 0)} of the true count 95 times in 100, so no single person's presence in either list can be inferred from them.`) : null,
  );
  return { own, partner, ownRate, partnerRate };
}

function keyTable(own, partner, k) {
  const keys = own.by_key.map((x) => x.key);
  const find = (v, key) => v.by_key.find((x) => x.key === key);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'figures', 'data-testid': 'by-key' },
    h('caption', {}, 'By identifier'),
    h('thead', {}, h('tr', {}, ['Identifier', 'Your records', 'Matched', 'Partner\'s records', 'Matched'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, keys.map((key) => {
      const a = find(own, key);
      const b = find(partner, key);
      return h('tr', {}, h('th', { scope: 'row' }, KEY_LABELS[key] ?? key), h('td', {}, count(a?.records ?? 0)), h('td', { class: a?.matched === null ? 'suppressed' : null }, count(a?.matched, k)),
        h('td', {}, count(b?.records ?? 0)), h('td', { class: b?.matched === null ? 'suppressed' : null }, count(b?.matched, k)));
    }))));
}

/** Segments of one side: table + bar chart of each segment's match rate and index. */
function groupBlock(title, view, k, who) {
  const overall = rate(view.matched, view.records);
  const rows = view.groups.map((g) => {
    const r = rate(g.matched, g.records);
    return { ...g, rate: r, index: r !== null && overall ? Math.round((r / overall) * 100) : null };
  });
  const maxRate = Math.max(0.0001, ...rows.map((r) => r.rate ?? 0));
  const chart = h('div', { class: 'bars', role: 'img', 'aria-label': `${title}: match rate per segment` },
    rows.map((r) => {
      const fillEl = h('span', { class: r.index !== null && r.index >= 100 ? 'bar-fill above' : 'bar-fill' });
      fillEl.style.width = `${r.rate === null ? 0 : Math.max(1, (r.rate / maxRate) * 100)}%`;
      return h('div', { class: 'bar' },
        h('span', { class: 'bar-label' }, r.label),
        h('span', { class: 'bar-track' }, fillEl),
        h('span', { class: r.rate === null ? 'bar-value suppressed' : 'bar-value' }, r.rate === null ? `< ${k}` : `${percent(r.rate)} · index ${r.index}`));
    }));
  return h('section', { class: 'segments', 'data-testid': `segments-${who}` },
    h('h3', {}, title),
    h('p', { class: 'hint' }, `Index: a segment's match rate against the overall ${percent(overall)} (100 = average; above 100, the segment is over-represented in the overlap).`),
    chart,
    h('div', { class: 'table-wrap' }, h('table', { class: 'figures' },
      h('caption', { class: 'sr-only' }, title),
      h('thead', {}, h('tr', {}, ['Segment', 'Records', 'Matched', 'Match rate', 'Index'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-segment': r.label },
        h('th', { scope: 'row' }, r.label), h('td', {}, count(r.records)),
        h('td', { class: r.matched === null ? 'suppressed' : null }, count(r.matched, k)),
        h('td', {}, r.rate === null ? `< ${k}` : percent(r.rate)),
        h('td', { class: r.index === null ? null : r.index >= 100 ? 'above' : 'below' }, r.index === null ? '—' : String(r.index))))))));
}

/** Own segment × partner segment: matched own records per cell; cells under k absent. */
function crossTable(own, partner, k) {
  const cols = partner.groups.map((g) => g.label);
  const cell = (g, p) => own.cells.find((c) => c.group === g && c.partner_group === p)?.matched ?? null;
  return h('section', { class: 'segments' }, h('h3', {}, 'Your segments × your partner\'s segments'),
    h('p', { class: 'hint' }, 'Your matched records per pair of segments.'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'figures cross', 'data-testid': 'cells' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Yours \\ Partner\'s'), cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, own.groups.map((g) => h('tr', {}, h('th', { scope: 'row' }, g.label),
        cols.map((p) => { const v = cell(g.label, p); return h('td', { class: v === null ? 'suppressed' : null }, count(v, k)); })))))));
}

function liftBlock(l, manifest, side, k) {
  const er = rate(l.exposed_converted, l.exposed);
  const cr = rate(l.control_converted, l.control);
  const pct = (x) => (x === null || x === undefined ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
  const significant = l.ci95 && (l.ci95[0] > 0 || l.ci95[1] < 0);
  const holder = manifest.measurement?.side === side ? 'your' : 'your partner\'s';
  return h('section', { class: 'lift', 'data-testid': 'lift' },
    h('h3', {}, 'Campaign lift'),
    h('div', { class: 'headline' },
      h('div', { class: 'stat' }, h('span', { class: 'stat-value', 'data-testid': 'lift-value' }, pct(l.lift)),
        h('span', { class: 'stat-label' }, l.ci95 ? `95% confidence interval ${pct(l.ci95[0])} to ${pct(l.ci95[1])}${significant ? '' : ' (includes zero: not significant)'}` : 'not computable: a count is under k or zero')),
      h('div', { class: 'stat' },
        h('span', { class: 'stat-row' }, `Exposed: ${count(l.exposed_converted, k)} of ${count(l.exposed)} converted (${percent(er, 2)})`),
        h('span', { class: 'stat-row' }, `Control: ${count(l.control_converted, k)} of ${count(l.control)} converted (${percent(cr, 2)})`))),
    h('p', { class: 'hint' }, `Exposure comes from ${holder} list; conversions are the records found in the other list.`));
}
