#!/usr/bin/env node
// Makes sure the WebAssembly build has what it needs on a machine with only Rust and Node,
// installing what is missing and saying so; silent when everything is present.
//
//   1. the Rust target wasm32-unknown-unknown (rustup target add, ~20 s, ~100 MB download);
//   2. the wasm-bindgen CLI of the exact version Cargo.toml pins with "=x.y.z"
//      (cargo install, ~5 minutes of compiling, once per machine);
//   3. wasm-opt from the npm package `binaryen` (a devDependency: `npm install` brings it;
//      Debian's binaryen is too old for the features rustc emits and is never used).
//
// `node scripts/ensure-toolchain.mjs`           install what is missing
// `node scripts/ensure-toolchain.mjs --check`   only report what is missing (exit 1 if anything)
// Used by scripts/build-wasm.mjs (every `npm run build` / `npm start`) and by .ci/run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'wasm32-unknown-unknown';

class ToolchainError extends Error {}

function say(msg) {
  console.error(`ensure-toolchain: ${msg}`);
}

/** stdout of a command, or undefined when it cannot run or fails. */
function output(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout : undefined;
}

function run(cmd, argv) {
  const started = Date.now();
  const r = spawnSync(cmd, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new ToolchainError(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new ToolchainError(`${cmd} ${argv.join(' ')} failed (exit ${r.status})`);
  say(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The wasm-bindgen version Cargo.toml pins (`wasm-bindgen = "=0.2.130"`). */
export function pinnedWasmBindgen() {
  const toml = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
  const pin = toml.match(/^wasm-bindgen\s*=\s*"=([0-9.]+)"/m)?.[1];
  if (!pin) throw new ToolchainError('Cargo.toml does not pin wasm-bindgen with "=x.y.z"');
  return pin;
}

/** cargo's bin directory, where `cargo install` puts the CLI (often, not always, on PATH). */
function cargoBin() {
  return path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'bin');
}

/** The wasm-bindgen CLI to run: on PATH, else in cargo's bin directory; with its version. */
function findWasmBindgen() {
  for (const cmd of ['wasm-bindgen', path.join(cargoBin(), 'wasm-bindgen')]) {
    const out = output(cmd, ['--version']);
    if (out !== undefined) return { cmd, version: out.trim().split(/\s+/)[1] };
  }
  return undefined;
}

function hasWasmTarget() {
  const installed = output('rustup', ['target', 'list', '--installed']);
  if (installed !== undefined) return installed.split('\n').includes(TARGET);
  // Rust without rustup (a distribution package): the target's standard library is in the sysroot.
  const sysroot = output('rustc', ['--print', 'sysroot'])?.trim();
  return sysroot !== undefined && fs.existsSync(path.join(sysroot, 'lib', 'rustlib', TARGET));
}

/**
 * Checks (and unless `check`, installs) the toolchain. Returns `{ wasmBindgen, wasmOpt }`,
 * the commands to run, or throws a ToolchainError saying what is missing and how to get it.
 */
export function ensureToolchain({ check = false } = {}) {
  const missing = [];
  if (output('cargo', ['--version']) === undefined) {
    throw new ToolchainError('cargo not found: install Rust from https://rustup.rs, then run this again');
  }

  if (!hasWasmTarget()) {
    if (output('rustup', ['--version']) === undefined) {
      throw new ToolchainError(`the Rust target ${TARGET} is missing and rustup is not available to add it; ` +
        'install Rust with rustup (https://rustup.rs) or your distribution\'s wasm32 standard library');
    }
    missing.push(`Rust target ${TARGET}`);
    if (!check) {
      say(`adding the Rust target ${TARGET} (rustup target add; about 20 s, a ~100 MB download)`);
      run('rustup', ['target', 'add', TARGET]);
    }
  }

  const pin = pinnedWasmBindgen();
  let cli = findWasmBindgen();
  if (cli?.version !== pin) {
    missing.push(`wasm-bindgen-cli ${pin}` + (cli ? ` (found ${cli.version})` : ''));
    if (!check) {
      say(`installing wasm-bindgen-cli ${pin} with cargo install into ${cargoBin()} ` +
        `(${cli ? `replaces ${cli.version}; ` : ''}about 5 minutes of compiling, once per machine): ` +
        'the CLI must match the wasm-bindgen crate Cargo.toml pins exactly');
      // Not --locked: the CLI's own lockfile pins a webpki-roots release the registry no
      // longer serves, so the lockfile would make the install fail.
      run('cargo', ['install', 'wasm-bindgen-cli', '--version', pin]);
      cli = findWasmBindgen();
      if (cli?.version !== pin) {
        throw new ToolchainError(`cargo installed wasm-bindgen-cli ${pin}, but ${cli?.version ? `wasm-bindgen ${cli.version}` : 'no working wasm-bindgen'} ` +
          `runs; put ${cargoBin()} first on PATH`);
      }
    }
  }

  const wasmOpt = path.join(root, 'node_modules', '.bin', 'wasm-opt');
  if (!fs.existsSync(wasmOpt)) {
    // npm packages are `npm install`'s job: this script never fetches them itself.
    throw new ToolchainError('node_modules/.bin/wasm-opt is missing: run `npm install` first ' +
      '(wasm-opt comes from the npm package binaryen, a devDependency)');
  }

  if (check && missing.length > 0) throw new ToolchainError(`missing: ${missing.join(', ')}`);
  return { wasmBindgen: cli?.cmd ?? 'wasm-bindgen', wasmOpt };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureToolchain({ check: process.argv.includes('--check') });
  } catch (e) {
    if (!(e instanceof ToolchainError)) throw e;
    say(e.message);
    process.exit(1);
  }
}
