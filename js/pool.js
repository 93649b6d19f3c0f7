// A pool of module workers, each with its own instance of the wasm core. Bulk work
// (blind, evaluate) is cut into chunks of ~16k elements spread over the workers, and the
// results are written back in input order.
//
// Failure model: a task error (bad input) rejects only its operation. A worker that
// crashes, traps or cannot start fails the whole pool: every pending operation rejects
// with the same CleanmatchError and later calls reject at once; nothing ever hangs.
import { CleanmatchError, fromWire } from './errors.js';

const DEFAULT_CHUNK = 16384;
const MAX_DEFAULT_WORKERS = 8;
const OPS = {
  blind: { inSize: 32, outSize: 32 },
  evaluate: { inSize: 32, outSize: 12 },
};

let defaultModule;

/**
 * Compiles the wasm core once per page; workers receive the compiled module, so N
 * workers do not fetch and compile it N times.
 */
export function loadModule(wasmUrl) {
  if (wasmUrl === undefined) {
    defaultModule ??= compile(new URL('./wasm/cleanmatch_bg.wasm', import.meta.url));
    return defaultModule;
  }
  return compile(wasmUrl);
}

async function compile(url) {
  const response = await fetch(url);
  if (!response.ok) throw new CleanmatchError('wasm-load', `cannot fetch the wasm core (${response.status} ${url})`);
  // compileStreaming needs the application/wasm MIME type; fall back for servers without it.
  if (WebAssembly.compileStreaming && response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

function defaultWorkers() {
  const n = globalThis.navigator?.hardwareConcurrency || 4;
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, n));
}

export class WorkerPool {
  #workers = [];
  #idle = [];
  #queue = [];
  #inflight = new Map(); // task id -> {op, worker}
  #ops = new Set(); // live operations, to reject on failure
  #nextId = 1;
  #secret = null;
  #failed = null;
  #chunk;
  #version = null;

  /**
   * Starts the workers and waits until each has instantiated the core.
   * @param {object} [options]
   * @param {number} [options.workers] default: hardwareConcurrency capped at 8
   * @param {number} [options.chunkSize] elements per task (default 16384)
   * @param {Uint8Array} [options.secret] 32-byte blinding secret; random if absent
   * @param {string|URL} [options.wasmUrl] where the .wasm lives (bundlers, CDNs)
   * @param {string|URL} [options.workerUrl] where worker.js lives (bundlers, tests)
   * @param {WebAssembly.Module} [options.module] an already compiled core
   */
  static async create(options = {}) {
    const pool = new WorkerPool(options);
    await pool.#start(options);
    return pool;
  }

  constructor(options = {}) {
    this.#chunk = options.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isInteger(this.#chunk) || this.#chunk < 1) throw new CleanmatchError('invalid-option', 'chunkSize must be a positive integer');
  }

  /** Number of workers. */
  get size() {
    return this.#workers.length;
  }

  /** The core's crate version, as reported by the workers. */
  get version() {
    return this.#version;
  }

  /** The error that failed the pool, or null. */
  get failed() {
    return this.#failed;
  }

  async #start(options) {
    const count = options.workers ?? defaultWorkers();
    if (!Number.isInteger(count) || count < 1) throw new CleanmatchError('invalid-option', 'workers must be a positive integer');
    const module = options.module ?? (await loadModule(options.wasmUrl));
    const starts = [];
    for (let i = 0; i < count; i++) {
      // Written literally so bundlers (Vite, webpack 5, esbuild) emit the worker file.
      const worker = options.workerUrl
        ? new Worker(options.workerUrl, { type: 'module' })
        : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      this.#workers.push(worker);
      starts.push(this.#attach(worker, module));
    }
    try {
      await Promise.all(starts);
    } catch (err) {
      this.#fail(err);
      throw err;
    }
    if (options.secret) this.setSecret(options.secret);
    else this.#secret = await this.randomSecret();
  }

