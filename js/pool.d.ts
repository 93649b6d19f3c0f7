// The worker pool: bulk blinding and evaluation across Web Workers, one wasm instance
// each. Most users want `createCollaboration` from "cleanmatch" instead; the pool is
// for portals that drive the protocol themselves and for benchmarks.

import type { CleanmatchError, Progress } from './index.js';

export interface PoolOptions {
  /** Workers to start. Default: `navigator.hardwareConcurrency`, capped at 8. */
  workers?: number;
  /** Elements per task handed to one worker. Default 16384. */
  chunkSize?: number;
  /** The 32-byte blinding secret (from `randomSecret`). Default: a fresh random one. */
  secret?: Uint8Array;
  /** Where `cleanmatch_bg.wasm` is served, if a bundler or CDN moved it. */
  wasmUrl?: string | URL;
  /** Where `worker.js` is served, if a bundler moved it. */
  workerUrl?: string | URL;
  /** An already compiled core (see `loadModule`), shared between pools. */
  module?: WebAssembly.Module;
}

export interface OperationOptions {
  /** Called once at the start and after every chunk. */
  onProgress?: (progress: Progress) => void;
  /** Aborting rejects the operation with code `aborted`; chunks not started are dropped. */
  signal?: AbortSignal;
}

export declare class WorkerPool {
  /** Starts the workers and resolves once every one has instantiated the core. */
  static create(options?: PoolOptions): Promise<WorkerPool>;
  /** Number of workers. */
  readonly size: number;
  /** The core's crate version. */
  readonly version: string | null;
  /** The error that failed the pool (a crash, or `close()`), or null while usable. */
  readonly failed: CleanmatchError | null;
  /** A fresh random secret from the core. Whoever holds it can undo the blinding. */
  randomSecret(): Promise<Uint8Array>;
  /** Replaces the secret used by later operations. */
  setSecret(secret: Uint8Array): void;
  /**
   * Maps n SHA-256 digests (n×32 bytes) to ristretto255 under match key `key`
   * (`email`, `phone`, `name_postal`, `maid`) and blinds them: n×32 bytes out.
   */
  blind(key: string, digests: Uint8Array, options?: OperationOptions): Promise<Uint8Array>;
  /** Multiplies n partner points (n×32 bytes) by the secret: n×12 bytes out. */
  evaluate(points: Uint8Array, options?: OperationOptions): Promise<Uint8Array>;
  /** Stops every worker; pending operations reject with code `closed`. */
  close(): void;
}

/** Same as `WorkerPool.create`. */
export declare function createPool(options?: PoolOptions): Promise<WorkerPool>;

/** Fetches and compiles the wasm core once per page (cached when `wasmUrl` is omitted). */
export declare function loadModule(wasmUrl?: string | URL): Promise<WebAssembly.Module>;
