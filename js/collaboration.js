// The collaboration driver: runs the core's sans-IO session (a wasm instance on this
// thread; it only seals, frames and counts) between a relay WebSocket and the worker
// pool (which does every blind and evaluation). See index.d.ts for the public shape.
import init, * as core from './wasm/cleanmatch.js';
import { CleanmatchError } from './errors.js';
import { createPool, loadModule } from './pool.js';

let coreReady;
function loadCore(wasmUrl) {
  coreReady ??= loadModule(wasmUrl).then((module) => init({ module_or_path: module }));
  return coreReady;
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {}); // rejections surface where they are awaited, not as unhandled
  return { promise, resolve, reject };
}

function coded(err) {
  if (err instanceof CleanmatchError) return err;
  return new CleanmatchError(typeof err?.code === 'string' ? err.code : 'internal', String(err?.message ?? err));
}

/** Options as JSON for the core, which holds the defaults and the template rule. */
function json(options) {
  return options === undefined ? undefined : JSON.stringify(options);
}

/** The core's relay policy (`src/policy.rs`): the reconnect window and pause. */
let relayPolicy;
function reconnectPolicy() {
  relayPolicy ??= JSON.parse(core.relayPolicy());
  return relayPolicy.reconnect;
}

class Collaboration {
  #session;
  #ws;
  #pool;
  #own = null;
  #file = null;
  #group = undefined;
  #read = null;
  #url;
  #everOpened = false;
  #joined = false;
  #rejoinUntil = 0;
  #agreed = false;
  #started = false;
  #countered = false;
  #proposedHash = null;
  #startedAt = null;
  #listeners = { progress: new Set(), state: new Set(), error: new Set(), peer: new Set(), connection: new Set() };
  #connected = deferred();
  #manifest = deferred();
  #agreedManifest = deferred();
  #report = deferred();
  #state = 'waiting';
  #preset = null;
  #runStarted = null;
  #wasmUrl;
  #ingestUrl;
  #onPlaintext = null;

  constructor(session, pool, relay, inviteUrl, preset, options) {
    this.#session = session;
    if (typeof options.onPlaintext === 'function') {
      // Audits and privacy tests: every data message as sealed or opened (the relay
      // only ever sees ciphertext, so this is where a leak would show).
      this.#onPlaintext = options.onPlaintext;
      session.tapPlaintext();
    }
    this.#wasmUrl = options.wasmUrl;
    this.#ingestUrl = options.ingestWorkerUrl;
    this.#preset = preset;
    this.#pool = pool;
    this.inviteUrl = inviteUrl;
    this.side = session.side;
    this.#url = `${String(relay).replace(/\/$/, '')}/${session.roomId()}?role=${session.side}`;
    this.#connect();
  }

