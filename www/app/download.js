// Downloads, all made in this page: the report as a self-contained printable HTML and as
// JSON, the audit receipt (manifest, hashes, counts, times), and in audience mode this
// side's matched rows as CSV (made by the core, CSV-injection safe).

/** Saves `blob` as `name` through a temporary link. */
export function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function stamp(date = new Date()) {
  return date.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * The report as one HTML file with the page's styles inlined (it opens offline and
 * prints to PDF). `reportEl` is the rendered report; `manifestEl` the terms table.
 */
export async function reportHtml({ reportEl, manifestEl, title, side, finishedAt }) {
  let css = '';
  try {
    css = await (await fetch(new URL('../styles.css', import.meta.url))).text();
  } catch { /* the file stays readable without styles */ }
  const body = reportEl.cloneNode(true);
  return new Blob([`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}
body { max-width: 960px; margin: 0 auto; padding: 24px; }
@media print { .agree-hash { break-inside: avoid; } }
</style></head>
<body class="standalone">
<header><h1>${esc(title)}</h1>
<p class="hint">Computed in the browser by cleanmatch on ${esc(finishedAt.toISOString())}, seen by the ${esc(side)}.
Both partners' pages computed this same report and compared its hash. Counts under k are hidden.</p></header>
<main>${body.innerHTML}
<h2>Terms agreed</h2>${manifestEl.outerHTML}</main>
</body></html>
`], { type: 'text/html;charset=utf-8' });
}

/** Pretty JSON blob. */
export function jsonBlob(value) {
  return new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
}

/**
 * The audit receipt: what was agreed, with whom (by verification code), what was sent
 * (counts, never identifiers), and when.
 */
export function auditReceipt({ side, manifest, report, verificationCode, times, file, quality, core }) {
  const f = report.figures;
  const own = f[side];
  const partner = f[side === 'host' ? 'guest' : 'host'];
  return {
    type: 'cleanmatch-audit-receipt',
    receipt_version: 1,
    side,
    core,
    verification_code: verificationCode,
    manifest,
    manifest_hash: f.manifest_hash,
    report_hash: report.report_hash,
    reports_agree: true,
    disclosure_rule: report.rule ?? null,
    counts: {
      own_rows_read: quality?.rows ?? null,
      own_records_sent: own.records,
      own_suppressed: quality?.suppressed ?? 0,
      partner_records: partner.records,
      own_matched: own.matched,
      partner_matched: partner.matched,
    },
    file: file ? { name: file.name, bytes: file.size, last_modified: new Date(file.lastModified).toISOString() } : null,
    times,
  };
}
