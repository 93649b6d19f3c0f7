// cleanmatch: a two-party data clean room in the browser. Both partners' identifiers are
// normalized, hashed and blinded on their own machines (WebAssembly in Web Workers); only
// blinded points cross the relay, sealed end to end; both get the same aggregate report.
//
// Typical use (host):
//
//   import { createCollaboration } from 'cleanmatch';
//   const c = await createCollaboration({ relay: 'wss://relay.example/v1/rooms' });
//   share(c.inviteUrl);                                  // the partner opens this link
//   const { verificationCode } = await c.connected;      // compare on the phone
//   c.confirmCode();                                     // the person said they match
//   const quality = await c.addFile(fileInput.files[0]); // streamed, never uploaded
//   c.on('progress', (p) => bar.value = p.done / p.total);
//   await c.accept();                                    // after reviewing c.manifest
//   const report = await c.report;

export { WorkerPool, createPool, loadModule } from './pool.js';
export type { PoolOptions, OperationOptions } from './pool.js';

/**
 * Every error this package raises or rejects with. `code` is stable (kebab-case):
 * - input: `invalid-option`, `invalid-input`, `invalid-length`, `invalid-secret`, `unknown-key`;
 * - partner / protocol: `invalid-point`, `protocol`, `seal`, `manifest`, `version-mismatch`,
 *   `preset-mismatch`, `unknown-preset`, `no-shared-key`, `second-proposal`, `terms-mismatch`,
 *   `set-too-small`, `set-too-large`, `report-mismatch`, `cancelled`, and `partner-aborted` for a
 *   partner's abort whose code this release does not know;
 * - environment: `wasm-load`, `wasm-trap`, `worker-crashed`, `randomness`, `relay`;
 * - lifecycle: `aborted`, `closed`, `state`, `not-implemented`, `internal`.
 * Messages are readable and never contain identifiers or keys.
 */
export declare class CleanmatchError extends Error {
  readonly name: 'CleanmatchError';
  readonly code: string;
  /** For `invalid-point`: the position of the first bad point in its batch. */
  readonly index?: number;
  /** For `relay`: the WebSocket close code (4001 room full, 4004 no such room or expired, 4010 invite used, …). */
  readonly closeCode?: number;
  /**
   * For a collaboration's failure: `'partner'` when the partner stopped and sent why (the
   * `code` is the partner's, e.g. `set-too-small`), `'local'` when it happened here.
   */
  readonly origin?: 'local' | 'partner';
}

/** The core's version. */
export declare function version(): Promise<string>;

/** Where the work is; `done`/`total` count records (read) or elements (others). */
export interface Progress {
  phase: 'read' | 'blind' | 'send' | 'evaluate' | 'match' | 'report' | 'secret';
  done: number;
  total: number;
  /** Units (bytes for `read`, elements otherwise) per second so far. */
  rate: number;
  /** Seconds left at the current rate, or null before the first chunk. */
  eta: number | null;
}

/** The core's counters during the run (elements). */
export interface RunProgress {
  blinded: number;
  own_points: number;
  received: number;
  partner_points: number;
  evaluated: number;
  returned: number;
}

/** What records are matched on. `name_postal` is first name + last name + postal code +
 *  country as one value: a name or a postal code alone is never a key. */
export type MatchKey = 'email' | 'phone' | 'name_postal' | 'maid';
export type Preset = 'uid2' | 'google' | 'meta' | 'pair' | 'plain';
export type Mode = 'aggregate' | 'audience';
/** What a column holds; `ignore` keeps it out of matching (it may still be a breakdown). */
export type ColumnRole = 'email' | 'phone' | 'first_name' | 'last_name' | 'full_name' | 'postal' | 'country' | 'maid'
  | 'email_sha256' | 'phone_sha256' | 'attribute' | 'ignore';

export interface CollaborationOptions {
  /** The relay's rooms endpoint, e.g. `wss://portal.example/v1/rooms`. */
  relay: string | URL;
  /** Worker count for blinding; default hardwareConcurrency capped at 8. */
  workers?: number;
  /** Overrides for bundlers/CDNs that move the package's files. */
  wasmUrl?: string | URL;
  workerUrl?: string | URL;
  /** Where `ingest-worker.js` (the file reader) is served. */
  ingestWorkerUrl?: string | URL;
  /** Aborting ends the collaboration (this side sees `aborted`, the partner `cancelled` with origin `partner`). */
  signal?: AbortSignal;
  /** What this side insists on whatever the partner proposes (the stricter side wins). */
  local?: LocalRules;
  /**
   * Called with every data message this side seals (`'sent'`) or opens (`'received'`),
   * as the protocol's plaintext encoding: what the partner can read, for audits and
   * privacy tests (the relay only sees ciphertext). Off unless given.
   */
  onPlaintext?: (direction: 'sent' | 'received', bytes: Uint8Array) => void;
}

