// The protocol vectors (tests/vectors/protocol-*.tsv) in real Chromium: the same Rust runner
// as `cargo test --lib vectors`, compiled into a test-only wasm module (feature `danger`,
// built here into target/wasm-danger/, never into dist/); the shipped package's bindings on
// the blind and evaluate files; and an independent check of the symmetric parts (HKDF,
// HMAC, ChaCha20-Poly1305, SHA-256) with Node's own crypto.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openPage, prepareWww, root, startServer } from './harness.mjs';

const vectorDir = path.join(root, 'tests', 'vectors');
const dangerDir = path.join(root, 'target', 'wasm-danger');

/** Every protocol vector file as { name, text }; an empty set fails here, not silently later. */
function vectorFiles() {
  const files = fs.readdirSync(vectorDir).filter((n) => n.startsWith('protocol-')).sort();
  assert.ok(files.length > 0, `no protocol-*.tsv in ${vectorDir}`);
  return files.map((name) => ({ name, text: fs.readFileSync(path.join(vectorDir, name), 'utf8') }));
}

/** One file's cases as { line, name, fields, fail } (comment column dropped). */
function cases(name) {
  const text = fs.readFileSync(path.join(vectorDir, name), 'utf8');
  const out = text.split('\n').map((l, i) => ({ l, line: i + 1 }))
    .filter(({ l }) => l.trim() !== '' && !l.startsWith('#'))
    .map(({ l, line }) => {
      const fields = l.split('\t').slice(0, -1);
      return { line, name: fields[0], fields, fail: fields[0].startsWith('fail_'), at: `tests/vectors/${name}:${line} [${fields[0]}]` };
    });
  assert.ok(out.length > 0, `tests/vectors/${name}: no vectors`);
  return out;
}

let server;
let browser;
let page;
let www;

before(async () => {
  // Incremental: only the crate is rebuilt when it changed; wasm-opt is skipped (--no-opt).
  const build = spawnSync('node', ['scripts/build-wasm.mjs', '--danger', '--profile', 'dev', '--out', dangerDir, '--no-www', '--no-opt'],
    { cwd: root, stdio: 'inherit' });
  assert.equal(build.status, 0, 'the test-only wasm build (build-wasm.mjs --danger) failed');
  www = prepareWww();
  fs.cpSync(dangerDir, path.join(www, 'danger'), { recursive: true });
  server = await startServer(www);
  browser = await launchBrowser();
  page = await openPage(browser, `${server.url}/vectors.html`);
  await page.waitForFunction(() => window.danger !== undefined, null, { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (www) fs.rmSync(www, { recursive: true, force: true });
});

test('every protocol vector file passes in the browser (wasm runner)', async () => {
  const files = vectorFiles();
  const expected = await page.evaluate(() => window.danger.protocolVectorFiles());
  for (const name of expected) assert.ok(files.some((f) => f.name === name), `tests/vectors/${name} is missing`);
  let rows = 0;
  const failures = [];
  for (const { name, text } of files) {
    const out = JSON.parse(await page.evaluate(([n, t]) => window.danger.runProtocolVectors(n, t), [`tests/vectors/${name}`, text]));
    rows += out.rows;
    failures.push(...out.failures);
  }
  assert.deepEqual(failures, [], `${failures.length} problem(s) in ${rows} cases:\n${failures.join('\n')}`);
  assert.ok(rows > 50, `only ${rows} cases`);
  assert.deepEqual(page.problems, []);
});

test('the browser runner names the file and line of a wrong value and refuses an empty file', async () => {
  const text = fs.readFileSync(path.join(vectorDir, 'protocol-blind.tsv'), 'utf8');
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith('email_a\t'));
  const f = lines[i].split('\t');
  f[4] = f[4].slice(0, -1) + (f[4].endsWith('0') ? '1' : '0');
  lines[i] = f.join('\t');
  const out = await page.evaluate(([t]) => ({
    wrong: JSON.parse(window.danger.runProtocolVectors('protocol-blind.tsv', t)),
    empty: JSON.parse(window.danger.runProtocolVectors('protocol-blind.tsv', '# name\tkey\tdigest\tsecret\tpoint\tcomment\n')),
  }), [lines.join('\n')]);
  assert.equal(out.wrong.failures.length, 1, out.wrong.failures.join('\n'));
  assert.match(out.wrong.failures[0], new RegExp(`^protocol-blind\\.tsv:${i + 1} \\[email_a\\].*column point`));
  assert.deepEqual(out.empty, { rows: 0, failures: ['protocol-blind.tsv: no vectors'] });
});

test('the shipped package blinds and evaluates the vectors\' bytes (blindBatch, evaluateBatch)', async () => {
  const blind = cases('protocol-blind.tsv').map((c) => ({ at: c.at, fail: c.fail, key: c.fields[1], digest: c.fields[2], secret: c.fields[3], want: c.fields[4] }));
  const evaluate = cases('protocol-evaluate.tsv').map((c) => ({ at: c.at, fail: c.fail, secret: c.fields[1], point: c.fields[2], want: c.fields[3] }));
  const problems = await page.evaluate(([blind, evaluate]) => {
    const { blindBatch, evaluateBatch } = window.core;
    const bytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
    const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const out = [];
    const check = (c, run) => {
      let got;
      try { got = hex(run()); } catch (e) { got = e.code ? `error ${e.code}` : `exception ${e}`; }
      if (c.fail && !got.startsWith('error ')) out.push(`${c.at}: accepted, must be refused (${c.want})`);
      if (!c.fail && got !== c.want) out.push(`${c.at}: ${got}, expected ${c.want}`);
    };
    for (const c of blind) check(c, () => blindBatch(bytes(c.secret), c.key, bytes(c.digest)));
    for (const c of evaluate) check(c, () => evaluateBatch(bytes(c.secret), bytes(c.point)));
    return out;
  }, [blind, evaluate]);
  assert.deepEqual(problems, []);
});

// What needs no curve arithmetic is recomputed here from the formulas in docs/protocol.md,
// so the vectors are not only the core's word about itself.
const hkdf = (ikm, salt, info, n) => Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, n));
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

