// Helpers for pages that show a file before it is read: the start of the file (format,
// encoding, delimiter, a preview, the guessed column roles) and how one value will be
// normalized. Everything runs locally in the wasm core on this thread; nothing is sent.
import init, * as core from './wasm/cleanmatch.js';
import { CleanmatchError } from './errors.js';
import { loadModule } from './pool.js';

let ready;
/** Loads the core on this thread once (the collaboration driver shares the instance). */
export function loadCore(wasmUrl) {
  ready ??= loadModule(wasmUrl).then((module) => init({ module_or_path: module }));
  return ready;
}

function coded(err) {
  if (err instanceof CleanmatchError) return err;
  return new CleanmatchError(typeof err?.code === 'string' ? err.code : 'internal', String(err?.message ?? err));
}

/** Bytes read before giving up on a text sniff (the core sniffs 64 KiB + three lines). */
const SNIFF_LIMIT = 1 << 20;

/**
 * The start of a file as the core sees it: `{ format, encoding: {encoding, bom} | null,
 * delimiter, has_header, header_row, skipped: [{number, fields}], headers, preview:
 * [{number, fields}], columns: [{name, role, confidence, evidence}], sheets, sheet }`
 * (`headerRow` chooses the header's row number, 0 for none; default detected), plus `error` (a CleanmatchError) when the guessed
 * roles cannot be read as they are (`no-identifier-column`, or `no-usable-key` for names or
 * postal codes alone, as `keyPlan` with `defaultCountry`; the user may fix the roles). Rejects for files that cannot be read at all (`empty-file`, `binary-file`,
 * `spreadsheet`, `file-limit`). A workbook is read whole (its directory is at its end).
 */
export async function sniffFile(file, { wasmUrl, headerRow, defaultCountry } = {}) {
  await loadCore(wasmUrl);
  const sniffer = new core.FileSniffer(headerRow ?? undefined);
  try {
    const reader = file.stream().getReader();
    let read = 0;
    let sniff;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      read += chunk.value.length;
      sniff = sniffer.push(chunk.value);
      if (sniff || (read > SNIFF_LIMIT && !isWorkbook(file))) break;
    }
    reader.cancel().catch(() => {});
    sniff ??= sniffer.finish();
    if (!sniff) throw new CleanmatchError('empty-file', 'the file holds no rows');
    const out = JSON.parse(sniff);
    out.error = keyPlan(out.columns.map((c) => c.role), defaultCountry).error;
    return out;
  } catch (err) {
    throw coded(err);
  } finally {
    sniffer.free();
  }
}

/**
 * Reads the whole file locally and returns the core's quality report JSON (what
 * `cleanmatch inspect` prints), without keeping the records: a check before anything is
 * agreed. Options as `Collaboration.addFile` (`columns` as `{ name: role }`, `suppression`
 * an opt-out file), plus `onProgress({ done, total, rate, eta })` in bytes.
 */
export async function inspectFile(file, { preset = 'uid2', columns, defaultCountry, group, headerRow, suppression, onProgress, signal } = {}) {
  await loadCore();
  const spec = columns ? Object.entries(columns).map(([n, r]) => `${n}=${r}`).join(',') : undefined;
  let ingest;
  try {
    let list;
    if (suppression) {
      // The opt-out list first: its records are left out of the report, as in the run.
      list = new core.SuppressionList(preset, defaultCountry || undefined);
      const r = suppression.stream().getReader();
      for (let c = await r.read(); !c.done; c = await r.read()) list.push(c.value);
      list.finish();
    }
    ingest = new core.FileIngest(preset, spec, defaultCountry || undefined, group || undefined, list, headerRow ?? undefined);
    const reader = file.stream().getReader();
    const total = file.size;
    const started = performance.now();
    let done = 0;
    for (;;) {
      if (signal?.aborted) throw new CleanmatchError('aborted', 'reading stopped');
      const chunk = await reader.read();
      if (chunk.done) break;
      ingest.push(chunk.value);
      done += chunk.value.length;
      const rate = done / Math.max(1e-3, (performance.now() - started) / 1000);
      onProgress?.({ done, total, rate, eta: total ? (total - done) / rate : null });
    }
    return JSON.parse(ingest.finish());
  } catch (err) {
    throw coded(err);
  } finally {
    ingest?.free();
  }
}

function isWorkbook(file) {
  return /\.(xlsx|xls|ods)$/i.test(file.name ?? '');
}

let roles;
/** The core's entry for a column role: `{ role, key, kind, identifier }` (after any await of this module). */
function roleInfo(role) {
  roles ??= new Map(JSON.parse(core.columnRoles()).map((r) => [r.role, r]));
  return roles.get(role);
}

/**
 * Which normalization kind a column role is read as (`null` for roles that feed no key).
 * From the core; call after the core is loaded (any other helper's promise resolved).
 */
export function kindOfRole(role) {
  return roleInfo(role)?.kind ?? null;
}

/** Which match key a column role feeds (`null` for none); from the core, as `kindOfRole`. */
export function keyOfRole(role) {
  return roleInfo(role)?.key ?? null;
}

/**
 * Which keys a file with these column roles (one per column) forms, from the core:
 * `{ keys, columns: [{ column, role, key, note }], name_postal_missing, error }`. Names and
 * a postal code form the one `name_postal` key only together (with a country: a country
 * column or `defaultCountry`); `note` says so per column, and `error` (a CleanmatchError,
 * `no-usable-key` or `no-identifier-column`, or null) is what reading the file would
 * refuse. Call after the core is loaded.
 */
export function keyPlan(roles, defaultCountry) {
  const plan = JSON.parse(core.keyPlan(JSON.stringify(roles), Boolean(defaultCountry)));
  plan.error = plan.error ? new CleanmatchError(plan.error.code, plan.error.message) : null;
  return plan;
}

/**
 * `raw` as the preset normalizes it for `kind`: `{ ok: true, value }` or
 * `{ ok: false, code, message }` (why the value would be counted invalid). Local only.
 */
export async function normalizeExample(preset, kind, raw, defaultCountry) {
  await loadCore();
  try {
    return { ok: true, value: core.normalize(preset, kind, raw, defaultCountry) };
  } catch (err) {
    const e = coded(err);
    return { ok: false, code: e.code, message: e.message };
  }
}

/** The protocol version this page speaks (shown in the footer and the audit receipt). */
export async function coreInfo() {
  await loadCore();
  return { version: core.version(), protocol: core.protocolVersion() };
}
