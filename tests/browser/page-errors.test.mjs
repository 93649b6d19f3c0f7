// The page's failures, each with a specific message in the `error` element: bad files,
// a partner who leaves, invite links that are malformed, have no host, or are in use;
// and the page at a narrow width.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startServer } from './harness.mjs';
import { compareCodes, errorCode, guestCsv, guestRows, hostCsv, hostRows, hostUntilInvite, preparePageWww, setupPage, shot } from './page-driver.mjs';

let env;
before(async () => { env = await setupPage(); });
after(async () => env?.close());

const tid = (id) => `[data-testid="${id}"]`;
const close = (...pages) => Promise.all(pages.map((p) => p.context_.close()));

async function hostFileStep(page) {
  await page.goto(env.server.url);
  await page.click(tid('create-room'));
  await page.waitForSelector(`${tid('file-input')}:visible`);
}

test('bad files: empty, an image, no identifier column; each says what to do', async () => {
  const page = await env.party('host');
  await hostFileStep(page);
  const cases = [
    ['empty.csv', '', 'empty-file', /empty/i],
    ['photo.csv', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'), 'binary-file', /not a spreadsheet or CSV/i],
    ['plans.csv', 'Plan,Region\ngold,north\nsilver,south\nbronze,north\n', 'no-identifier-column', /No identifier column/i],
  ];
  for (const [name, content, code, message] of cases) {
    await page.setInputFiles(tid('file-input'), env.write(name, content));
    assert.equal(await errorCode(page), code, name);
    assert.match(await page.innerText(tid('error')), message);
    assert.ok(await page.locator(`${tid('error')} button`).count() > 0, `${name}: the error offers a next step`);
    await shot(page, `page-error-${code}`);
  }
  // A fix is possible in place: mark a column as email → still no valid email, so the
  // check reports zero usable records instead of a dead end.
  await page.selectOption(tid('role-0'), 'email');
  await page.click(tid('check-file'));
  assert.equal(await errorCode(page), 'set-empty');
  // A good file afterwards clears the error.
  await page.setInputFiles(tid('file-input'), env.write('ok.csv', hostCsv(hostRows(200, 0))));
  await page.waitForSelector(`${tid('check-file')}:visible`);
  assert.equal(await page.isVisible(tid('error')), false);
  assert.deepEqual(page.problems, []);
  await close(page);
});

test('the partner closing its page shows "partner left"', async () => {
  const h = await env.party('host');
  const g = await env.party('guest');
  const invite = await hostUntilInvite(h, env.server.url, { file: env.write('h.csv', hostCsv(hostRows(300, 100))) });
  await g.goto(invite);
  await g.click(tid('join-room'));
  await compareCodes(h, g);
  await g.waitForSelector(`${tid('file-input')}:visible`);
  await h.waitForSelector(`${tid('verify-code')}:visible`);
  await g.setInputFiles(tid('file-input'), env.write('g.csv', guestCsv(guestRows(300, 100))));
  await close(g);
  assert.equal(await errorCode(h), 'partner-left');
  assert.match(await h.innerText(tid('error')), /partner left/i);
  await shot(h, 'page-error-partner-left');
  await close(h);
});

test('the guest declining the terms stops both pages, with the reason on the host', async () => {
  const h = await env.party('host');
  const g = await env.party('guest');
  const invite = await hostUntilInvite(h, env.server.url, { file: env.write('h3.csv', hostCsv(hostRows(300, 100))) });
  await g.goto(invite);
  await g.click(tid('join-room'));
  await compareCodes(h, g);
  await g.waitForSelector(`${tid('file-input')}:visible`);
  await g.setInputFiles(tid('file-input'), env.write('g3.csv', guestCsv(guestRows(300, 100))));
  await g.click(tid('check-file'));
  await g.click(tid('file-continue'));
  await g.click('[data-action="decline"]');
  assert.match(await errorCode(g), /^(cancelled|aborted)$/);
  // The partner's abort carries its code; the page says it came from the partner.
  assert.equal(await errorCode(h), 'cancelled');
  assert.equal(await h.getAttribute(tid('error'), 'data-origin'), 'partner');
  assert.match(await h.innerText(tid('error')), /declined the terms/);
  await close(h, g);
});

test('a list below the agreed minimum size stops the run with a specific message', async () => {
  const h = await env.party('host');
  const g = await env.party('guest');
  const invite = await hostUntilInvite(h, env.server.url, { file: env.write('h4.csv', hostCsv(hostRows(300, 50))), minRecords: 100 });
  await g.goto(invite);
  await g.click(tid('join-room'));
  await compareCodes(h, g);
  await g.waitForSelector(`${tid('file-input')}:visible`);
  await g.setInputFiles(tid('file-input'), env.write('g4.csv', guestCsv(guestRows(60, 50))));
  await g.click(tid('check-file'));
  await g.click(tid('file-continue'));
  await g.click(tid('accept-manifest'));
  assert.equal(await errorCode(g), 'set-too-small');
  assert.match(await g.innerText(tid('error')), /below the agreed minimum/);
  // The host sees the same code as the guest, from the partner, about the partner's list.
  assert.equal(await errorCode(h), 'set-too-small');
  assert.equal(await h.getAttribute(tid('error'), 'data-origin'), 'partner');
  assert.match(await h.innerText(tid('error')), /the partner's set has/);
  await shot(g, 'page-error-set-too-small');
  await close(h, g);
});

test('the guest says the codes differ: both pages stop before any terms are shared', async () => {
  const h = await env.party('host');
  const g = await env.party('guest');
  const invite = await hostUntilInvite(h, env.server.url, { file: env.write('h5.csv', hostCsv(hostRows(300, 100))) });
  await g.goto(invite);
  await g.click(tid('join-room'));
  await g.waitForSelector(`${tid('confirm-code')}:visible`);
  await h.waitForSelector(`${tid('confirm-code')}:visible`);
  // The code is shown large on both pages, and nothing moves on before the click.
  assert.match(await g.innerText(`${tid('code-check')} [data-role="code"]`), /^\d{3} \d{3}$/);
  await g.waitForTimeout(500);
  assert.equal(await g.isVisible(tid('file-input')), false, 'the guest got no terms before comparing the code');
  await g.click('[data-action="codes-differ"]');
  assert.equal(await errorCode(g), 'codes-differ');
  assert.match(await g.innerText(tid('error')), /codes differ/i);
  // The host reads the guest's own code, marked as the partner's.
  assert.equal(await errorCode(h), 'cancelled');
  assert.equal(await h.getAttribute(tid('error'), 'data-origin'), 'partner');
  assert.match(await h.innerText(tid('error')), /verification codes differ/);
  assert.equal(await h.isVisible(tid('confirm-code')), false);
  await close(h, g);
});

test('invite links: malformed, no collaboration behind it, already in use', async () => {
  const g = await env.party('guest');
  await g.goto(`${env.server.url}/#k=not-a-secret`);
  await g.click(tid('join-room'));
  assert.equal(await errorCode(g), 'invalid-invite');
  assert.match(await g.innerText(tid('error')), /malformed/i);

  await g.goto('about:blank');
  await g.goto(`${env.server.url}/#k=${randomBytes(32).toString('base64url')}`);
  await g.click(tid('join-room'));
  assert.equal(await errorCode(g), 'relay-4004');
  assert.match(await g.innerText(tid('error')), /expired|ended/i);
  await shot(g, 'page-error-expired-link');

  // Host and guest connected: a third page with the same link is turned away.
  const h = await env.party('host');
  const g2 = await env.party('guest');
  const invite = await hostUntilInvite(h, env.server.url, { file: env.write('h2.csv', hostCsv(hostRows(300, 100))) });
  await g2.goto(invite);
  await g2.click(tid('join-room'));
  await compareCodes(h, g2);
  await g2.waitForSelector(`${tid('file-input')}:visible`);
  await g.goto('about:blank');
  await g.goto(invite);
  await g.click(tid('join-room'));
  assert.equal(await errorCode(g), 'relay-4001');
  assert.match(await g.innerText(tid('error')), /already in use/i);
  // Every error leaves a way on: here, starting one's own collaboration.
  await g.click(`${tid('error')} button`);
  await g.waitForSelector(`${tid('create-room')}:visible`);
  await close(g, g2, h);
});

test('the relay going down says so and offers a new start', async () => {
  const www = preparePageWww();
  const server = await startServer(www);
  const page = await env.party('host');
  try {
    await page.goto(server.url);
    await page.click(tid('create-room'));
    await page.setInputFiles(tid('file-input'), env.write('r.csv', hostCsv(hostRows(200, 0))));
    await page.click(tid('check-file'));
    await page.waitForSelector(`${tid('file-continue')}:visible`);
    await server.close();
    await page.click(tid('file-continue'));
    assert.equal(await errorCode(page), 'relay');
    assert.match(await page.innerText(tid('error')), /relay/i);
    await shot(page, 'page-error-relay-down');
  } finally {
    await server.close();
    await close(page);
  }
});

test('narrow window: the flow fits 400 px without horizontal scrolling', async () => {
  const page = await env.party('host', { width: 400, height: 800 });
  await page.goto(env.server.url);
  await shot(page, 'page-narrow-start');
  await page.click(tid('create-room'));
  await page.setInputFiles(tid('file-input'), env.write('n.csv', hostCsv(hostRows(200, 0))));
  await page.click(tid('check-file'));
  await page.waitForSelector(`${tid('file-continue')}:visible`);
  await shot(page, 'page-narrow-file');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the window`);
  // Keyboard: the next step's heading has focus after continuing.
  await page.focus(tid('file-continue'));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'invite-h');
  await shot(page, 'page-narrow-invite');
  assert.deepEqual(page.problems, []);
  await close(page);
});