  #connect() {
    const ws = new WebSocket(this.#url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => { this.#everOpened = true; };
    ws.onmessage = (e) => { if (ws === this.#ws) this.#onMessage(e); };
    ws.onclose = (e) => { if (ws === this.#ws) this.#onClose(e); };
    this.#ws = ws;
  }

  /**
   * A dropped connection is reopened as the core's policy says (`closeRetry`: `always`
   * for a network drop or a relay restart; `while-rejoining` for a full room or a busy
   * relay once this side had been in its room), within the policy's window; the session
   * then resends exactly what the partner missed. Other refusals fail at once.
   */
  #onClose(e) {
    if (this.#state === 'finished' || this.#state === 'failed') return;
    const now = Date.now();
    const rule = core.closeRetry(e.code);
    const retry = rule === 'always' || (rule === 'while-rejoining' && this.#joined);
    if (retry && this.#everOpened && (!this.#rejoinUntil || now < this.#rejoinUntil)) {
      const { window_ms: windowMs, delay_ms: delayMs } = reconnectPolicy();
      this.#rejoinUntil ||= now + windowMs;
      this.#emit('connection', 'reconnecting');
      setTimeout(() => { if (this.#state !== 'failed') this.#connect(); }, delayMs);
      return;
    }
    const err = new CleanmatchError('relay', `the relay closed the connection (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
    err.closeCode = e.code; // 4001 full, 4004 no such room, 4010 used, 1006 lost, … (docs/relay.md)
    this.#fail(err);
  }

  get state() { return this.#state; }
  get connected() { return this.#connected.promise; }
  get manifest() { return this.#manifest.promise; }
  get report() { return this.#report.promise; }

  on(type, listener) {
    this.#listeners[type].add(listener);
    return () => this.#listeners[type].delete(listener);
  }

  #emit(type, value) {
    for (const l of this.#listeners[type]) l(value);
  }

  #setState(s) {
    this.#state = s;
    this.#emit('state', s);
  }

  #onMessage(event) {
    try {
      if (typeof event.data === 'string') {
        const msg = JSON.parse(event.data);
        // Back in the room after a drop: the relay speaks to this connection again.
        if (msg.type === 'waiting' || msg.type === 'peer-joined') this.#joined = true;
        if ((msg.type === 'waiting' || msg.type === 'peer-joined') && this.#rejoinUntil) {
          this.#rejoinUntil = 0;
          this.#emit('connection', 'restored');
        }
        if (msg.type === 'peer-joined') this.#session.peerJoined();
        // The partner's connection, for pages that say so (it may come back while the room lives).
        if (msg.type === 'peer-joined' || msg.type === 'peer-left') this.#emit('peer', msg.type === 'peer-joined' ? 'joined' : 'left');
      } else {
        this.#session.receive(new Uint8Array(event.data));
      }
      this.#pump();
    } catch (err) {
      // The session queued a `failed` event that says more (e.g. that the partner
      // stopped, with its code): take it first; the thrown error is the fallback.
      try { this.#pump(); } catch { /* failing already */ }
      this.#fail(coded(err));
    }
  }

  /** Moves everything the session has ready: frames out, events, tasks. */
  #pump() {
    let frame;
    while ((frame = this.#session.pollTransmit()) !== undefined) this.#ws.send(frame);
    this.#drainPlaintext();
    let text;
    while ((text = this.#session.pollEvent()) !== undefined) this.#onEvent(JSON.parse(text));
    let task;
    while ((task = this.#session.pollTask()) !== undefined) this.#run(task);
    const progress = this.#session.progress();
    if (progress) this.#emit('progress', this.#runProgress(JSON.parse(progress)));
  }

  #drainPlaintext() {
    if (!this.#onPlaintext) return;
    let p;
    while ((p = this.#session.pollPlaintext()) !== undefined) this.#onPlaintext(p.sent ? 'sent' : 'received', p.bytes);
  }

  /** The core's counters as {phase, done, total, rate, eta} (plus the raw counters). */
  #runProgress(c) {
    // Work this side does: blind its own points, then evaluate the partner's.
    const total = c.own_points + c.partner_points;
    const done = c.blinded + c.evaluated;
    const phase = c.blinded < c.own_points ? 'blind' : c.evaluated < c.partner_points || !c.partner_points ? 'evaluate' : 'match';
    this.#runStarted ??= performance.now();
    const seconds = (performance.now() - this.#runStarted) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    return { ...c, phase, done, total, rate, eta: rate > 0 && total ? (total - done) / rate : null };
  }

  #onEvent(ev) {
    switch (ev.type) {
      case 'connected':
        this.#setState('connected');
        this.#connected.resolve({ verificationCode: ev.verification_code });
        break;
      case 'proposed':
        this.#proposedHash = ev.manifest_hash; // accept() agrees to exactly this
        this.#setState('reviewing');
        this.#manifest.resolve({ manifest: ev.manifest, changes: [] });
        break;
      case 'countered':
        this.#countered = true;
        this.#setState('reviewing');
        this.#manifest.resolve({ manifest: ev.manifest, changes: ev.changes });
        break;
      case 'agreed':
        this.#agreed = true;
        this.#manifest.resolve({ manifest: ev.manifest, changes: [] });
        this.#agreedManifest.resolve(ev.manifest);
        this.#setState('agreed');
        this.#maybeStart();
        break;
      case 'finished':
        this.#setState('finished');
        this.#report.resolve(JSON.parse(this.#session.report()));
        this.#ws.close(1000);
        this.#pool.close(); // the workers hold the secret; nothing is left to blind
        break;
      case 'failed': {
        const err = new CleanmatchError(ev.code, ev.message);
        err.origin = ev.origin; // 'partner': the partner stopped, with this code
        this.#fail(err);
        break;
      }
      default:
    }
  }

  async #run(task) {
    try {
      const secret = this.#session.secret();
      this.#pool.setSecret(secret); // the pool keeps its own copy
      secret?.fill(0);
      const out = task.op === 'blind' ? await this.#pool.blind(task.key, task.input) : await this.#pool.evaluate(task.input);
      this.#session.complete(task.id, out);
    } catch (err) {
      if (err?.code === 'invalid-point' && err.index !== undefined) this.#session.completeInvalidPoint(task.id, err.index);
      else return this.#fail(coded(err));
    }
    try {
      this.#pump();
    } catch (err) {
      this.#fail(coded(err));
    }
  }

  #maybeStart() {
    if (!this.#agreed || !this.#own || this.#started) return;
    this.#started = true;
    this.#startedAt = Date.now();
    this.#setState('running');
    this.#session.start(this.#own);
    this.#own = null; // consumed by the session
    this.#pump();
  }

  /**
   * Adds already normalized and hashed identifiers: `{ email?: Uint8Array, phone?: … }`,
   * each n×32 bytes for the same n rows; an all-zero digest means "no value".
   */
  addDigests(byKey) {
    const keys = core.matchKeys();
    const entries = Object.entries(byKey).map(([k, d]) => [keys.indexOf(k), d]);
    if (!entries.length || entries.some(([i, d]) => i < 0 || !(d instanceof Uint8Array) || d.length % 32)) {
      throw new CleanmatchError('invalid-input', 'addDigests expects { key: Uint8Array(n×32) } for known match keys');
    }
    const n = entries[0][1].length / 32;
    if (entries.some(([, d]) => d.length / 32 !== n)) throw new CleanmatchError('invalid-length', 'every key needs the same number of rows');
    const own = new core.OwnSet();
    for (let row = 0; row < n; row++) {
      const ks = [];
      const ds = [];
      for (const [i, d] of entries) {
        const digest = d.subarray(row * 32, row * 32 + 32);
        if (digest.some((b) => b !== 0)) { ks.push(i); ds.push(digest); }
      }
      const flat = new Uint8Array(ds.length * 32);
      ds.forEach((d, j) => flat.set(d, j * 32));
      own.add(row, undefined, Uint8Array.from(ks), flat);
    }
    this.#own = own;
    this.#maybeStart();
  }

  /**
   * Streams a CSV or spreadsheet through the core in a dedicated worker (the page stays
   * responsive) and keeps its records for the run; resolves to the local quality report.
   * The guest waits for the host's proposal first, because the preset decides the digests.
   */
  async addFile(file, options = {}) {
    try {
      let preset = options.preset ?? this.#preset;
      if (!preset) preset = (await this.#manifest.promise).manifest.preset;
      const columns = options.columns ? Object.entries(options.columns).map(([n, r]) => `${n}=${r}`).join(',') : undefined;
      const started = performance.now();
      const { quality, records } = await readInWorker(
        {
          module: await loadModule(this.#wasmUrl), file, preset, columns,
          defaultCountry: options.defaultCountry, group: options.group, suppression: options.suppression,
          headerRow: options.headerRow,
        },
        this.#ingestUrl,
        ({ done, total }) => {
          const rate = done / Math.max(1e-3, (performance.now() - started) / 1000);
          this.#emit('progress', { phase: 'read', done, total, rate, eta: total ? (total - done) / rate : null });
        },
      );
      const own = new core.OwnSet();
      // Every key read: the session keeps only the agreed ones.
      own.addBatch(records.rows, records.counts, records.keys, records.digests, records.groups, records.labels);
      this.#own = own;
      // Kept to write the matched rows after an audience run (a File can be read again).
      this.#file = typeof file.stream === 'function' ? file : null;
      this.#group = options.group;
      // The export reads the file again exactly as it was read now.
      this.#read = { columns, defaultCountry: options.defaultCountry, headerRow: options.headerRow };
      this.#maybeStart();
      return quality;
    } catch (err) {
      throw coded(err);
    }
  }

  #heldKeys() {
    return this.#own ? this.#own.heldKeys() : core.matchKeys();
  }

  /**
   * The proposal: the host's own terms (as the core made them from the `manifest`
   * option), or the guest's view of the host's. `null` before the guest has it.
   */
  get proposal() {
    const text = this.#session.proposal();
    return text === undefined ? null : JSON.parse(text);
  }

  /**
   * Guest, while reviewing: what accepting would answer and what it changes in the
   * proposal (`{ manifest, changes: [{ rule, from, to }] }`): this side's stricter
   * limits, the keys its file lacks, its breakdown column. Computed by the core.
   */
  preview() {
    try {
      return JSON.parse(this.#session.preview(this.#heldKeys(), this.#group));
    } catch (err) {
      throw coded(err);
    }
  }

  /**
   * After the report: the core's audit receipt (manifest, hashes, figures, times; no
   * identifier). `startedAt` defaults to when the run started.
   */
  receipt({ fileName = this.#file?.name ?? '', startedAt = this.#startedAt } = {}) {
    const text = this.#state === 'finished' ? this.#session.receipt(Number(startedAt ?? 0), Date.now(), String(fileName)) : undefined;
    if (text === undefined) throw new CleanmatchError('state', 'the receipt exists only after the report');
    return JSON.parse(text);
  }

  /**
   * Both people compared the verification code (`connected`'s `verificationCode`, read
   * to each other by phone or another channel they trust) and it matched. Until then
   * the host's terms are not sent and the guest cannot accept them, so a party in the
   * middle that holds the invite is caught before anything is agreed or blinded.
   */
  confirmCode() {
    try {
      this.#session.confirmCode();
      this.#pump();
    } catch (err) {
      throw coded(err);
    }
  }

  /** Guest: accepts (the keys this side holds); host: confirms a tightened manifest. */
  async accept() {
    try {
      if (this.side === 'guest') {
        if (!this.#proposedHash) throw new CleanmatchError('state', 'nothing to accept yet: the proposal has not arrived');
        this.#session.accept(this.#proposedHash, this.#heldKeys(), this.#group);
      } else if (this.#countered) {
        this.#session.confirm();
      }
      this.#pump();
    } catch (err) {
      this.#fail(coded(err));
    }
    return this.#agreedManifest.promise;
  }

  /**
   * Audience mode, after the report: this side's own matched rows (its original
   * columns, header first) as a CSV Blob, safe against spreadsheet formula injection.
   * The file is streamed again; nothing leaves the page.
   */
  async downloadAudience(format = 'plain') {
    const rows = this.#state === 'finished' ? this.#session.matchedRows() : undefined;
    if (!rows) throw new CleanmatchError('state', 'matched rows exist only after an audience-mode report');
    if (!this.#file) throw new CleanmatchError('state', 'the file was given as a stream; add it as a File or Blob to export rows');
    const r = this.#read ?? {};
    let picker;
    try {
      picker = new core.MatchedRows(rows, format, r.columns, r.defaultCountry || undefined, r.headerRow);
    } catch (err) {
      throw coded(err);
    }
    try {
      const parts = [];
      const reader = this.#file.stream().getReader();
      for (let c = await reader.read(); !c.done; c = await reader.read()) parts.push(picker.push(c.value));
      parts.push(picker.finish());
      return new Blob(parts, { type: 'text/csv;charset=utf-8' });
    } catch (err) {
      throw coded(err);
    } finally {
      picker.free();
    }
  }

  cancel(reason = 'cancelled') {
    try {
      this.#session.cancel(reason);
      this.#pump();
    } catch { /* already failed */ }
    this.#fail(new CleanmatchError('aborted', reason));
  }

  #fail(err) {
    if (this.#state === 'failed' || this.#state === 'finished') return;
    this.#setState('failed');
    for (const d of [this.#connected, this.#manifest, this.#agreedManifest, this.#report]) d.reject(err);
    this.#emit('error', err);
    this.#pool.close();
    // The session queued an abort telling the partner why; send it before closing.
    try {
      let frame;
      while (this.#ws.readyState === 1 && (frame = this.#session.pollTransmit()) !== undefined) this.#ws.send(frame);
      this.#drainPlaintext();
    } catch { /* nothing more to send */ }
    if (this.#ws.readyState <= 1) this.#ws.close(1000);
  }
}

/** Runs ingest-worker.js on one file; a crash or an error rejects (never hangs). */
function readInWorker(msg, url, onProgress) {
  return new Promise((resolve, reject) => {
    // Written literally so bundlers emit the worker file.
    const worker = url
      ? new Worker(url, { type: 'module' })
      : new Worker(new URL('./ingest-worker.js', import.meta.url), { type: 'module' });
    const end = (f, v) => { worker.terminate(); f(v); };
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') onProgress(data);
      else if (data.type === 'done') end(resolve, data);
      else end(reject, new CleanmatchError(data.error.code, data.error.message));
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      end(reject, new CleanmatchError('worker-crashed', `the file reader stopped: ${e.message || 'failed to load or crashed'}`));
    };
    // A ReadableStream must be transferred; a File/Blob is cloned (cheaply, by reference).
    const transfer = typeof msg.file.getReader === 'function' ? [msg.file] : [];
    worker.postMessage(msg, transfer);
  });
}

function withSignal(c, signal) {
  if (signal?.aborted) c.cancel('aborted');
  else signal?.addEventListener('abort', () => c.cancel('aborted'), { once: true });
  return c;
}

async function open(options, makeSession) {
  if (!options?.relay) throw new CleanmatchError('invalid-option', 'a collaboration needs { relay }');
  await loadCore(options.wasmUrl);
  const session = makeSession();
  const pool = await createPool({ workers: options.workers, wasmUrl: options.wasmUrl, workerUrl: options.workerUrl });
  return { session, pool };
}

export async function createCollaboration(options) {
  const { session, pool } = await open(options, () => {
    try {
      return core.Session.host(json(options.manifest ?? {}), json(options.local));
    } catch (err) { throw coded(err); }
  });
  // The link is this page's origin and path only: a query string may carry a portal's
  // own parameters (tokens, tracking) that must not travel with the invite.
  const here = globalThis.location ? `${globalThis.location.origin}${globalThis.location.pathname}` : 'http://localhost/';
  const base = new URL(String(options.inviteBase ?? here));
  base.hash = session.inviteFragment();
  const preset = JSON.parse(session.proposal()).preset; // the guest's digests follow the agreed preset
  return withSignal(new Collaboration(session, pool, options.relay, base.href, preset, options), options.signal);
}

export async function joinCollaboration(options) {
  if (!options?.invite) throw new CleanmatchError('invalid-option', 'joinCollaboration needs { invite }');
  const { session, pool } = await open(options, () => {
    try {
      return core.Session.guest(String(options.invite), json(options.local));
    } catch (err) { throw coded(err); }
  });
  return withSignal(new Collaboration(session, pool, options.relay, null, null, options), options.signal);
}
