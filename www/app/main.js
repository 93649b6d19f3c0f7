// The page's flow. Host: Start (template) → Your file → Invite → (Agree, if the partner
// tightened the terms) → Match → Report. Guest (opened the invite link): Join → Your
// file → Agree → Match → Report. The work is done by the npm package's collaboration
// API (served under ./pkg/); this file only moves between steps and shows what happens.
import { createCollaboration, joinCollaboration } from '../pkg/index.js';
import { coreInfo, inspectFile } from '../pkg/page-helpers.js';
import { manifestTable, renderAgree } from './agree-step.js';
import { $, count, fill, h, templateName } from './dom.js';
import { jsonBlob, reportHtml, save, stamp } from './download.js';
import { currentError, hideError, showError } from './errors.js';
import { initFileStep } from './file-step.js';
import { outputRules, plaintextTap, wireEpsilonHint, wirePairMinimum } from './output-rules.js';
import { TEMPLATES } from './presets.js';
import { ProgressView } from './progress-step.js';
import { renderReport } from './report-view.js';
import { setGuestStepper, showStep } from './steps.js';

const RELAY = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/rooms`;

const app = {
  side: null,
  template: 'overlap',
  collab: null,
  selection: null, // { file, options, quality, sniff, readSeconds, settings }
  manifest: null,
  report: null,
  verificationCode: null,
  progress: null,
  core: null,
  times: { opened: new Date().toISOString() },
};

const section = (name) => document.querySelector(`section[data-step="${name}"]`);

function restart() {
  location.assign(location.pathname);
}

const restartAction = { label: 'Start a new collaboration', run: restart };

/** A failure to start may really be the server (relay and page) being down. */
async function explain(err) {
  if (!['worker-crashed', 'wasm-load', 'relay'].includes(err?.code)) return err;
  try {
    const r = await fetch('/healthz', { cache: 'no-store' });
    if (r.ok) return err;
  } catch { /* down */ }
  return { code: 'relay', message: 'the cleanmatch server does not answer' };
}

async function boot() {
  coreInfo().then((info) => {
    app.core = info;
    fill($('version'), `${info.version} · protocol v${info.protocol}`);
  }, (err) => showError({ code: 'wasm-load', message: err.message }, [{ label: 'Reload', run: () => location.reload() }]));
  wireStatic();
  if (/[#&]k=/.test(location.hash)) {
    // The secret leaves the address bar (and this history entry) as soon as it is read.
    app.invite = location.hash;
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    app.side = 'guest';
    setGuestStepper();
    showStep('join');
  } else {
    app.side = 'host';
    showStep('start');
  }
}

function wireStatic() {
  $('[data-testid="create-room"]').addEventListener('click', startHost);
  $('[data-testid="join-room"]').addEventListener('click', joinAsGuest);
  $('[data-action="open-invite"]').addEventListener('click', () => {
    const link = $('#paste-link').value.trim();
    if (!/#(.*&)?k=[A-Za-z0-9_-]{20,}/.test(link)) {
      showError({ code: 'invalid-invite' }, [{ label: 'Paste it again', run: () => $('#paste-link').focus() }]);
      return;
    }
    const hash = link.slice(link.indexOf('#'));
    location.hash = hash;
    location.reload();
  });
  $('[data-action="copy"]').addEventListener('click', copyInvite);
  $('[data-action="cancel"]').addEventListener('click', () => app.collab?.cancel('your partner cancelled the run'));
  $('[data-action="decline"]').addEventListener('click', () => app.collab?.cancel('your partner declined the terms'));
  $('[data-testid="download-report"]').addEventListener('click', downloadReportHtml);
  $('[data-action="download-json"]').addEventListener('click', () => save(jsonBlob(reportJson()), `cleanmatch-report-${stamp()}.json`));
  $('[data-action="download-receipt"]').addEventListener('click', () => save(jsonBlob(receipt()), `cleanmatch-audit-receipt-${stamp()}.json`));
  $('[data-testid="download-audience"]').addEventListener('click', () => downloadAudience('plain'));
  for (const b of document.querySelectorAll('[data-testid^="download-audience-"]')) {
    // The platforms accept normalized values hashed with SHA-256 as well as in clear.
    b.addEventListener('click', () => downloadAudience(b.dataset.format + ($('[data-testid="audience-hashed"]').checked ? '-sha256' : '')));
  }
  $('[data-action="restart"]').addEventListener('click', restart);
  window.addEventListener('hashchange', () => location.reload());
  wireEpsilonHint($('#epsilon'));
  wireEpsilonHint($('#guest-epsilon'));
  wirePairMinimum($('#pair-rules'), $('#min-records'));
}

// ---- host ----------------------------------------------------------------------------

function startHost() {
  hideError();
  app.template = document.querySelector('input[name="template"]:checked')?.value ?? 'overlap';
  document.body.dataset.template = app.template;
  initFileStep({
    side: 'host',
    template: app.template,
    check: (file, options, onProgress) => inspectFile(file, { ...options, onProgress }),
    onContinue: createRoom,
  });
  showStep('file');
}

/** What the host asks for, from its choices; the core makes the terms (mode, defaults). */
function proposalFrom(sel) {
  const tpl = TEMPLATES[app.template];
  // The keys the host's file holds (the quality report lists them in wire order).
  const keys = Object.entries(sel.quality.by_key ?? {}).filter(([, v]) => v.valid > 0).map(([k]) => k);
  const s = sel.settings;
  const p = {
    template: app.template,
    preset: sel.options.preset,
    keys,
    k: Math.max(2, Math.round(s.k)),
    minRecords: Math.max(0, Math.round(s.minRecords)),
    purpose: s.purpose,
    group: tpl.hostGroup ? sel.options.group : undefined,
    ...s.output, // { epsilon?, pair }: the core raises the minimum list size for PAIR
  };
  if (app.template === 'measurement') p.measurement = { side: 'host', exposed: s.exposed, control: s.control };
  return p;
}

async function createRoom(sel) {
  hideError();
  app.selection = sel;
  const proposal = proposalFrom(sel);
  if (app.template === 'measurement') {
    const values = (sel.quality.group?.values ?? []).map((v) => v.value);
    const missing = [proposal.measurement.exposed, proposal.measurement.control].filter((v) => !v || !values.includes(v));
    if (missing.length) {
      showError({ code: 'manifest', message: `the column “${sel.options.group}” has no value ${missing.map((v) => `“${v}”`).join(' or ')} (it holds ${values.slice(0, 6).map((v) => `“${v}”`).join(', ')})` },
        [{ label: 'Fix the labels', run: () => $('#exposed-label').focus() }]);
      return;
    }
  }
  let collab;
  try {
    collab = await createCollaboration({ relay: RELAY, manifest: proposal, inviteBase: `${location.origin}${location.pathname}`, onPlaintext: plaintextTap() });
  } catch (err) {
    showError(await explain(err), [{ label: 'Try again', run: () => createRoom(sel) }, restartAction]);
    return;
  }
  app.collab = collab;
  app.times.room_created = new Date().toISOString();
  watch(collab);
  $('#invite-link').value = collab.inviteUrl;
  fill($('proposal'), manifestTable(collab.proposal, 'host'));
  showStep('invite');

  const waiting = () => !app.verificationCode;
  const offRead = collab.on('progress', (p) => {
    if (p.phase === 'read' && waiting() && p.total) fill($('invite-status'), `Preparing your file (${Math.round((p.done / p.total) * 100)}%)… Send the link meanwhile.`);
  });
  collab.addFile(sel.file, sel.options).then((q) => {
    app.selection.quality = q;
    if (waiting()) fill($('invite-status'), `Your ${count(q.records)} records are ready. Waiting for your partner to open the link…`);
  }, (err) => {
    // Usually also an error event; a read failure here is not, so show it.
    if (collab.state !== 'failed') showError(err, [restartAction]);
  }).finally(offRead);

  try {
    const { verificationCode } = await collab.connected;
    connected(verificationCode);
    fill($('invite-status'), 'Your partner is connected. Compare the verification code with them.');
    await codesCompared(collab);
    fill($('invite-status'), 'Codes match. Your partner is choosing their file and reviewing your terms…');
    const { manifest, changes } = await collab.manifest;
    if (changes.length) {
      // Every change the partner made (stricter rules, fewer keys, its breakdown
      // column) is shown and needs the host's click.
      renderAgree(section('agree'), {
        manifest,
        side: 'host',
        changes,
        intro: 'Your partner accepted with changes (highlighted). Accept them to start, or decline to end the collaboration.',
      });
      showStep('agree');
      const accept = $('[data-testid="accept-manifest"]');
      accept.onclick = async () => {
        accept.disabled = true;
        try {
          app.manifest = await collab.accept();
        } catch { /* shown by the error event */ }
      };
    }
    app.manifest = await agreedManifest(collab, manifest);
  } catch { /* shown by the error event */ }
}

async function copyInvite() {
  const input = $('#invite-link');
  const status = $('copy-status');
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = 'Copied. Send it to your partner; keep this page open.';
  } catch {
    input.select();
    status.textContent = 'Select the link and copy it (Ctrl+C or ⌘C).';
  }
}

// ---- guest ---------------------------------------------------------------------------

async function joinAsGuest() {
  hideError();
  const button = $('[data-testid="join-room"]');
  const status = $('join-status');
  button.disabled = true;
  status.textContent = 'Connecting to your partner…';
  const k = Math.max(2, Math.round(Number($('#guest-k').value) || 50));
  let collab;
  try {
    app.guestRules = { minK: k, allowAudience: $('#guest-audience').checked, output: outputRules($('#guest-epsilon'), $('#guest-pair')) };
    collab = await joinCollaboration({ relay: RELAY, invite: app.invite, local: app.guestRules, onPlaintext: plaintextTap() });
  } catch (err) {
    button.disabled = false;
    status.textContent = '';
    const e = err?.code === 'seal' ? { code: 'invalid-invite', message: err.message } : await explain(err);
    showError(e, [{ label: 'Try again', run: joinAsGuest }, { label: 'Start my own collaboration', run: restart }]);
    return;
  }
  app.collab = collab;
  watch(collab, () => { button.disabled = false; status.textContent = ''; });
  const slow = setTimeout(() => {
    status.textContent = 'Still waiting for your partner\'s page. Keep this page open; if they closed theirs, this link no longer works: ask them for a new one.';
  }, 15_000);
  collab.connected.finally(() => clearTimeout(slow)).catch(() => {});
  try {
    const { verificationCode } = await collab.connected;
    connected(verificationCode);
    app.invite = null; // the session holds it now; drop this copy
    status.textContent = 'Connected. Compare the verification code with your partner.';
    await codesCompared(collab);
    status.textContent = 'Codes match. Waiting for your partner\'s proposal…';
    const { manifest } = await collab.manifest;
    app.manifest = manifest;
    app.template = manifest.template;
    document.body.dataset.template = app.template;
    guestFileStep(manifest);
  } catch { /* shown by the error event */ }
}

function guestFileStep(proposal) {
  initFileStep({
    side: 'guest',
    template: proposal.template,
    fixedPreset: proposal.preset,
    terms: h('p', {}, h('strong', {}, 'Your partner proposes: '),
      `${templateName(proposal.template)}, matched on ${proposal.keys.join(', ')}, threshold k = ${count(proposal.k)}`,
      proposal.purpose ? `, for “${proposal.purpose}”` : '', '. You review every rule before anything is compared.'),
    check: (file, options, onProgress) => {
      const off = app.collab.on('progress', (p) => { if (p.phase === 'read') onProgress(p); });
      return app.collab.addFile(file, options).finally(off);
    },
    onContinue: (sel) => {
      app.selection = sel;
      // This side's own stricter limits, as the core will apply them on accepting.
      let mine = [];
      let terms = proposal;
      try {
        const preview = app.collab.preview();
        mine = preview.changes.filter((c) => c.rule !== 'keys' && c.rule !== 'guest_group');
        // The terms as accepting makes them: a rule this side requires (noise, PAIR)
        // shows as its own highlighted row even if the proposal had none.
        if (mine.length) terms = preview.manifest;
      } catch { /* accepting reports the same problem with its code */ }
      renderAgree(section('agree'), {
        manifest: terms,
        side: 'guest',
        changes: mine,
        mine: true,
        intro: 'These are your partner\'s terms. Check the verification code with them, then accept to start the match. If your own limits are stricter, they apply and your partner sees the change.',
      });
      showStep('agree');
      const accept = $('[data-testid="accept-manifest"]');
      accept.disabled = false;
      accept.onclick = async () => {
        accept.disabled = true;
        fill($('agree-status'), 'Waiting for your partner to confirm…');
        try {
          app.manifest = await app.collab.accept();
        } catch { /* shown by the error event */ }
      };
    },
  });
  showStep('file');
}

// ---- both ----------------------------------------------------------------------------

async function agreedManifest(collab, fallback) {
  // The host's `manifest` resolves with the agreed terms when nothing was tightened.
  return new Promise((resolve) => {
    if (collab.state === 'agreed' || collab.state === 'running' || collab.state === 'finished') resolve(fallback);
    const off = collab.on('state', (s) => { if (s === 'agreed') { off(); resolve(fallback); } });
  });
}

function connected(code) {
  app.verificationCode = code;
  app.times.connected = new Date().toISOString();
  $('[data-testid="verify-code"]').textContent = code;
  $('[data-testid="connection"]').hidden = false;
}

/**
 * Asks the person whether the partner's page shows the same code; resolves once they
 * say yes (the host's terms go out, the guest may accept). "They differ" stops both
 * pages: someone else holds the invite and sits in the middle.
 */
function codesCompared(collab) {
  const panel = $('[data-testid="code-check"]');
  fill(panel.querySelector('[data-role="code"]'), app.verificationCode);
  panel.hidden = false;
  $('[data-testid="confirm-code"]').focus();
  const off = collab.on('error', () => { panel.hidden = true; off(); });
  return new Promise((resolve) => {
    $('[data-testid="confirm-code"]').onclick = () => {
      off();
      panel.hidden = true;
      app.times.code_confirmed = new Date().toISOString();
      collab.confirmCode();
      resolve();
    };
    panel.querySelector('[data-action="codes-differ"]').onclick = () => {
      panel.hidden = true;
      collab.cancel('the verification codes differ');
      showError({ code: 'codes-differ' }, [restartAction]);
    };
  });
}

/** Subscribes to a collaboration's events for the rest of the page's life. */
function watch(collab, onFail) {
  collab.on('state', (s) => {
    if (s === 'agreed') app.times.agreed = new Date().toISOString();
    if (s === 'running') {
      app.times.run_started = new Date().toISOString();
      app.progress = new ProgressView(section('progress'));
      if (app.selection) app.progress.readDone(app.selection.quality.records, app.selection.readSeconds ?? 0);
      showStep('progress');
    }
  });
  collab.on('progress', (p) => { if (p.phase !== 'read') app.progress?.update(p); });
  collab.on('peer', (what) => {
    if (what === 'joined') {
      app.peerGone = false;
      $('[data-testid="connection"]').classList.remove('lost');
      fill($('[data-role="peer"]'), 'Connected to your partner.');
      if (currentError()?.code === 'partner-left') hideError();
      return;
    }
    if (['finished', 'failed'].includes(collab.state) || !app.verificationCode) return;
    // A partner that just finished closes its connection while this side is still
    // comparing the last figures: only a partner gone for a moment has left.
    app.peerGone = true;
    setTimeout(() => {
      if (['finished', 'failed'].includes(collab.state) || !app.peerGone) return;
      $('[data-testid="connection"]').classList.add('lost');
      fill($('[data-role="peer"]'), 'Your partner is disconnected.');
      showError({ code: 'partner-left' }, [restartAction, { label: 'Keep waiting', run: () => {} }], { running: true });
    }, 1500);
  });
  collab.on('error', (err) => {
    onFail?.();
    $('[data-testid="connection"]').classList.add('lost');
    const actions = app.side === 'host'
      ? [restartAction]
      : [{ label: 'Start my own collaboration', run: restart }];
    showError(err, actions, { running: collab.state !== 'waiting' });
  });
  collab.report.then((report) => {
    app.report = report;
    app.times.finished = new Date().toISOString();
    app.progress?.finish();
    app.times.phase_seconds = { read: app.selection?.readSeconds ?? null, ...app.progress?.timings() };
    if (currentError()?.code === 'partner-left') hideError();
    $('[data-testid="connection"]').classList.remove('lost');
    fill($('[data-role="peer"]'), 'Finished with your partner.');
    showReport();
  }, () => {});
}

function showReport() {
  const manifest = app.manifest ?? {};
  renderReport($('report'), app.report, manifest, app.side);
  for (const b of document.querySelectorAll('[data-testid^="download-audience"], [data-testid="audience-hashed-label"]')) {
    b.hidden = manifest.mode !== 'audience';
  }
  showStep('report');
}

// ---- downloads -----------------------------------------------------------------------

function reportJson() {
  return { side: app.side, manifest: app.manifest, report: app.report, verification_code: app.verificationCode, finished_at: app.times.finished, times: app.times };
}

/** The core's audit receipt (the same schema as `cleanmatch match --receipt`). */
function receipt() {
  return app.collab.receipt({ fileName: app.selection?.file?.name ?? '', startedAt: Date.parse(app.times.run_started ?? app.times.opened) });
}

async function downloadReportHtml() {
  const blob = await reportHtml({
    reportEl: $('report'),
    manifestEl: manifestTable(app.manifest, app.side),
    title: `cleanmatch report · ${templateName(app.manifest.template)}`,
    side: app.side,
    finishedAt: new Date(app.times.finished),
  });
  save(blob, `cleanmatch-report-${stamp()}.html`);
}

// `plain`: the file's own columns; `google`/`meta`: the platform's upload columns,
// normalized with its preset, so the file can be uploaded without editing.
async function downloadAudience(format = 'plain') {
  const status = $('download-status');
  try {
    status.textContent = 'Preparing your matched rows…';
    const blob = await app.collab.downloadAudience(format);
    const suffix = format === 'plain' ? '' : `-${format}`;
    save(blob, `cleanmatch-audience${suffix}-${stamp()}.csv`);
    status.textContent = format === 'plain'
      ? 'Saved your matched rows (your own columns only).'
      : `Saved your matched rows in the ${format.startsWith('google') ? 'Google Customer Match' : 'Meta customer list'} layout${format.endsWith('sha256') ? ', hashed' : ''}.`;
  } catch (err) {
    status.textContent = '';
    showError(err, [{ label: 'Try again', run: () => downloadAudience(format) }]);
  }
}

boot();
