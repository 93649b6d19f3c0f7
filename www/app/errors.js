// Every failure becomes a specific message with what to do next, shown in the one
// `data-testid="error"` element (role=alert), with a retry where one makes sense.
import { $, fill, h } from './dom.js';

/**
 * Relay close codes (the table is `src/policy/close.rs`, described in docs/relay.md); the
 * page words each one. Whether to retry is the core's rule, applied by the driver.
 */
const CLOSE = {
  4000: ['The relay refused the request', 'Reload the page. If it keeps happening, the page and the relay are different releases.'],
  4001: ['This invite link is already in use', 'Two pages are already connected with it. Ask your partner for a new invite link.'],
  4004: ['This invite link has expired or its collaboration has ended', 'The page that created it was closed, or the link is older than its time limit. Ask your partner to start a new collaboration and send you the new link.'],
  4010: ['This invite link has already been used', 'Each link works for one collaboration only. Ask your partner for a new invite link.'],
  4013: ['The exchange exceeded the relay\'s size limit', 'Use smaller files, or the command line (cleanmatch match) for very large lists.'],
  4029: ['Too many connections from your network', 'Too many collaborations are running from this network address at once. Close other collaboration tabs or wait a minute, then try again.'],
  4503: ['The relay is busy', 'The relay is at capacity right now. Wait a few minutes and try again.'],
  4008: ['The connection timed out', 'The collaboration was idle for too long or the connection stalled. Start a new collaboration and keep both pages open until the report appears.'],
  1001: ['The relay restarted', 'Start a new collaboration.'],
};

/** Codes whose wording already includes the error's message, so it is not repeated below. */
const EMBEDS_MESSAGE = new Set(['binary-file', 'spreadsheet', 'file-limit', 'partner-aborted', 'set-too-small', 'set-too-large', 'manifest', 'state']);

