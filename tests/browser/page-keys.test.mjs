// A name or a postal code alone is not a person, on the page: a file of ZIP codes or of
// names alone is refused with `no-usable-key` (the same code `cleanmatch inspect` prints),
// the page says which keys a file forms and why a column is not one, and two pages match
// the same people by first name + last name + postal code + country with no email, the
// count equal to a truth computed here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { root } from './harness.mjs';
import { errorCode, guestUntilAccept, hostUntilInvite, setupPage, waitReport } from './page-driver.mjs';

let env;
before(async () => { env = await setupPage(); });
after(async () => env?.close());

const tid = (id) => `[data-testid="${id}"]`;
const fixture = (name) => path.join(root, 'tests', 'fixtures', 'keys', name);

test('files of postal codes or names alone are refused with no-usable-key and the reason', async () => {
  const page = await env.party('host');
  await page.goto(env.server.url);
  await page.click(tid('create-room'));
  await page.waitForSelector(`${tid('file-input')}:visible`);
  const cases = [
    ['postal_only.csv', 0, 'no key: a postal code without first and last names'],
    ['names_only.csv', 0, 'no key: names without a postal code'],
  ];
  for (const [name, column, note] of cases) {
    await page.setInputFiles(tid('file-input'), fixture(name));
    assert.equal(await errorCode(page), 'no-usable-key', name);
    assert.match(await page.innerText(tid('error')), /Names or postal codes alone cannot be matched/);
    assert.match(await page.innerText(tid('key-plan')), /No key/);
    assert.match(await page.innerText(tid(`key-use-${column}`)), new RegExp(note));
    // The core refuses the same file through the npm API's reader (FileIngest), with the same code.
    const code = await page.evaluate(async (text) => {
      const { inspectFile } = await import('/pkg/page-helpers.js');
      return inspectFile(new File([text], 'x.csv'), { defaultCountry: 'US' }).then(() => 'read', (e) => e.code);
    }, fs.readFileSync(fixture(name), 'utf8'));
    assert.equal(code, 'no-usable-key', name);
  }
  // The plan follows the roles the user sets: with names_only.csv still loaded, its third
  // column set to postal code, then a default country, the names form the key.
  await page.selectOption(tid('role-2'), 'postal');
  assert.match(await page.innerText(tid('key-plan')), /without a country/);
  await page.fill('#country', 'US');
  await page.dispatchEvent('#country', 'change');
  assert.equal(await page.innerText(tid('key-list')), 'Name + postal code');
  assert.match(await page.innerText(tid('key-use-2')), /Postal code: used only together with first name, last name and country/);
  assert.deepEqual(page.problems, []);
  await page.context_.close();
});

/** Person i: letters-only names, US ZIP or UK postcode. */
function person(i) {
  const letters = (p, n) => p + [...n.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
  const uk = i % 3 === 1;
  return {
    first: i % 4 === 0 ? `Zoë${letters('', i)}` : letters('An', i),
    last: letters('Le', i),
    zip: uk ? `SW${1 + (i % 9)}A ${i % 10}AA` : `9${String(i).padStart(4, '0')}`,
    country: uk ? 'GB' : 'US',
  };
}

test('two pages match the same people by name and postal code, without an email', async () => {
  // Host: people 0..299 in First/Last/ZIP/Country columns. Guest: people 100..399 as a
  // full name in upper case ("Last, First" on every other row), postcodes without spaces,
  // ZIP+4; every tenth guest row (i % 10 == 3) has moved to another ZIP.
  const moved = (i) => i % 10 === 3;
  const hostCsv = ['First Name,Last Name,ZIP,Country',
    ...Array.from({ length: 300 }, (_, i) => { const p = person(i); return `${p.first},${p.last},${p.zip},${p.country}`; })].join('\n');
  const guestCsv = ['Full name;Postcode;Country',
    ...Array.from({ length: 300 }, (_, j) => {
      const i = j + 100;
      const p = person(i);
      const name = i % 2 ? `"${p.last.toUpperCase()}, ${p.first.toUpperCase()}"` : `${p.first.toUpperCase()}  ${p.last.toUpperCase()}`;
      const zip = moved(i) ? '99999' : p.country === 'US' ? `${p.zip}-${String(i).padStart(4, '0')}` : p.zip.replace(' ', '').toLowerCase();
      return `${name};${zip};${p.country.toLowerCase()}`;
    })].join('\n');
  let truth = 0;
  for (let i = 100; i < 300; i++) if (!moved(i)) truth++;
  assert.equal(truth, 180);
  const h = await env.party('host');
  const g = await env.party('guest');
  const invite = await hostUntilInvite(h, env.server.url, { file: env.write('np-host.csv', hostCsv), k: 20 });
  await guestUntilAccept(g, invite, { host: h, file: env.write('np-guest.csv', guestCsv), k: 20 });
  await Promise.all([waitReport(h), waitReport(g)]);
  assert.equal(await h.innerText(tid('overlap-count')), String(truth));
  assert.equal(await g.innerText(tid('overlap-count')), String(truth));
  assert.match(await h.innerText(tid('by-key')), /Name \+ postal code/);
  assert.deepEqual([...h.problems, ...g.problems], []);
  await Promise.all([h, g].map((p) => p.context_.close()));
});