test('Node\'s crypto agrees with the room id, hello tag, sealed frame and hash vectors', () => {
  let n = 0;
  for (const c of cases('protocol-room-id.tsv').filter((c) => !c.fail)) {
    const params = c.fields[1].trim().split('#').pop().split('&');
    const token = (params.find((p) => p.startsWith('k=')) ?? params[0]).replace(/^k=/, '').replace(/=+$/, '');
    const secret = Buffer.from(token, 'base64url');
    assert.equal(hkdf(secret, Buffer.alloc(0), 'cleanmatch-v1 room', 16).toString('hex'), c.fields[2], c.at);
    n++;
  }
  for (const c of cases('protocol-hello.tsv')) {
    const hello = Buffer.from(c.fields[5], 'hex');
    assert.equal(hello.length, 83, c.at);
    assert.deepEqual([...hello.subarray(0, 3)], [0x48, 2, c.fields[2] === 'host' ? 0 : 1], c.at);
    assert.equal(hello.subarray(35, 51).toString('hex'), c.fields[4], c.at);
    const key = hkdf(Buffer.from(c.fields[1], 'hex'), Buffer.alloc(0), 'cleanmatch-v1 hello', 32);
    assert.equal(crypto.createHmac('sha256', key).update(hello.subarray(0, 51)).digest('hex'), hello.subarray(51).toString('hex'), c.at);
    // The commit sent before the hello: its hash, tagged with the same key.
    const commit = Buffer.from(c.fields[6], 'hex');
    assert.equal(commit.length, 67, c.at);
    assert.deepEqual([...commit.subarray(0, 3)], [0x4b, 2, c.fields[2] === 'host' ? 0 : 1], c.at);
    assert.equal(commit.subarray(3, 35).toString('hex'), crypto.createHash('sha256').update('cleanmatch-v1 commit').update(hello).digest('hex'), c.at);
    assert.equal(crypto.createHmac('sha256', key).update(commit.subarray(0, 35)).digest('hex'), commit.subarray(35).toString('hex'), c.at);
    n++;
  }
  const sides = cases('protocol-handshake.tsv').filter((c) => !c.fail);
  assert.deepEqual(sides[0].fields.slice(6), sides[1].fields.slice(6), 'host and guest derive different codes or keys');
  for (const c of cases('protocol-sealed-frames.tsv').filter((c) => !c.fail)) {
    const [, key, kind, counter, plaintext, frame] = c.fields;
    const header = Buffer.alloc(9);
    header[0] = kind === 'data' ? 0x44 : 0x43;
    header.writeBigUInt64BE(BigInt(counter), 1);
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(counter), 4);
    const cipher = crypto.createCipheriv('chacha20-poly1305', Buffer.from(key, 'hex'), nonce, { authTagLength: 16 });
    cipher.setAAD(header, { plaintextLength: plaintext.length / 2 });
    const sealed = Buffer.concat([header, cipher.update(Buffer.from(plaintext, 'hex')), cipher.final(), cipher.getAuthTag()]);
    assert.equal(sealed.toString('hex'), frame, c.at);
    n++;
  }
  for (const c of cases('protocol-manifest-hash.tsv').filter((c) => !c.fail)) {
    assert.equal(sha256(c.fields[1]), c.fields[2], c.at);
    n++;
  }
  for (const c of cases('protocol-report-hash.tsv')) {
    const figures = JSON.parse(c.fields[4]);
    assert.equal(figures.manifest_hash, sha256(c.fields[1]), c.at);
    assert.deepEqual([figures.host, figures.guest], [JSON.parse(c.fields[2]), JSON.parse(c.fields[3])], c.at);
    assert.equal(sha256(c.fields[4]), c.fields[5], c.at);
    n++;
  }
  assert.ok(n > 20, `only ${n} cases checked`);
});

