// A portal page that uses the installed package the plain way: a module script, no
// bundler, no import map (the server's CSP forbids inline scripts, import maps included).
import { createPool, version, CleanmatchError } from './node_modules/cleanmatch/dist/index.js';

const status = document.querySelector('[data-testid=status]');
try {
  const v = await version();
  const pool = await createPool({ workers: 2 });
  const digests = crypto.getRandomValues(new Uint8Array(100 * 32));
  const points = await pool.blind('email', digests);
  const values = await pool.evaluate(points);
  pool.close();
  status.textContent = `ok ${v} ${points.length} ${values.length} ${typeof CleanmatchError}`;
} catch (err) {
  status.textContent = `error ${err.code ?? ''} ${err.message}`;
}
