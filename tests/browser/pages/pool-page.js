// Exposes the package to the test through window.cm. A module file, not an inline
// script, because the server's CSP allows scripts from 'self' only.
import * as pool from './pkg/pool.js';
import init, * as core from './pkg/wasm/cleanmatch.js';

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

// The raw bindings on the main thread, for binding-level tests.
await init();
window.core = core;
window.cm = { ...pool, randomBytes };
document.querySelector('[data-testid=status]').textContent = 'ready';
