// scripts/ensure-toolchain.mjs: silent when the toolchain is there; on a machine with only
// Rust and Node it adds the wasm32 target and the pinned wasm-bindgen CLI, saying what and
// how long. The "fresh machine" runs against stand-in rustup/cargo commands on PATH that
// record what they were asked, so the test needs no network and installs nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts', 'ensure-toolchain.mjs');
const pin = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8').match(/^wasm-bindgen\s*=\s*"=([0-9.]+)"/m)[1];

function run(args, env) {
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A directory of stand-in commands: a fresh machine with Rust (no wasm32 target) and Node. */
function freshMachine({ bindgen } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-toolchain-'));
  const bin = path.join(dir, 'bin');
  const cargoHome = path.join(dir, 'cargo');
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(cargoHome, 'bin'), { recursive: true });
  const log = path.join(dir, 'log');
  const tool = (name, body) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  // rustup: no wasm32 target until `rustup target add` ran.
  tool('rustup', `echo "rustup $*" >> ${log}
case "$1" in
  --version) echo "rustup 1.28.0";;
  target) if [ "$2" = add ]; then touch ${dir}/target-added; else echo x86_64-unknown-linux-gnu; [ -e ${dir}/target-added ] && echo wasm32-unknown-unknown; fi;;
esac`);
  // cargo install puts a wasm-bindgen of the asked version into CARGO_HOME/bin.
  tool('cargo', `echo "cargo $*" >> ${log}
case "$1" in
  --version) echo "cargo 1.91.0";;
  install) printf '#!/bin/sh\\necho "wasm-bindgen %s"\\n' "$4" > ${cargoHome}/bin/wasm-bindgen; chmod +x ${cargoHome}/bin/wasm-bindgen;;
esac`);
  if (bindgen) tool('wasm-bindgen', `echo "wasm-bindgen ${bindgen}"`);
  const env = { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, CARGO_HOME: cargoHome };
  return { env, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('with everything present it does nothing and says nothing', () => {
  const r = run([], {});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '');
});

test('--check names what a fresh machine lacks and installs nothing', () => {
  const m = freshMachine({ bindgen: '0.2.1' });
  try {
    const r = run(['--check'], m.env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`missing: Rust target wasm32-unknown-unknown, wasm-bindgen-cli ${pin.replaceAll('.', '\\.')} \\(found 0\\.2\\.1\\)`));
    assert.ok(!m.calls().some((c) => c.startsWith('cargo install') || c.includes('target add')), m.calls().join('\n'));
  } finally {
    m.cleanup();
  }
});

test('on a fresh machine it adds the target and the pinned CLI, saying what and how long', () => {
  const m = freshMachine();
  try {
    const r = run([], m.env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /adding the Rust target wasm32-unknown-unknown .*about 20 s/);
    assert.match(r.stderr, new RegExp(`installing wasm-bindgen-cli ${pin.replaceAll('.', '\\.')} with cargo install .*about 5 minutes`));
    const calls = m.calls();
    assert.ok(calls.includes('rustup target add wasm32-unknown-unknown'), calls.join('\n'));
    // Not --locked: the CLI's lockfile pins a crate release the registry no longer serves.
    assert.ok(calls.includes(`cargo install wasm-bindgen-cli --version ${pin}`), calls.join('\n'));
    // A second run finds both and stays silent.
    const again = run([], m.env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stderr, '');
  } finally {
    m.cleanup();
  }
});
