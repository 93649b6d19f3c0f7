// Exposes the collaboration API and a deterministic data generator to the test.
import { createCollaboration, joinCollaboration } from './pkg/index.js';

/** SHA-256 of "test:<i>" for i in [first, first + n): the same on every page. */
async function digests(first, n) {
  const out = new Uint8Array(n * 32);
  const enc = new TextEncoder();
  for (let i = 0; i < n; i++) {
    out.set(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(`test:${first + i}`))), i * 32);
  }
  return out;
}

window.cm = { createCollaboration, joinCollaboration, digests };
document.querySelector('[data-testid=status]').textContent = 'ready';
