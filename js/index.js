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

// The collaboration drives the core's sans-IO session (src/session.rs) between a relay
// WebSocket and the worker pool; it is wired once the session bindings land.
export async function createCollaboration(options) {
  if (!options?.relay) throw new CleanmatchError('invalid-option', 'createCollaboration needs { relay }');
  throw new CleanmatchError('not-implemented', 'collaborations need the session bindings (issue 6)');
}

export async function joinCollaboration(options) {
  if (!options?.relay || !options?.invite) throw new CleanmatchError('invalid-option', 'joinCollaboration needs { relay, invite }');
  throw new CleanmatchError('not-implemented', 'collaborations need the session bindings (issue 6)');
}
