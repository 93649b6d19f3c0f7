// The terms both sides agree on (the core's manifest), shown as a readable table; a
// rule the partner tightened is highlighted.
import { count, fill, h, templateName } from './dom.js';
import { EPSILON_TEXT } from './output-rules.js';

const PRESET_NAMES = { uid2: 'UID2', google: 'Google Customer Match', meta: 'Meta', pair: 'IAB PAIR', plain: 'Plain' };

/** The table row each rule of the core's changes (`{ rule, from, to }`) shows in. */
const ROW_OF_RULE = { k: 'k', mode: 'mode', template: 'template', keys: 'keys', min_records: 'sizes', max_records: 'sizes', epsilon: 'epsilon', pair: 'pair', guest_group: 'guest_group' };

function changedRows(changes) {
  return new Set((changes ?? []).map((c) => ROW_OF_RULE[c.rule]).filter(Boolean));
}

/** One change (`{ rule, from, to }`, from the core) in words. */
export function changeText({ rule, from, to }) {
  const list = (v) => (Array.isArray(v) ? v.join('+') : v ?? 'none');
  switch (rule) {
    case 'k': return `threshold k ${count(from)} → ${count(to)}`;
    case 'min_records': return `minimum list size ${count(from)} → ${count(to)}`;
    case 'max_records': return `maximum list size ${count(from)} → ${count(to)}`;
    case 'epsilon': return `random noise ${from ? `ε = ${from}` : 'off'} → ${to ? `ε = ${to}` : 'off'}`;
    case 'pair': return `IAB PAIR output rules ${from ? 'on' : 'off'} → ${to ? 'on' : 'off'}`;
    case 'guest_group': return `partner breakdown column: ${to ?? 'none'}`;
    default: return `${rule} ${list(from)} → ${list(to)}`;
  }
}

/** A definition table of manifest `m` for `side` (the viewer); `changes` highlighted. */
export function manifestTable(m, side, changes = [], mine = false) {
  const hot = changedRows(changes);
  const you = (s) => (s === side ? 'you' : 'your partner');
  const rows = [
    ['template', 'Template', templateName(m.template)],
    ['mode', 'What each side learns', m.mode === 'audience'
      ? 'Audience: each side learns which of its own rows matched and may download them; no breakdowns'
      : 'Aggregate: counts only; nobody learns which records matched'],
    ['keys', 'Matched on', m.keys.join(', ')],
    ['preset', 'Normalization', `${PRESET_NAMES[m.preset] ?? m.preset}${m.preset_fingerprint ? ` (rules ${m.preset_fingerprint.slice(0, 12)})` : ''}`],
    ['k', 'Threshold k', `${count(m.k)}: any count under ${count(m.k)} is shown as “< k”, and groups under k are merged into “(other)”`],
    ['sizes', 'List sizes allowed', `${count(m.min_records)} to ${count(m.max_records)} records on each side`],
    m.epsilon ? ['epsilon', 'Random noise', `ε = ${m.epsilon}: every count carries random noise (differential privacy). ${EPSILON_TEXT[m.epsilon] ?? ''}`] : null,
    m.pair ? ['pair', 'IAB PAIR output rules', 'match rates in whole percents, above 85 % shown as “>85%”; lists of at least 1,000 records'] : null,
    ['host_group', side === 'host' ? 'Your breakdown column' : 'Partner\'s breakdown column', m.host_group ?? 'none'],
    ['guest_group', side === 'guest' ? 'Your breakdown column' : 'Partner\'s breakdown column', m.guest_group ?? (side === 'host' && m.template === 'segments' ? 'chosen by your partner' : 'none')],
    m.measurement ? ['measurement', 'Measurement', `${you(m.measurement.side) === 'you' ? 'Your' : 'Your partner\'s'} column says exposed (“${m.measurement.exposed}”) or control (“${m.measurement.control}”); the other side's list is the converters`] : null,
    ['purpose', 'Purpose', m.purpose || '(not stated)'],
    ['version', 'Protocol', `v${m.version}`],
  ].filter(Boolean);
  return h('dl', { class: 'manifest', 'data-testid': 'manifest' },
    rows.map(([key, label, value]) => h('div', { class: hot.has(key) ? 'row changed' : 'row', 'data-key': key },
      h('dt', {}, label), h('dd', {}, value, hot.has(key) ? h('span', { class: 'tag' }, mine ? ' your limit applies' : ' changed by your partner') : ''))));
}

/** Fills the agree step for the viewer. */
export function renderAgree(sec, { manifest, side, changes, intro, mine = false }) {
  fill(sec.querySelector('[data-role="agree-intro"]'), intro);
  const box = sec.querySelector('[data-role="changes"]');
  if (changes?.length) {
    fill(box, h('div', { class: 'notice', 'data-testid': 'changes' },
      h('strong', {}, mine ? 'Your own limits make these rules stricter (your partner will see the change): ' : 'Your partner made the rules stricter: '),
      changes.map(changeText).join('; '), '.'));
  } else {
    fill(box);
  }
  fill(sec.querySelector('[data-role="manifest"]'), manifestTable(manifest, side, changes, mine));
}
