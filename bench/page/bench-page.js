// Runs the protocol's bulk work through the real worker pool on data the bench wrote
// next to this page (a-N.bin, b-N.bin): both sides blind, both evaluate the other's
// points, then the intersection is counted.
import { createPool } from './pkg/pool.js';

async function load(name) {
  const r = await fetch(name);
  if (!r.ok) throw new Error(`cannot fetch ${name}`);
  return new Uint8Array(await r.arrayBuffer());
}

function countOverlap(x, y) {
  const seen = new Set();
  const key = (buf, i) => String.fromCharCode(...buf.subarray(i, i + 12));
  for (let i = 0; i < x.length; i += 12) seen.add(key(x, i));
  let n = 0;
  for (let i = 0; i < y.length; i += 12) if (seen.has(key(y, i))) n++;
  return n;
}

window.runBench = async (n, workers) => {
  const [a, b] = await Promise.all([load(`a-${n}.bin`), load(`b-${n}.bin`)]);
  const start = performance.now();
  const poolA = await createPool({ workers });
  const poolB = await createPool({ workers });
  const t = { startup: performance.now() - start };
  const time = async (name, f) => {
    const s = performance.now();
    const r = await f();
    t[name] = performance.now() - s;
    return r;
  };
  // Sequential phases, so each figure is the pool's full width on one operation.
  const pa = await time('blindA', () => poolA.blind('email', a));
  const pb = await time('blindB', () => poolB.blind('email', b));
  const ea = await time('evaluateA', () => poolB.evaluate(pa));
  const eb = await time('evaluateB', () => poolA.evaluate(pb));
  const overlap = await time('intersection', async () => countOverlap(ea, eb));
  poolA.close();
  poolB.close();
  return { n, workers: poolA.size, phases: t, overlap, bytes: pa.length + pb.length + ea.length + eb.length };
};

document.querySelector('[data-testid=status]').textContent = 'ready';
