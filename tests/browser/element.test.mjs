// <clean-match>: two pages run the whole flow through the element's own UI (create,
// invite link, join click, files, accept) against the real relay, and both show the
// overlap. The guest's element reads the invite, clears it from the address bar, and
// opens nothing before the click.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openPage, screenshot, setup } from './harness.mjs';

let env;

before(async () => { env = await setup(); });
after(async () => env?.close());

const csv = (first, n) => Buffer.from(['email', ...Array.from({ length: n }, (_, i) => `person${first + i}@example.org`)].join('\n'));

test('two <clean-match> elements complete a match', async () => {
  const page = `${env.server.url}/element.html?relay=${encodeURIComponent(env.server.relay)}&portal-token=abc123`;
  const host = await openPage(env.browser, page);
  await host.getByTestId('create-room').click();
  const invite = host.getByTestId('invite-link');
  await invite.waitFor({ state: 'visible' });
  const link = await invite.inputValue();
  assert.match(link, /#k=/);
  // The invite is built from the page's origin and path: the portal's query string
  // (here the relay address and a token of its own) does not travel with it.
  assert.equal(new URL(link).search, '');
  assert.doesNotMatch(link, /portal-token/);
  await host.getByTestId('file-input').setInputFiles({ name: 'host.csv', mimeType: 'text/csv', buffer: csv(0, 300) });

  const guest = await openPage(env.browser, `${page}${new URL(link).hash}`);
  // Opened with the invite, the element joins only on a click, and the secret has
  // already left the address bar (and so the history entry).
  const join = guest.getByTestId('join-room');
  await join.waitFor({ state: 'visible' });
  assert.equal(new URL(guest.url()).hash, '');
  assert.equal(await guest.evaluate(() => location.hash), '');
  await guest.waitForTimeout(300);
  assert.deepEqual(guest.sockets, [], 'nothing is opened before the click');
  await join.click();
  // Both people compare the code; the guest sees no terms before both said it matches.
  await Promise.all([host, guest].map((p) => p.getByTestId('confirm-code').waitFor({ state: 'visible' })));
  assert.equal(await host.getByTestId('verify-code').textContent(), await guest.getByTestId('verify-code').textContent());
  await guest.getByTestId('confirm-code').click();
  await guest.waitForTimeout(300);
  assert.equal(await guest.getByTestId('accept-manifest').isVisible(), false);
  await host.getByTestId('confirm-code').click();
  await guest.getByTestId('file-input').setInputFiles({ name: 'guest.csv', mimeType: 'text/csv', buffer: csv(100, 300) });
  await guest.getByTestId('accept-manifest').click();

  const finished = (p) => p.getByTestId('overlap-count').or(p.getByTestId('error')).first().waitFor({ state: 'visible', timeout: 30000 });
  await Promise.all([finished(host), finished(guest)]).finally(async () => {
    await screenshot(host, 'element-host');
    await screenshot(guest, 'element-guest');
  });
  for (const p of [host, guest]) assert.equal(await p.getByTestId('error').isVisible() ? await p.getByTestId('error').textContent() : '', '');
  assert.equal(await host.getByTestId('overlap-count').textContent(), '200');
  assert.equal(await guest.getByTestId('overlap-count').textContent(), '200');
  assert.equal(await host.getByTestId('verify-code').textContent(), await guest.getByTestId('verify-code').textContent());
  assert.deepEqual([...host.problems, ...guest.problems], []);
});