export interface LocalRules {
  /** Smallest threshold k this side accepts. Default 50. */
  minK?: number;
  /** Smallest partner set this side accepts. Default 0. */
  minRecords?: number;
  /** Largest set this side accepts. Default 50 000 000. */
  maxRecords?: number;
  /** Whether this side opts in to audience mode (else it tightens to aggregate). Default true. */
  allowAudience?: boolean;
  /** Output rules this side insists on: the smaller ε and PAIR if either side asks. */
  output?: { epsilon?: string; pair?: boolean };
}

/**
 * What the host asks for; the core (`manifest::Proposal`) fills the defaults and applies the
 * template rule. Unknown fields are refused (`manifest`).
 */
export interface ManifestProposal {
  /**
   * Default: derived (audience mode → audience, measurement → measurement, group → segments,
   * else overlap). A template given decides the mode; `group` is kept only for segments and
   * measurement.
   */
  template?: 'overlap' | 'segments' | 'measurement' | 'audience';
  /** Campaign measurement: which side's group column holds exposure, and its labels. */
  measurement?: { side?: 'host' | 'guest'; exposed: string; control: string };
  preset?: Preset;
  mode?: Mode;
  /** Minimum cell size; the stricter side wins. Default 50. */
  k?: number;
  /** Default `['email']`; propose the keys your file holds. */
  keys?: MatchKey[];
  /** Default 0. */
  minRecords?: number;
  /** Default 50 000 000. */
  maxRecords?: number;
  /** Breakdown column (segments and measurement only). */
  group?: string | null;
  purpose?: string;
  /** Privacy budget ε for the whole report, a decimal string (e.g. `'0.5'`): discrete Laplace noise on every count. Default: no noise. */
  epsilon?: string;
  /** PAIR output rules (whole-percent rates, above 85 % shown as ">85%", lists of at least 1,000). Default false. */
  pair?: boolean;
}

export interface CreateOptions extends CollaborationOptions {
  manifest?: ManifestProposal;
  /** Page the invite link points to; default the current page's origin and path (no query, no fragment). */
  inviteBase?: string | URL;
}

export interface JoinOptions extends CollaborationOptions {
  /** The invite link, or just its `#k=…` fragment. */
  invite: string | URL;
}

/** The agreed terms, as both sides see them: the core's manifest JSON (snake_case). */
export interface Manifest {
  version: number;
  template: 'overlap' | 'segments' | 'measurement' | 'audience';
  mode: Mode;
  preset: Preset;
  preset_fingerprint: string;
  keys: MatchKey[];
  k: number;
  min_records: number;
  max_records: number;
  host_group: string | null;
  guest_group: string | null;
  measurement: unknown | null;
  purpose: string;
  /** Present only when a privacy budget was agreed. */
  epsilon?: string;
  /** Present (true) only under PAIR output rules. */
  pair?: true;
}

/** One rule the guest's answer changed, from the core: e.g. `{ rule: 'k', from: 50, to: 100 }`. */
export type Change =
  | { rule: 'k' | 'min_records' | 'max_records'; from: number; to: number }
  | { rule: 'mode'; from: Mode; to: Mode }
  | { rule: 'template'; from: Manifest['template']; to: Manifest['template'] }
  | { rule: 'keys'; from: MatchKey[]; to: MatchKey[] }
  | { rule: 'epsilon'; from: string | null; to: string | null }
  | { rule: 'pair'; from: boolean; to: boolean }
  | { rule: 'guest_group'; from: string | null; to: string | null };

export interface ManifestReview {
  manifest: Manifest;
  /** Host: what the guest changed, rule by rule (empty when accepted as proposed). */
  changes: Change[];
}

/** Column layout of an audience export. */
export type AudienceFormat = 'plain' | 'google' | 'google-sha256' | 'meta' | 'meta-sha256';

export interface FileOptions {
  /** Column name → role; default: the detected roles (see the quality report). */
  columns?: Record<string, ColumnRole>;
  /** Default: the manifest's preset (the guest waits for the proposal). */
  preset?: Preset;
  /** ISO 3166 alpha-2 country for phone numbers without a country code. */
  defaultCountry?: string;
  /** The breakdown column (aggregate mode). */
  group?: string;
  /** The header's 1-based row number, as the sniff's `preview`/`skipped` rows are
   *  numbered (rows above it are skipped); 0 for a file without a header. Default: detected
   *  (title lines above the header are skipped). */
  headerRow?: number;
  /** A suppression (opt-out) list: records sharing any identifier with it are removed
   *  before anything is blinded; the quality report counts them as `suppressed`. */
  suppression?: Blob;
}

/**
 * Local only, never sent: the core's quality report JSON (`cleanmatch inspect` prints
 * the same object). The fields most pages show:
 */
