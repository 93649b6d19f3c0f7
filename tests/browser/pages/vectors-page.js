// The protocol vectors in the browser: `window.danger` is the test-only wasm build with the
// vector runner (served under /danger/), `window.core` the shipped package's bindings.
import init, * as core from './pkg/wasm/cleanmatch.js';
import initDanger, * as danger from './danger/wasm/cleanmatch.js';

await init();
await initDanger();
window.core = core;
window.danger = danger;
document.querySelector('[data-testid=status]').textContent = 'ready';
