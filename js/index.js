// The package entry point. See index.d.ts for the API with its documentation.
import { CleanmatchError } from './errors.js';
import { WorkerPool, createPool, loadModule } from './pool.js';

export { CleanmatchError, WorkerPool, createPool, loadModule };

/** The core's version, read from a one-worker pool (the page's main thread runs no wasm). */
export async function version() {
  const pool = await createPool({ workers: 1 });
  try {
    return pool.version;
  } finally {
    pool.close();
  }
}

export { createCollaboration, joinCollaboration } from './collaboration.js';
