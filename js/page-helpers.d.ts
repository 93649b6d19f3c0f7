// Helpers for pages that show a file before it is read (what the cleanmatch page uses for
// its "Your file" step). Everything runs locally; nothing is sent.
import type { CleanmatchError, ColumnRole, FileOptions, MatchKey, Preset, QualityReport } from './index.js';

/** Loads the wasm core on this thread once (shared with the collaboration driver). */
export declare function loadCore(wasmUrl?: string | URL): Promise<unknown>;

/** What the start of a file says, as the core's ingest sniffs it. */
export interface FileSniff {
  format: 'text' | 'xlsx' | 'ods' | 'xls' | { binary: string };
  encoding: { encoding: 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'windows-1252'; bom: boolean } | null;
  delimiter: string | null;
  has_header: boolean;
  /** The header's row number (null without a header). */
  header_row: number | null;
  /** Rows above the header or the data not read as data (report titles, an Excel
   *  `sep=` line), local display only. */
  skipped: { number: number; fields: string[] }[];
  headers: string[];
  /** The first data rows (local display only); `number` is 1-based as rows are counted
   *  in the file. */
  preview: { number: number; fields: string[] }[];
  /** Each column's guessed role, and in words why it was or was not taken as an identifier. */
  columns: { name: string; role: ColumnRole; confidence: number; evidence: string }[];
  sheets: string[];
  sheet: string | null;
  /** Set when the guessed roles cannot be read as they are (`no-identifier-column`, or
   *  `no-usable-key` for names or postal codes alone), as `keyPlan` says. */
  error: CleanmatchError | null;
}

/**
 * Reads the start of a file (a workbook whole) and returns what the core detected;
 * `headerRow` chooses the header's row number (0: no header; default: detected). Rejects with `empty-file`, `binary-file`, `spreadsheet` or `file-limit`.
 */
export declare function sniffFile(file: Blob, options?: { wasmUrl?: string | URL; headerRow?: number; defaultCountry?: string }): Promise<FileSniff>;

/**
 * Reads the whole file locally and returns the quality report, keeping nothing: a check
 * before anything is agreed. `suppression`: an opt-out file whose records are left out.
 */
export declare function inspectFile(file: Blob, options?: FileOptions & {
  suppression?: Blob;
  onProgress?: (p: { done: number; total: number; rate: number; eta: number | null }) => void;
  signal?: AbortSignal;
}): Promise<QualityReport>;

/** The normalization kind a column role feeds, or null. */
export declare function kindOfRole(role: ColumnRole): 'email' | 'phone' | 'name' | 'postal' | 'maid' | 'sha256' | null;
/** Which match key a column role feeds (from the core); call once the core is loaded. */
export declare function keyOfRole(role: ColumnRole): MatchKey | null;

/** Which keys a layout forms (from the core): names and a postal code form `name_postal`
 *  only together and with a country (a country column or `defaultCountry`). */
export interface KeyPlan {
  keys: MatchKey[];
  /** Columns that feed a key or the country; `key` null when the column forms none. */
  columns: { column: number; role: ColumnRole; key: MatchKey | null; note: string }[];
  /** Why `name_postal` is not formed although some of its columns are there. */
  name_postal_missing: string | null;
  /** What reading the file would refuse: `no-usable-key` or `no-identifier-column`. */
  error: CleanmatchError | null;
}
/** The key plan of column roles (one per column); call once the core is loaded. */
export declare function keyPlan(roles: ColumnRole[], defaultCountry?: string): KeyPlan;

/** One value as the preset normalizes it (for a local before/after example). */
export declare function normalizeExample(preset: Preset, kind: string, raw: string, defaultCountry?: string):
  Promise<{ ok: true; value: string } | { ok: false; code: string; message: string }>;

/** The core's version and protocol version. */
export declare function coreInfo(): Promise<{ version: string; protocol: number }>;