/**
 * The normalize vectors (tests/vectors/normalize-*.tsv and the shared published examples)
 * as rows { at, preset, kind, input, want, hex, country }, following the native runner's
 * format (tests/normalize_vectors.rs): `# @default-country XX|none` sets the default
 * country for the rows after it, each file starting with US.
 */
function normalizeRows() {
  const shared = path.join(process.env.CLEANMATCH_SHARED_DIR ?? path.join(root, '..', 'shared'), 'vectors', 'normalize.tsv');
  const files = fs.readdirSync(vectorDir).filter((n) => n.startsWith('normalize-') && n.endsWith('.tsv')).sort()
    .map((n) => ({ label: `tests/vectors/${n}`, file: path.join(vectorDir, n) }));
  assert.ok(files.length > 0, 'no tests/vectors/normalize-*.tsv');
  assert.ok(fs.existsSync(shared), `${shared} is missing (set CLEANMATCH_SHARED_DIR)`);
  files.push({ label: 'shared/vectors/normalize.tsv', file: shared });
  const rows = [];
  for (const { label, file } of files) {
    let country = 'US';
    fs.readFileSync(file, 'utf8').split('\n').forEach((l, i) => {
      if (l.startsWith('# @default-country ')) {
        const cc = l.slice('# @default-country '.length).trim();
        country = cc === 'none' ? null : cc;
        return;
      }
      if (l === '' || l.startsWith('#')) return;
      const [preset, kind, input, want, hex, comment] = l.split('\t');
      rows.push({ at: `${label}:${i + 1} [${preset} ${kind} ${JSON.stringify(input)}] (${comment})`, preset, kind, input, want, hex, country });
    });
  }
  return rows;
}

test('the shipped package normalizes and hashes every normalize vector as the native runner does', async () => {
  const all = normalizeRows();
  // The composite name_postal is formed from a record's columns by the reader, not from one
  // value: the page test matching on name + postal code covers it in the browser.
  const rows = all.filter((r) => r.kind !== 'name_postal');
  assert.ok(rows.length > 100 && all.length - rows.length > 0, `${rows.length} rows`);
  const problems = await page.evaluate((rows) => {
    const { normalize, digest } = window.core;
    const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const out = [];
    for (const r of rows) {
      let got;
      try { got = normalize(r.preset, r.kind, r.input, r.country ?? undefined); } catch (e) { got = { error: e.code ?? String(e) }; }
      if (r.want === 'error') {
        if (typeof got === 'string') out.push(`${r.at}: expected an error, got ${JSON.stringify(got)}`);
        continue;
      }
      if (typeof got !== 'string') { out.push(`${r.at}: expected ${JSON.stringify(r.want)}, got error ${got.error}`); continue; }
      if (got !== r.want) { out.push(`${r.at}: expected ${JSON.stringify(r.want)}, got ${JSON.stringify(got)}`); continue; }
      const d = hex(digest(r.preset, r.kind, r.input, r.country ?? undefined));
      if (d !== r.hex) out.push(`${r.at}: digest ${d} != ${r.hex}`);
    }
    return out;
  }, rows);
  assert.deepEqual(problems, [], `${problems.length} problem(s) in ${rows.length} rows:\n${problems.join('\n')}`);
});