/** [title, what happened, what to do] for a CleanmatchError-like `{code, message, closeCode}`. */
export function describe(err, ctx = {}) {
  const code = err?.code ?? 'internal';
  const raw = err?.message ?? '';
  const m = raw ? raw[0].toUpperCase() + raw.slice(1).replace(/\.$/, '') : '';
  if (code === 'relay') {
    const c = err.closeCode;
    if (CLOSE[c]) return [CLOSE[c][0], CLOSE[c][1]];
    return ['Lost the connection to the relay', ctx.running
      ? 'The relay is unreachable or the network dropped. Check your connection, then start a new collaboration; your partner has to start again too.'
      : 'The relay is unreachable. Check your connection (and that the cleanmatch server is running), then try again.'];
  }
  const table = {
    'empty-file': ['This file is empty', 'Choose the export that holds your customer rows.'],
    'binary-file': ['This is not a spreadsheet or CSV file', `${m ? `${m}. ` : ''}Export your list as CSV or Excel (.xlsx) and choose that file.`],
    spreadsheet: ['This workbook cannot be read', `${m ? `${m}. ` : ''}Open it in Excel or LibreOffice, save it again as .xlsx or CSV, and retry.`],
    'file-limit': ['A row or field in this file is too long', `${m ? `${m}. ` : ''}Usually a quote that is never closed: fix that row, or export the file again as CSV.`],
    'no-identifier-column': ['No identifier column found', 'The file needs a column of emails, phone numbers or mobile ad ids, or first and last names with postal codes. Set the role of the right column in the preview, or choose another file.'],
    'no-usable-key': ['Names or postal codes alone cannot be matched', `${m ? `${m}. ` : 'Many people share a name or a ZIP code, so they are matched only together: first name, last name, postal code and country. '}Add the missing column (or a default country), or choose a file with emails or phone numbers.`],
    'unknown-column': ['A chosen column is not in the file', 'Pick the breakdown column again from the list.'],
    'unknown-role': ['Unknown column role', 'Pick a role from the list.'],
    'header-row': ['That row cannot be the header', 'Pick the header row again from the list above the preview.'],
    'unknown-format': ['Unknown export layout', 'Choose one of the download buttons.'],
    'partner-left': ['Your partner left', 'Their page was closed or lost its connection. If they come back within two minutes the run continues; otherwise start a new collaboration and send them the new link.'],
    'partner-aborted': ['Your partner stopped the collaboration', `${m}. Talk to your partner, then start a new collaboration.`],
    aborted: ['You cancelled the collaboration', 'Nothing more is exchanged. Start a new collaboration when you are ready.'],
    cancelled: ['The collaboration was cancelled', 'Start a new collaboration when you are ready.'],
    'version-mismatch': ['Your partner runs a different version of cleanmatch', 'Both pages must come from the same release: ask your partner to reload the page or use the same server, then start again.'],
    'preset-mismatch': ['Your normalization rules differ from your partner\'s', 'The same preset has different rules on the two sides (different releases). Both reload the page from the same server and start again.'],
    'no-shared-key': ['Your files share no kind of identifier', 'One side has only emails and the other only phone numbers, say. Add a column of a kind your partner has (the terms list their keys), then start again.'],
    'set-too-small': ['A list is below the agreed minimum size', `${m ? `${m}. ` : ''}Small lists would let a side learn about individual people. Use a larger list, or agree on a lower minimum and start again.`],
    'set-too-large': ['A list is above the agreed maximum size', `${m ? `${m}. ` : ''}Use a smaller list, or start again with a higher maximum.`],
    'report-mismatch': ['The two reports differ', 'The pages computed different figures, which should never happen. Start again; if it repeats, report it with both audit receipts.'],
    'codes-differ': ['The verification codes differ', 'Someone other than your partner may hold the invite link and sit between you. Nothing was shared. Start a new collaboration and send the new link by another channel.'],
    seal: ['The link or the connection is not valid', 'The invite link may be incomplete (copy all of it, including the part after #), or someone interfered with the connection. Ask your partner for a new link.'],
    'invalid-invite': ['This invite link is malformed', 'Copy the whole link, including the part after #, or ask your partner to send it again.'],
    'worker-crashed': ['The matching engine in this tab stopped', 'The browser ran out of memory or stopped a worker. Close other tabs and reload; for very large lists use the command line (cleanmatch match).'],
    'wasm-trap': ['The matching engine in this tab stopped', 'Reload the page and try again; if it repeats, report it with the audit receipt.'],
    'wasm-load': ['The matching engine could not be loaded', 'Reload the page. Your browser must allow WebAssembly (any current Chrome, Edge, Firefox or Safari).'],
    protocol: ['The partner\'s page sent something unexpected', 'Both pages should come from the same release. Reload and start a new collaboration.'],
    'invalid-point': ['The partner\'s page sent invalid data', 'Start a new collaboration; if it repeats, your partner\'s page may be modified.'],
    manifest: ['The terms are not valid', `${m}. Adjust them and start again.`],
    state: ['The collaboration got out of step', `${m ? `${m}. ` : ''}Start a new collaboration.`],
    randomness: ['Your browser gave no secure randomness', 'Use a current browser and reload.'],
    'breakdown-identifier': ['This breakdown column looks like an identifier', 'Its values would reach your partner as segment labels and single people out. Choose a column with a few categories (region, tier, campaign).'],
    'partner-invalid-report': ['Your partner\'s figures break the agreed rules', 'Their page sent figures about your records that the agreed rules do not allow (a count under k, a segment not agreed, or numbers that do not fit the list sizes). Nothing was shown. Both reload the page from the same server and start again; if it repeats, your partner\'s page may be modified.'],
    'set-empty': ['No usable records', 'No row of this file has a valid identifier in the chosen columns. Check the column roles in the preview.'],
  };
  const [title, next] = table[code] ?? ['Something went wrong', `${m ? `${m}. ` : ''}Reload the page and start again.`];
  // The partner stopped and sent its code: say whose side it was.
  if (err?.origin === 'partner' && code !== 'partner-aborted') return [`Your partner's side stopped: ${title[0].toLowerCase()}${title.slice(1)}`, next];
  return [title, next];
}

let current = null;

/**
 * Shows `err` with what to do next. `actions`: `[{ label, run, primary? }]` (a retry,
 * "start over"…). Focus moves to the message.
 */
export function showError(err, actions = [], ctx = {}) {
  const box = document.querySelector('[data-testid="error"]');
  const [title, next] = describe(err, ctx);
  current = err;
  box.dataset.code = err?.code === 'relay' && err.closeCode ? `relay-${err.closeCode}` : (err?.code ?? 'internal');
  box.dataset.origin = err?.origin ?? 'local';
  fill($('.error-title', box), title);
  fill($('.error-text', box), '');
  fill($('.error-next', box), next);
  fill($('.error-detail', box), err?.message && !EMBEDS_MESSAGE.has(err?.code) ? `Details: ${err.message}` : '');
  const acts = $('.error-actions', box);
  fill(acts, ...actions.map((a, i) => h('button', { type: 'button', class: a.primary || i === 0 ? 'primary' : null, onclick: () => { hideError(); a.run(); } }, a.label)));
  box.hidden = false;
  box.setAttribute('tabindex', '-1');
  box.focus();
  box.scrollIntoView({ block: 'nearest' });
}

export function hideError() {
  const box = document.querySelector('[data-testid="error"]');
  box.hidden = true;
  current = null;
}

export function currentError() {
  return current;
}