  #attach(worker, module) {
    return new Promise((resolve, reject) => {
      worker.onmessage = (event) => {
        const msg = event.data;
        if (msg.type === 'ready') {
          this.#version = msg.version;
          this.#idle.push(worker);
          resolve();
        } else if (msg.type === 'fatal') {
          const err = fromWire(msg.error);
          reject(err);
          this.#fail(err);
        } else {
          this.#settle(worker, msg);
        }
      };
      worker.onerror = (event) => {
        // Uncaught exception in the worker, or its script failed to load.
        event.preventDefault?.();
        const err = new CleanmatchError('worker-crashed', `a worker stopped: ${event.message || 'failed to load or crashed'}`);
        reject(err);
        this.#fail(err);
      };
      worker.onmessageerror = () => {
        const err = new CleanmatchError('worker-crashed', 'a worker sent a message that could not be read');
        reject(err);
        this.#fail(err);
      };
      worker.postMessage({ type: 'init', module });
    });
  }

  /** Replaces the blinding secret (32 bytes, as returned by randomSecret). */
  setSecret(secret) {
    if (!(secret instanceof Uint8Array) || secret.length !== 32) throw new CleanmatchError('invalid-secret', 'the secret must be a 32-byte Uint8Array');
    this.#secret?.fill(0);
    this.#secret = secret.slice();
  }

  /** A fresh random secret from the core (the browser's CSPRNG, reduced to a scalar). */
  async randomSecret() {
    const out = await this.#run('secret', new Uint8Array(0), { inSize: 0, outSize: 32, single: true }, {});
    return out;
  }

  /**
   * Hashes n 32-byte digests to ristretto255 under match key `key` and blinds them.
   * @param {string} key match key: email, phone, name_postal or maid
   * @param {Uint8Array} digests n×32 bytes
   * @param {{onProgress?: (p: Progress) => void, signal?: AbortSignal}} [options]
   * @returns {Promise<Uint8Array>} n×32 compressed points, in input order
   */
  blind(key, digests, options = {}) {
    return this.#run('blind', digests, OPS.blind, options, key);
  }

  /**
   * Multiplies n partner points by our secret and truncates each to 12 bytes.
   * @param {Uint8Array} points n×32 bytes
   * @returns {Promise<Uint8Array>} n×12 bytes, in input order
   */
  evaluate(points, options = {}) {
    return this.#run('evaluate', points, OPS.evaluate, options);
  }

  #run(op, input, shape, { onProgress, signal } = {}, key) {
    if (this.#failed) return Promise.reject(this.#failed);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (!(input instanceof Uint8Array)) return Promise.reject(new CleanmatchError('invalid-input', `${op}: expected a Uint8Array`));
    if (shape.inSize && input.length % shape.inSize !== 0) {
      return Promise.reject(new CleanmatchError('invalid-length', `${op}: input length ${input.length} is not a multiple of ${shape.inSize}`));
    }
    const total = shape.single ? 1 : input.length / shape.inSize;
    const output = new Uint8Array(total * shape.outSize);
    if (total === 0) return Promise.resolve(output);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const state = { done: 0, remaining: 0, settled: false, reject: null, tasks: new Set() };
      const finish = (err) => {
        if (state.settled) return;
        state.settled = true;
        this.#ops.delete(state);
        signal?.removeEventListener('abort', onAbort);
        // Drop chunks not yet started; chunks in flight finish and are ignored.
        this.#queue = this.#queue.filter((t) => t.state !== state);
        if (err) reject(err);
        else resolve(output);
      };
      state.reject = finish;
      const onAbort = () => finish(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#ops.add(state);
      const step = shape.single ? 1 : this.#chunk;
      for (let start = 0; start < total; start += step) {
        const count = Math.min(step, total - start);
        state.remaining++;
        this.#queue.push({
          id: this.#nextId++,
          op,
          key,
          state,
          count,
          // A copy, so it can be transferred without detaching the caller's buffer.
          data: input.slice(start * shape.inSize, (start + count) * shape.inSize),
          onResult: (data) => {
            if (data.length !== count * shape.outSize) {
              finish(new CleanmatchError('internal', `${op}: a worker returned ${data.length} bytes for ${count} elements`));
              return;
            }
            output.set(data, start * shape.outSize);
            state.done += count;
            state.remaining--;
            if (onProgress) {
              const seconds = (performance.now() - started) / 1000;
              const rate = seconds > 0 ? state.done / seconds : 0;
              onProgress({ phase: op, done: state.done, total, rate, eta: rate > 0 ? (total - state.done) / rate : null });
            }
            if (state.remaining === 0) finish(null);
          },
        });
      }
      if (onProgress) onProgress({ phase: op, done: 0, total, rate: 0, eta: null });
      this.#pump();
    });
  }

  #pump() {
    while (this.#idle.length && this.#queue.length) {
      const task = this.#queue.shift();
      const worker = this.#idle.pop();
      this.#inflight.set(task.id, { task, worker });
      const msg = { type: 'task', id: task.id, op: task.op, key: task.key, secret: this.#secret?.slice(), data: task.data };
      worker.postMessage(msg, [task.data.buffer]);
    }
  }

  #settle(worker, msg) {
    const entry = this.#inflight.get(msg.id);
    if (!entry) return;
    this.#inflight.delete(msg.id);
    this.#idle.push(worker);
    if (!entry.task.state.settled) {
      if (msg.type === 'result') entry.task.onResult(msg.data);
      else entry.task.state.reject(fromWire(msg.error));
    }
    this.#pump();
  }

  #fail(err) {
    if (this.#failed) return;
    this.#failed = err;
    for (const state of [...this.#ops]) state.reject(err);
    this.#queue = [];
    this.#inflight.clear();
    this.#terminate();
  }

  #terminate() {
    for (const w of this.#workers) w.terminate();
    this.#idle = [];
    this.#secret?.fill(0);
  }

  /** Stops the workers; pending operations reject with code `closed`. */
  close() {
    this.#fail(new CleanmatchError('closed', 'the worker pool was closed'));
  }
}

function abortError(signal) {
  const reason = signal.reason;
  return new CleanmatchError('aborted', reason instanceof Error ? reason.message : 'the operation was cancelled', { cause: reason });
}

/** Shorthand for WorkerPool.create. */
export function createPool(options) {
  return WorkerPool.create(options);
}