export interface QualityReport {
  rows: number;
  records: number;
  format: string;
  /** Each column; `key_use` (for columns that feed a key or the country) says what it is
   *  used for, e.g. `no key: names without a postal code`. */
  columns: { name: string; role: string; confidence: number; evidence: string; key_use?: string }[];
  /** The keys the columns form, in wire order. */
  keys: MatchKey[];
  /** Per match key: valid, invalid, empty and duplicate values, phones with an assumed country. */
  by_key: Partial<Record<MatchKey, { valid: number; invalid: number; empty: number; duplicate: number; assumed_country: number }>>;
  [field: string]: unknown;
}

/** One side's figures; `matched` is null when suppressed (under k). */
export interface ReportView {
  records: number;
  matched: number | null;
  by_key: { key: MatchKey; records: number; matched: number | null }[];
  groups: { label: string; records: number; matched: number | null }[];
  cells: { group: string; partner_group: string; matched: number | null }[];
}

/** The report both sides computed (the core's JSON); `report_hash` is equal on both. */
export interface Report {
  figures: { version: number; manifest_hash: string; mode: Mode; k: number; host: ReportView; guest: ReportView };
  report_hash: string;
  lift: unknown | null;
}

export type CollaborationState = 'waiting' | 'connected' | 'reviewing' | 'agreed' | 'running' | 'finished' | 'failed';

export interface Collaboration {
  readonly side: 'host' | 'guest';
  /** Host: the link to send to the partner (the secret is in the fragment). Guest: null. */
  readonly inviteUrl: string | null;
  readonly state: CollaborationState;
  /** Resolves when the sealed channel is up; show the code on both pages. */
  readonly connected: Promise<{ verificationCode: string }>;
  /** Streams the file through the core in a worker (never uploaded); resolves to the
   *  local quality report. */
  addFile(file: Blob | ReadableStream<Uint8Array>, options?: FileOptions): Promise<QualityReport>;
  /**
   * Instead of a file: identifiers already normalized and SHA-256-hashed, per key, each
   * n×32 bytes for the same n rows (an all-zero digest means "no value").
   */
  addDigests(byKey: Partial<Record<MatchKey, Uint8Array>>): void;
  /** Guest: the host's proposal. Host: the guest's answer (tightened or as proposed). */
  readonly manifest: Promise<ManifestReview>;
  /** Both people compared `connected`'s verification code and it matched. Until this is
   *  called the host's terms are not sent and the guest cannot accept; call it only
   *  after asking the person (a party in the middle with the invite makes the codes differ). */
  confirmCode(): void;
  /** Guest: accepts the proposal it was shown (bound to its hash) for the keys its file
   *  holds. Host: confirms the guest's answer if it tightened the proposal. Resolves with
   *  the agreed manifest. */
  accept(): Promise<Manifest>;
  /** The proposal: the host's own terms as the core made them, or the one the guest reviews (null before). */
  readonly proposal: Manifest | null;
  /** Guest, while reviewing: what accepting would answer and change (this side's stricter limits, missing keys). */
  preview(): ManifestReview;
  /**
   * After the report: the core's audit receipt, the same JSON as `cleanmatch match
   * --receipt` (`receipt`, `software`, `side`, `file`, `started_ms`, `finished_ms`,
   * `verification_code`, `manifest`, `manifest_hash`, `report_hash`, `report`).
   */
  receipt(options?: { fileName?: string; startedAt?: number }): Record<string, unknown>;
  /** Resolves with the report both sides agreed on; rejects with a CleanmatchError. */
  readonly report: Promise<Report>;
  /** Audience mode, after the report: this side's own matched rows as CSV, with cells a
   *  spreadsheet would run as formulas neutralized: `plain` (default) keeps its original
   *  columns, header first; `google`/`meta` write the columns of Google Customer Match and
   *  Meta customer-list uploads, normalized with that platform's preset; `google-sha256`/
   *  `meta-sha256` hash what the platform accepts hashed. The file added with `addFile`
   *  is read again (it must be a File or Blob, not a stream). */
  downloadAudience(format?: AudienceFormat): Promise<Blob>;
  /** Subscribes; returns the unsubscribe function. */
  /** `read` progress while a file is added (bytes), then `blind`/`evaluate`/`match`
   *  (elements this side computes, with the core's counters alongside). */
  on(type: 'progress', listener: (p: Progress & Partial<RunProgress>) => void): () => void;
  on(type: 'state', listener: (s: CollaborationState) => void): () => void;
  on(type: 'error', listener: (e: CleanmatchError) => void): () => void;
  /** The relay's news about the partner's connection (it may come back while the room lives). */
  on(type: 'peer', listener: (p: 'joined' | 'left') => void): () => void;
  /** This side's own relay connection dropped and is being reopened (every second for up to 60 s, as the core's reconnect policy says; the
   *  run resumes where it stopped), or is back. */
  on(type: 'connection', listener: (c: 'reconnecting' | 'restored') => void): () => void;
  /** Ends the run on both sides (like aborting `signal`); pending promises reject with `aborted`. */
  cancel(reason?: string): void;
}

export declare function createCollaboration(options: CreateOptions): Promise<Collaboration>;
export declare function joinCollaboration(options: JoinOptions): Promise<Collaboration>;
