#!/usr/bin/env node
// Builds the WebAssembly core and lays out the npm package in dist/:
//   cargo (wasm32, release) -> wasm-bindgen --target web -> wasm-opt -O3 (npm binaryen)
//   -> dist/wasm/ + the JS layer (js/) + types -> copied to www/pkg/ for the page.
//
// Idempotent: cargo is incremental, and wasm-bindgen + wasm-opt are skipped when the
// cargo output, the tool versions and the flags are unchanged (a stamp file records them).
//
// Options (flags or env):
//   --simd / CLEANMATCH_WASM_SIMD=1|0      build with -C target-feature=+simd128
//   --bits 32|64 / CLEANMATCH_WASM_BITS    curve25519-dalek limb size (default: 32)
//   --profile P / CLEANMATCH_WASM_PROFILE  cargo profile (default: release)
//   --out DIR                              where to lay out the package (default dist)
//   --no-www                               do not copy into www/pkg/
//   --target-dir DIR                       separate cargo target dir (used by the bench
//                                          to compare variants without thrashing the cache)
//   --danger                               test builds only: cargo feature `danger` (fixed
//                                          scalars and ephemeral keys for the protocol
//                                          vectors); refused unless --out is outside dist/
//                                          and --no-www is given, so it never ships
//   --no-opt                               skip wasm-opt (test builds: saves a minute)
// The defaults are what docs/performance.md measured as fastest.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { ensureToolchain } from './ensure-toolchain.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

// Measured in docs/performance.md: see there before changing a default.
const DEFAULT_SIMD = true;
const DEFAULT_BITS = '32';
const DEFAULT_PROFILE = 'release';

const envBool = (v) => (v === undefined ? undefined : v === '1' || v === 'true');
const simd = flag('--simd') ? true : flag('--no-simd') ? false : (envBool(process.env.CLEANMATCH_WASM_SIMD) ?? DEFAULT_SIMD);
const bits = opt('--bits') ?? process.env.CLEANMATCH_WASM_BITS ?? DEFAULT_BITS;
const outDir = path.resolve(root, opt('--out') ?? 'dist');
const targetDir = path.resolve(root, opt('--target-dir') ?? process.env.CARGO_TARGET_DIR ?? 'target');
const copyWww = !flag('--no-www');
const danger = flag('--danger');
const optimize = !flag('--no-opt');

function die(msg) {
  console.error(`build-wasm: ${msg}`);
  process.exit(1);
}

function run(cmd, argv, env) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) die(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${argv.join(' ')} failed (exit ${r.status})`);
}

if (bits !== '32' && bits !== '64') die(`--bits must be 32 or 64, not ${bits}`);
if (danger && (copyWww || outDir === path.join(root, 'dist'))) {
  die('--danger is for test builds: give --out outside dist/ and --no-www, so the package never carries it');
}

// 1. The toolchain: the wasm32 target and the wasm-bindgen CLI of the pinned version are
//    installed when missing (scripts/ensure-toolchain.mjs says what and how long). The CLI
//    must match the crate exactly, or the generated JS glue and the wasm's custom section
//    disagree and the page fails at load time.
let tools;
try {
  tools = ensureToolchain();
} catch (e) {
  die(e.message);
}
const wasmBindgen = tools.wasmBindgen;
const wasmOpt = tools.wasmOpt;
const cliVersion = execFileSync(wasmBindgen, ['--version'], { encoding: 'utf8' }).trim().split(/\s+/)[1];

// 2. cargo. Target-specific RUSTFLAGS so build scripts and proc macros stay untouched.
//    The value replaces (not extends) any RUSTFLAGS in the environment, so say so.
const rustflags = [];
if (simd) rustflags.push('-C', 'target-feature=+simd128');
if (bits === '64') rustflags.push('--cfg', 'curve25519_dalek_bits="64"');
if (process.env.RUSTFLAGS) console.warn('build-wasm: ignoring RUSTFLAGS for the wasm target; use --simd / --bits');
const profile = opt('--profile') ?? process.env.CLEANMATCH_WASM_PROFILE ?? DEFAULT_PROFILE;
const cargoArgs = ['build', '--lib', '--target', 'wasm32-unknown-unknown', '--profile', profile, '--target-dir', targetDir];
if (danger) cargoArgs.push('--features', 'danger');
run('cargo', cargoArgs, {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: rustflags.join(' '),
});
// Cargo's `dev` profile writes to `debug/`; every other profile to a directory of its name.
const cargoWasm = path.join(targetDir, 'wasm32-unknown-unknown', profile === 'dev' ? 'debug' : profile, 'cleanmatch.wasm');
if (!fs.existsSync(cargoWasm)) die(`cargo produced no ${cargoWasm}`);

// 3. wasm-bindgen + wasm-opt, unless the stamp says the output is already current.
const wasmDir = path.join(outDir, 'wasm');
const finalWasm = path.join(wasmDir, 'cleanmatch_bg.wasm');
const stampFile = path.join(wasmDir, '.stamp');
const wasmOptVersion = execFileSync(wasmOpt, ['--version'], { encoding: 'utf8' }).trim();
// The features rustc enables by default for wasm32 (plus SIMD when asked); wasm-opt must
// accept them in the input and may use them, every browser we target has them.
const features = ['--enable-bulk-memory', '--enable-mutable-globals', '--enable-nontrapping-float-to-int',
  '--enable-sign-ext', '--enable-reference-types', '--enable-multivalue'];
if (simd) features.push('--enable-simd');
const optArgs = optimize ? ['-O3', ...features] : [];
const stamp = createHash('sha256')
  .update(fs.readFileSync(cargoWasm))
  .update(JSON.stringify({ cliVersion, wasmOptVersion, optArgs }))
  .digest('hex');
const current = fs.existsSync(finalWasm) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
if (current) {
  console.log('build-wasm: wasm unchanged, skipping wasm-bindgen and wasm-opt');
} else {
  fs.rmSync(wasmDir, { recursive: true, force: true });
  fs.mkdirSync(wasmDir, { recursive: true });
  run(wasmBindgen, ['--target', 'web', '--out-dir', wasmDir, '--out-name', 'cleanmatch', cargoWasm]);
  if (optimize) run(wasmOpt, [...optArgs, finalWasm, '-o', finalWasm]);
  fs.writeFileSync(stampFile, stamp);
}

// 4. The JS layer and its handwritten types next to the wasm, so dist/ is the package.
const jsDir = path.join(root, 'js');
for (const name of fs.readdirSync(jsDir)) {
  if (name.endsWith('.js') || name.endsWith('.d.ts')) fs.copyFileSync(path.join(jsDir, name), path.join(outDir, name));
}

// 5. The page serves the same files under /pkg/.
if (copyWww) {
  const www = path.join(root, 'www', 'pkg');
  fs.rmSync(www, { recursive: true, force: true });
  fs.cpSync(outDir, www, { recursive: true, filter: (src) => !src.endsWith('.stamp') });
}

const raw = fs.readFileSync(finalWasm);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`build-wasm: ${path.relative(root, finalWasm)} ${kib(raw.length)} raw, ` +
  `${kib(zlib.gzipSync(raw, { level: 9 }).length)} gzip, ` +
  `${kib(zlib.brotliCompressSync(raw).length)} brotli (simd=${simd}, bits=${bits}, profile=${profile})`);
