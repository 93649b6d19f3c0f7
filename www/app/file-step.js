// "Your file": pick or drop a file, see how this page reads it (format, encoding,
// delimiter, the first rows, guessed column roles you can change), the normalization
// preset with one of your own values before and after, and the local quality report.
// Nothing here is sent anywhere.
import { keyOfRole, keyPlan, kindOfRole, normalizeExample, sniffFile } from '../pkg/page-helpers.js';
import { $, bytes, count, duration, fill, h } from './dom.js';
import { hideError, showError } from './errors.js';
import { KEY_LABELS, PRESETS, ROLES, TEMPLATES } from './presets.js';
import { outputRules } from './output-rules.js';

const section = () => document.querySelector('section[data-step="file"]');

/**
 * Sets the step up. `ctx`: `{ side, template, preset?, fixedPreset?, check(file, options,
 * onProgress) → quality, onContinue({ file, options, quality, sniff }) }`.
 */
export function initFileStep(ctx) {
  const sec = section();
  const input = $('[data-testid="file-input"]', sec);
  const drop = $('drop', sec);
  const presetSel = $('#preset', sec);
  const state = { file: null, sniff: null, roles: [], quality: null, reading: false, headerRow: undefined };

  const tpl = TEMPLATES[ctx.template] ?? TEMPLATES.overlap;
  const wantsGroup = ctx.side === 'host' ? tpl.hostGroup : tpl.guestGroup;
  $('host-settings', sec).hidden = ctx.side !== 'host';
  if (ctx.fixedPreset) {
    presetSel.value = ctx.fixedPreset;
    presetSel.disabled = true;
  }
  if (ctx.template === 'measurement' && ctx.side === 'host') {
    $('group-label', sec).textContent = 'Column that says exposed or control';
  } else if (ctx.template === 'segments') {
    $('group-label', sec).textContent = ctx.side === 'host' ? 'Breakdown column (segment)' : 'Your breakdown column (optional)';
  }
  if (ctx.template === 'audience' && ctx.side === 'host') {
    $('#purpose', sec).placeholder = 'e.g. suppress existing customers from a joint campaign';
  } else {
    $('#purpose', sec).placeholder = 'e.g. size the overlap before a co-marketing campaign';
  }
  if (ctx.terms) {
    const box = $('guest-terms', sec);
    fill(box, ctx.terms);
    box.hidden = false;
  }

  const reset = () => {
    state.file = null;
    state.sniff = null;
    state.headerRow = undefined;
    state.quality = null;
    $('file-details', sec).hidden = true;
    $('quality', sec).hidden = true;
    input.value = '';
  };

  async function pick(file) {
    hideError();
    reset();
    if (!file) return;
    state.file = file;
    await look();
  }

  // Reads the start of the file (again, when the user picks another header row).
  async function look() {
    const file = state.file;
    fill($('read-status', sec), `Looking at ${file.name}…`);
    try {
      state.sniff = await sniffFile(file, { headerRow: state.headerRow, defaultCountry: defaultCountry() });
    } catch (err) {
      fill($('read-status', sec), '');
      showError(err, [{ label: 'Choose another file', run: () => { reset(); input.focus(); } }]);
      return;
    }
    state.roles = state.sniff.columns.map((c) => c.role);
    renderDetails();
    if (state.sniff.error) {
      showError(state.sniff.error, [{ label: 'Set the column roles', run: () => $('.preview select', sec)?.focus() },
        { label: 'Choose another file', run: () => { reset(); input.focus(); } }]);
    }
  }

  function renderDetails() {
    const sn = state.sniff;
    const f = state.file;
    const what = sn.format === 'text'
      ? [`text, ${sn.encoding?.encoding ?? 'UTF-8'}${sn.encoding?.bom ? ' with byte order mark' : ''}`,
        `delimiter ${delimiterName(sn.delimiter)}`]
      : [`${sn.format.toUpperCase()} workbook`, sn.sheet ? `sheet “${sn.sheet}”` : null];
    fill($('file-summary', sec), h('strong', {}, f.name), ` · ${bytes(f.size)} · `, what.filter(Boolean).join(' · '),
      ` · ${sn.has_header ? (sn.header_row > 1 ? `header in row ${sn.header_row}` : 'first row is a header') : 'no header row'}`);
    renderHeaderChoice();
    renderPreview();
    renderKeyPlan();
    renderGroupChoices();
    renderExample();
    $('file-details', sec).hidden = false;
    fill($('read-status', sec), '');
    $('[data-testid="check-file"]', sec).focus();
  }

  // The header row: the detected one (titles above it skipped), another of the first
  // rows, or none. Choosing one reads the start of the file again.
  function renderHeaderChoice() {
    const sn = state.sniff;
    const sel = $('#header-row', sec);
    const rows = [...(sn.skipped ?? []), ...(sn.has_header ? [{ number: sn.header_row, fields: sn.headers }] : []), ...sn.preview]
      .slice(0, 12);
    const label = (r) => `Row ${r.number}: ${r.fields.filter((f) => f && f.trim()).slice(0, 3).join(', ').slice(0, 40)}`;
    fill(sel, h('option', { value: '0', selected: !sn.has_header }, 'No header row'),
      rows.map((r) => h('option', { value: String(r.number), selected: sn.has_header && r.number === sn.header_row }, label(r))));
    sel.onchange = () => {
      state.headerRow = Number(sel.value);
      state.quality = null;
      $('quality', sec).hidden = true;
      look().then(() => $('#header-row', sec)?.focus());
    };
    const skipped = sn.skipped ?? [];
    fill($('skipped-rows', sec), skipped.length
      ? `${skipped.length === 1 ? 'Row' : 'Rows'} ${skipped.map((r) => r.number).join(', ')} above it ${skipped.length === 1 ? 'is' : 'are'} skipped.`
      : '');
  }

  function renderPreview() {
    const sn = state.sniff;
    const table = $('preview', sec);
    const head = h('tr', {}, h('th', { scope: 'col', class: 'rownum' }, 'Row'),
      sn.headers.map((name, i) => h('th', { scope: 'col', title: sn.columns[i]?.evidence ?? null },
        h('span', { class: 'col-name' }, name),
        roleSelect(i, name))));
    const rows = sn.preview.slice(0, 5).map((r) => h('tr', {}, h('td', { class: 'rownum' }, String(r.number)),
      sn.headers.map((_, i) => h('td', { class: state.roles[i] === 'ignore' ? 'ignored' : keyOfRole(state.roles[i]) ? 'ident' : null }, r.fields[i] ?? ''))));
    fill(table, h('caption', { class: 'sr-only' }, 'First rows of your file with the role of each column'),
      h('thead', {}, head), h('tbody', {}, rows));
  }

  const defaultCountry = () => $('#country', sec).value.trim().toUpperCase() || undefined;

  // Which keys the columns form, and why a column is not one (names or a postal code
  // alone are no key): the core's key plan, in words.
  function renderKeyPlan() {
    if (!state.sniff) return null;
    const plan = keyPlan(state.roles, defaultCountry());
    const header = state.sniff.headers;
    fill($('key-plan', sec),
      h('p', {}, plan.keys.length ? 'Matched on: ' : 'No key: this file cannot be matched as it is.',
        h('strong', { 'data-testid': 'key-list' }, plan.keys.map((k) => KEY_LABELS[k] ?? k).join(', '))),
      plan.columns.length ? h('ul', { class: 'hint' }, plan.columns.map((c) => h('li', { 'data-testid': `key-use-${c.column}` },
        `“${header[c.column] ?? `column ${c.column + 1}`}”: ${c.note}`))) : null);
    return plan;
  }

  function roleSelect(i, name) {
    const id = `role-${i}`;
    const sel = h('select', { id, 'aria-label': `Role of column ${name}`, 'data-testid': `role-${i}` },
      ROLES.map(([v, label]) => h('option', { value: v, selected: state.roles[i] === v }, label)));
    sel.addEventListener('change', () => {
      state.roles[i] = sel.value;
      state.quality = null;
      $('quality', sec).hidden = true;
      renderPreview();
      renderKeyPlan();
      renderGroupChoices();
      renderExample();
      document.getElementById(id)?.focus();
    });
    return sel;
  }

  function renderGroupChoices() {
    const row = $('group-row', sec);
    row.hidden = !wantsGroup;
    $('measure-row', sec).hidden = !(ctx.template === 'measurement' && ctx.side === 'host');
    if (!wantsGroup) return;
    const sel = $('#group-column', sec);
    const before = sel.value;
    const candidates = state.sniff.headers.map((name, i) => [name, i]).filter(([, i]) => !keyOfRole(state.roles[i]) && state.roles[i] !== 'country');
    const optional = ctx.side === 'guest';
    fill(sel, optional ? h('option', { value: '' }, 'None') : null,
      candidates.map(([name]) => h('option', { value: name }, name)));
    const guess = candidates.find(([name]) => /segment|plan|tier|group|exposed|exposure|cohort|region|category|variant/i.test(name));
    if (candidates.some(([n]) => n === before)) sel.value = before;
    else if (guess) sel.value = guess[0];
    else if (!optional && candidates.length) sel.value = candidates[0][0];
    sel.onchange = () => { state.quality = null; $('quality', sec).hidden = true; fillGroupValues(); };
    fillGroupValues();
  }

  function fillGroupValues() {
    const sel = $('#group-column', sec);
    const i = state.sniff.headers.indexOf(sel.value);
    const values = [...new Set(state.sniff.preview.map((r) => r.fields[i]).filter(Boolean))].slice(0, 20);
    fill($('#group-values', sec), values.map((v) => h('option', { value: v })));
  }

  async function renderExample() {
    const box = $('example', sec);
    const preset = presetSel.value;
    fill($('preset-text', sec), PRESETS[preset] ?? '');
    const sn = state.sniff;
    if (!sn) return fill(box, '');
    let col = -1;
    let values = [];
    for (const wanted of ['email', 'phone', 'full_name', 'first_name', 'postal', 'maid', 'email_sha256', 'phone_sha256', 'last_name']) {
      col = state.roles.indexOf(wanted);
      if (col < 0) continue;
      values = sn.preview.map((r) => r.fields[col]).filter((v) => v && v.trim());
      if (values.length) break;
    }
    if (col < 0 || !values.length) return fill(box, h('p', { class: 'hint' }, 'No identifier value in the first rows to show as an example.'));
    const kind = kindOfRole(state.roles[col]);
    const cc = $('#country', sec).value.trim().toUpperCase() || undefined;
    // Prefer a value the preset changes: it shows what normalization does.
    let raw = values[0];
    let out = await normalizeExample(preset, kind, raw, cc);
    for (const v of values.slice(1)) {
      if (!out.ok || out.value !== raw) break;
      const o = await normalizeExample(preset, kind, v, cc);
      if (o.ok && o.value !== v) { raw = v; out = o; }
    }
    fill(box,
      h('p', { class: 'hint' }, `An example from your column “${sn.headers[col]}” (shown only here):`),
      h('div', { class: 'before-after' },
        h('span', { class: 'label' }, 'In your file'), h('code', { 'data-testid': 'example-before' }, raw),
        h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
        h('span', { class: 'label' }, 'Compared as'),
        out.ok ? h('code', { 'data-testid': 'example-after' }, out.value)
          : h('span', { class: 'bad', 'data-testid': 'example-after' }, `not usable: ${out.message}`)),
      h('p', { class: 'hint' }, 'This form is then hashed (SHA-256) and blinded before anything leaves the page.'));
  }

  function options() {
    const columns = {};
    state.roles.forEach((r, i) => { if (r !== state.sniff.columns[i].role) columns[String(i + 1)] = r; });
    const opts = {
      columns: Object.keys(columns).length ? columns : undefined,
      defaultCountry: defaultCountry(),
      preset: presetSel.value,
      headerRow: state.headerRow,
    };
    if (wantsGroup && $('#group-column', sec).value) opts.group = $('#group-column', sec).value;
    const suppression = $('#suppression', sec).files?.[0];
    if (suppression) opts.suppression = suppression;
    return opts;
  }

  async function check() {
    hideError();
    if (!state.file || state.reading) return;
    const plan = renderKeyPlan();
    if (plan?.error) {
      showError(plan.error, [{ label: 'Set the column roles', run: () => $('.preview select', sec)?.focus() }]);
      return;
    }
    if (wantsGroup && ctx.side === 'host' && !$('#group-column', sec).value) {
      showError({ code: 'unknown-column', message: 'this template needs a column that is not an identifier' },
        [{ label: 'Choose another file', run: () => { reset(); input.focus(); } }]);
      return;
    }
    const bar = $('read-progress', sec);
    const status = $('read-status', sec);
    bar.hidden = false;
    bar.value = 0;
    state.reading = true;
    const opts = options();
    const started = performance.now();
    try {
      const quality = await ctx.check(state.file, opts, (p) => {
        bar.value = p.total ? p.done / p.total : 0;
        status.textContent = `Reading and hashing: ${bytes(p.done)} of ${bytes(p.total)}`;
      });
      state.quality = quality;
      state.readSeconds = (performance.now() - started) / 1000;
      bar.value = 1;
      status.textContent = `Read ${count(quality.rows)} rows in ${state.readSeconds < 1 ? 'under a second' : duration(state.readSeconds)}.`;
      renderQuality(quality);
    } catch (err) {
      status.textContent = '';
      showError(err, [{ label: 'Try again', run: check }, { label: 'Choose another file', run: () => { reset(); input.focus(); } }]);
    } finally {
      state.reading = false;
      bar.hidden = true;
    }
  }

  function renderQuality(q) {
    const body = $('quality-body', sec);
    const kinds = Object.entries(q.by_key ?? {});
    const unused = Object.entries(q.unused_rows ?? {});
    const examples = Object.entries(q.invalid_examples ?? {}).flatMap(([k, list]) => list.map((e) => ({ key: k, ...e })));
    fill(body,
      h('p', { class: 'big' }, h('strong', { 'data-testid': 'quality-records' }, count(q.records)), ` usable records from ${count(q.rows)} rows`,
        q.suppressed ? ` (${count(q.suppressed)} removed by suppression or opt-out)` : ''),
      h('p', {}, 'Keys this file forms: ', h('strong', { 'data-testid': 'quality-keys' }, (q.keys ?? []).map((k) => KEY_LABELS[k] ?? k).join(', ') || 'none')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'figures' },
        h('caption', {}, 'Identifiers per kind'),
        h('thead', {}, h('tr', {}, ['Kind', 'Valid', 'Invalid', 'Empty', 'Duplicate'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, kinds.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k),
          h('td', {}, count(v.valid)), h('td', { class: v.invalid ? 'warn' : null }, count(v.invalid)), h('td', {}, count(v.empty)), h('td', {}, count(v.duplicate))))))),
      unused.length ? h('p', {}, 'Rows not used: ', unused.map(([why, n]) => `${count(n)} ${why.replaceAll('_', ' ')}`).join(', '), '.') : null,
      q.group ? h('p', {}, `Column “${q.group.column}”: ${count(q.group.distinct)} distinct values (`,
        q.group.values.slice(0, 6).map((v) => `${v.value} ${count(v.count)}`).join(', '), q.group.values.length > 6 ? ', …' : '', ').') : null,
      examples.length ? h('details', { class: 'examples' }, h('summary', {}, `Examples of invalid values (${examples.length}, only on this page)`),
        h('ul', {}, examples.map((e) => h('li', {}, `Row ${e.row}, ${e.column}: `, h('code', {}, e.value), ` — ${e.reason}`)))) : null,
      (q.warnings ?? []).length ? h('ul', { class: 'warnings' }, q.warnings.map((w) => h('li', {}, w))) : null,
    );
    $('quality', sec).hidden = false;
    $('[data-testid="file-continue"]', sec).textContent = ctx.side === 'host' ? 'Create the invite link' : 'Review the terms';
    if (!q.records) {
      showError({ code: 'set-empty' }, [{ label: 'Set the column roles', run: () => $('.preview select', sec)?.focus() }]);
      $('[data-testid="file-continue"]', sec).disabled = true;
    } else if (q.group?.refused) {
      // The core would refuse it at the start of the run: say so before anything is sent.
      showError({ code: 'breakdown-identifier', message: q.group.refused }, [{ label: 'Choose another breakdown column', run: () => $('#group-column', sec)?.focus() }]);
      $('[data-testid="file-continue"]', sec).disabled = true;
    } else {
      $('[data-testid="file-continue"]', sec).disabled = false;
    }
    $('quality-h', sec).focus();
  }

  input.addEventListener('change', () => pick(input.files[0]));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files?.[0]) pick(e.dataTransfer.files[0]);
  });
  presetSel.addEventListener('change', () => { state.quality = null; $('quality', sec).hidden = true; renderExample(); });
  $('#country', sec).addEventListener('change', () => { state.quality = null; $('quality', sec).hidden = true; renderKeyPlan(); renderExample(); });
  $('#suppression', sec).addEventListener('change', () => { state.quality = null; $('quality', sec).hidden = true; });
  $('[data-testid="check-file"]', sec).addEventListener('click', check);
  $('[data-action="other-file"]', sec).addEventListener('click', () => { reset(); input.focus(); input.click(); });
  $('[data-testid="file-continue"]', sec).addEventListener('click', () => {
    if (!state.quality) return;
    ctx.onContinue({ file: state.file, options: options(), quality: state.quality, sniff: state.sniff, readSeconds: state.readSeconds,
      settings: hostSettings(sec) });
  });
  fill($('preset-text', sec), PRESETS[presetSel.value] ?? '');
}

function hostSettings(sec) {
  return {
    k: Number($('#k', sec).value) || 50,
    minRecords: Number($('#min-records', sec).value) || 0,
    purpose: $('#purpose', sec).value.trim(),
    output: outputRules($('#epsilon', sec), $('#pair-rules', sec)),
    exposed: $('#exposed-label', sec).value.trim(),
    control: $('#control-label', sec).value.trim(),
  };
}

function delimiterName(d) {
  return ({ ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' })[d] ?? (d ? `“${d}”` : 'none');
}
