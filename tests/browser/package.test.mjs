// The packed tarball in a fresh project: only the files a user needs, the exports map
// resolves, and a plain module page served by cleanmatch serve runs the core from it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openPage, root, screenshot, startServer } from './harness.mjs';

let project;
let tarball;
let files;

before(() => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanmatch-pack-'));
  const out = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' }));
  tarball = path.join(tmp, out[0].filename);
  files = out[0].files.map((f) => f.path).sort();
  project = path.join(tmp, 'portal');
  fs.cpSync(path.join(root, 'tests', 'browser', 'fresh-project'), project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'portal', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project, stdio: 'ignore' });
});

after(() => {
  if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
});

test('the tarball holds only wasm, JS, types, README and licences', () => {
  for (const f of files) {
    assert.match(f, /^(dist\/[a-z-]+\.(js|d\.ts)|dist\/wasm\/cleanmatch(_bg\.wasm|\.js|\.d\.ts)|README\.md|LICENSE-(MIT|APACHE)|package\.json)$/, `unexpected file ${f}`);
  }
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/wasm/cleanmatch_bg.wasm', 'LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(files.includes(f), `missing ${f}`);
  }
});

test('the exports map resolves the entry points and their types', () => {
  const script = "console.log(JSON.stringify([import.meta.resolve('cleanmatch'), import.meta.resolve('cleanmatch/pool')]))";
  const [main, pool] = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }));
  assert.match(main, /node_modules\/cleanmatch\/dist\/index\.js$/);
  assert.match(pool, /node_modules\/cleanmatch\/dist\/pool\.js$/);
  const pkg = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'cleanmatch', 'package.json'), 'utf8'));
  assert.ok(fs.existsSync(path.join(project, 'node_modules', 'cleanmatch', pkg.exports['.'].types)));
});

test('a bundler (esbuild) resolves the package by name', () => {
  const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
  execFileSync(esbuild, ['bundled-entry.js', '--bundle', '--format=esm', '--outfile=bundle.js', '--log-level=warning'], { cwd: project, stdio: 'inherit' });
  assert.ok(fs.statSync(path.join(project, 'bundle.js')).size > 0);
});

for (const [name, file, expect] of [
  ['a plain module page runs the core from the installed package', 'index.html', /^ok \d+\.\d+\.\d+ 3200 1200 function$/],
  ['the bundled page runs the core', 'bundled.html', /^ok \d+\.\d+\.\d+ 3200 1200 function$/],
]) test(name, async () => {
  const server = await startServer(project);
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, `${server.url}/${file}`);
    await page.waitForFunction(() => document.querySelector('[data-testid=status]').textContent !== 'loading', null, { timeout: 30000 });
    const status = await page.textContent('[data-testid=status]');
    await screenshot(page, `package-${file}`);
    assert.match(status, expect);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
