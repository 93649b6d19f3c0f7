// The same portal code, but importing the package by name and bundled by esbuild into
// bundle.js. esbuild does not emit the worker or the wasm, so the portal points the
// pool at the installed package's files (workerUrl / wasmUrl), as the README says.
import { createPool, version } from 'cleanmatch';

const pkg = new URL('./node_modules/cleanmatch/dist/', location.href);
const status = document.querySelector('[data-testid=status]');
try {
  const pool = await createPool({ workers: 2, workerUrl: new URL('worker.js', pkg), wasmUrl: new URL('wasm/cleanmatch_bg.wasm', pkg) });
  const points = await pool.blind('email', crypto.getRandomValues(new Uint8Array(100 * 32)));
  const values = await pool.evaluate(points);
  pool.close();
  status.textContent = `ok ${pool.version} ${points.length} ${values.length} ${typeof version}`;
} catch (err) {
  status.textContent = `error ${err.code ?? ''} ${err.message}`;
}
