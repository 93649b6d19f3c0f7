// The output rules a side may ask for next to k: random noise (the manifest's `epsilon`)
// and IAB PAIR output rules. The core applies them (the stricter side wins); this file
// only explains the choices and reads them from the form.
import { $, fill } from './dom.js';

/** What each ε protects, in one line (e^ε: how much one person can change any outcome's odds). */
export const EPSILON_TEXT = {
  '': 'Counts are exact; counts under k are hidden and segments under k merged into “(other)”.',
  1: 'Light noise: one person\'s presence in either list changes the odds of any figure by at most ×2.7; figures read “about N ± M”.',
  0.5: 'Moderate noise: one person changes the odds of any figure by at most ×1.6; twice the noise of ε = 1.',
  0.1: 'Strong noise: one person changes the odds of any figure by at most ×1.1; ten times the noise of ε = 1, so small segments may read as mostly noise.',
};

/** Keeps the hint under an ε select in step with its choice. */
export function wireEpsilonHint(select) {
  const hint = $(`#${select.getAttribute('aria-describedby')}`);
  const show = () => fill(hint, EPSILON_TEXT[select.value] ?? '');
  select.addEventListener('change', show);
  show();
}

/**
 * PAIR rules need lists of at least 1,000 records (the IAB Tech Lab PAIR specification;
 * the core's `PAIR_MIN_RECORDS` enforces it): the smallest-list field says so while the
 * box is ticked, and goes back to what the user had when it is not.
 */
export function wirePairMinimum(checkbox, minRecords) {
  const PAIR_MIN = 1000;
  let before = minRecords.value;
  checkbox.addEventListener('change', () => {
    if (checkbox.checked) {
      before = minRecords.value;
      if ((Number(minRecords.value) || 0) < PAIR_MIN) minRecords.value = String(PAIR_MIN);
      minRecords.min = String(PAIR_MIN);
    } else {
      minRecords.min = '0';
      minRecords.value = before;
    }
  });
}

/** `{ epsilon?, pair }` from an ε select and a PAIR checkbox (`epsilon` absent when off). */
export function outputRules(select, checkbox) {
  return { ...(select.value ? { epsilon: select.value } : {}), pair: checkbox.checked };
}

/**
 * The hook a test or an audit may install before the page loads to read every data
 * message this page seals or opens (`onPlaintext` of the collaboration API); absent
 * in normal use.
 */
export function plaintextTap() {
  return typeof globalThis.cleanmatchPlaintextTap === 'function' ? globalThis.cleanmatchPlaintextTap : undefined;
}
