// One wasm instance per worker. The pool posts it the compiled module once, then tasks;
// every task answers with exactly one message so the pool can always settle its promise.
//
// Messages in:  {type:'init', module}  {type:'task', id, op, secret, key?, data}
// Messages out: {type:'ready', version}  {type:'result', id, data}
//               {type:'task-error', id, error:{code, message}}   (bad input; worker usable)
//               {type:'fatal', error:{code, message}}            (instance unusable)
import init, * as core from './wasm/cleanmatch.js';

let ready = false;

const ops = {
  blind: (t) => core.blindBatch(t.secret, t.key, t.data),
  evaluate: (t) => core.evaluateBatch(t.secret, t.data),
  secret: () => core.randomSecret(),
};

function describe(err) {
  // Errors from the bindings carry a stable `code`; anything else is a bug or a trap.
  if (err && typeof err.code === 'string') {
    const out = { code: err.code, message: String(err.message) };
    if (typeof err.index === 'number') out.index = err.index; // invalid-point: which one
    return out;
  }
  return { code: 'internal', message: String(err && err.message ? err.message : err) };
}

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === 'init') {
    try {
      await init({ module_or_path: msg.module });
      ready = true;
      self.postMessage({ type: 'ready', version: core.version() });
    } catch (err) {
      self.postMessage({ type: 'fatal', error: describe(err) });
    }
    return;
  }
  if (msg.type !== 'task') return;
  const op = ops[msg.op];
  if (!ready || !op) {
    self.postMessage({ type: 'task-error', id: msg.id, error: { code: 'internal', message: `worker cannot run ${msg.op}` } });
    return;
  }
  try {
    const data = op(msg);
    self.postMessage({ type: 'result', id: msg.id, data }, [data.buffer]);
  } catch (err) {
    // A trap (a Rust panic aborts as `unreachable`) leaves the instance in an undefined
    // state: the pool must stop using this worker, so it is fatal, not a task error.
    if (err instanceof WebAssembly.RuntimeError) {
      self.postMessage({ type: 'fatal', error: { code: 'wasm-trap', message: `the wasm core stopped: ${err.message}` } });
      self.close();
      return;
    }
    self.postMessage({ type: 'task-error', id: msg.id, error: describe(err) });
  } finally {
    // The secret was copied into this worker for the task; do not keep it around.
    if (msg.secret) msg.secret.fill(0);
  }
};
