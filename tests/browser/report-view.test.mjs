// The report view as a marketer reads it: suppressed figures as "< 50", noised figures
// as "about 1,240 ± 78" with a note saying why, PAIR rates as whole percents and ">85%",
// and the disclosure rule stated under the report. The view is rendered in the real page
// (served by `cleanmatch serve`) from report JSON in the core's shape.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setupPage } from './page-driver.mjs';

let env;
before(async () => { env = await setupPage(); });
after(async () => env?.close());

const view = (records, matched, groups, cells = []) => ({
  records, matched, by_key: [{ key: 'email', records, matched }], groups, cells,
});

function report({ noise = null, pair = false, margin = null } = {}) {
  return {
    figures: {
      version: 1, manifest_hash: '00'.repeat(32), mode: 'aggregate', k: 50, ...(noise ? { noise } : {}),
      host: view(2000, 1240, [
        { label: 'gold', records: 1000, matched: 900 },
        { label: 'silver', records: 900, matched: null },
        { label: '(other)', records: 100, matched: null },
      ], [{ group: 'gold', partner_group: 'all', matched: 900 }]),
      guest: view(1400, 1240, [{ label: 'all', records: 1400, matched: 1240 }], [{ group: 'all', partner_group: 'gold', matched: 900 }]),
    },
    report_hash: 'ab'.repeat(32),
    lift: null,
    pair,
    rule: {
      k: 50, suppression: 'primary and complementary', pair,
      noise: noise ? { epsilon: noise.epsilon, sensitivity: noise.sensitivity, scale: 26, margin95: margin } : null,
      text: 'Groups under 50 records merged into "(other)"; counts under 50 suppressed, and further counts suppressed so that no suppressed count can be narrowed to less than 50 from the published ones.',
    },
  };
}

const manifest = { template: 'segments', mode: 'aggregate', keys: ['email'], purpose: '', host_group: 'Plan', guest_group: null };

async function render(page, rep) {
  return page.evaluate(async ({ rep, manifest }) => {
    const { renderReport } = await import('/app/report-view.js');
    const root = document.createElement('div');
    root.id = 'under-test';
    document.body.replaceChildren(root);
    renderReport(root, rep, manifest, 'host');
    const t = (id) => root.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
    const segment = (label) => [...root.querySelectorAll(`[data-testid="segments-own"] tr[data-segment="${label}"] td`)].map((td) => td.textContent);
    return {
      overlap: t('overlap-count'), ownRate: t('own-rate'), partnerRate: t('partner-rate'), rule: t('disclosure-rule'), note: t('noise-note'),
      silver: segment('silver'), gold: segment('gold'),
    };
  }, { rep, manifest });
}

test('suppressed figures read "< 50" and the rule is stated', async () => {
  const page = await env.party('host');
  await page.goto(env.server.url);
  const r = await render(page, report());
  assert.equal(r.overlap, '1,240');
  assert.equal(r.silver[1], '< 50', 'a suppressed segment');
  assert.equal(r.gold[1], '900');
  assert.match(r.rule, /no suppressed count can be narrowed to less than 50/);
  assert.equal(r.note, null, 'no noise note without noise');
  assert.equal(r.ownRate, '62.0%');
  assert.deepEqual(page.problems, []);
  await page.context_.close();
});

test('noised figures read "about N ± margin" with a note; suppressed ones still "< 50"', async () => {
  const page = await env.party('host');
  await page.goto(env.server.url);
  const r = await render(page, report({ noise: { epsilon: '1', sensitivity: 13 }, margin: 78 }));
  assert.equal(r.overlap, 'about 1,240 ± 78');
  assert.equal(r.gold[1], 'about 900 ± 78');
  assert.equal(r.silver[1], '< 50');
  assert.equal(r.gold[0], '1,000', 'record counts are exact (not noised)');
  assert.match(r.note, /ε = 1.*± 78/);
  assert.deepEqual(page.problems, []);
  await page.context_.close();
});

test('PAIR rules: whole percents, ">85%" above 85 %', async () => {
  const page = await env.party('host');
  await page.goto(env.server.url);
  const rep = report({ pair: true });
  rep.figures.guest.matched = 1239; // 1239 / 1400 = 88.5 %
  const r = await render(page, rep);
  assert.equal(r.ownRate, '62%');
  assert.equal(r.partnerRate, '>85%');
  assert.deepEqual(page.problems, []);
  await page.context_.close();
});
