// <clean-match relay="wss://…/v1/rooms"> — the whole flow in one tag for portals.
// Opened with an invite fragment (#k=…) it takes the secret out of the address bar at
// once and offers to join (nothing is sent before the click); otherwise it offers to
// create a collaboration.
// Style it with ::part(...) (panel, button, file, invite, code, manifest, progress,
// report, error) and the CSS variables --clean-match-accent, --clean-match-gap.
// Events: `state`, `report` (detail: the report), `error` (detail: CleanmatchError).
import { createCollaboration, joinCollaboration } from './collaboration.js';

// A constructed stylesheet, not a <style> element: strict CSPs (style-src 'self', as
// cleanmatch serve sends) block inline <style> but not the CSSOM.
const CSS = `
  :host { display: block; --clean-match-gap: 0.75rem; --clean-match-accent: #2563eb; }
  [part~=panel] { display: grid; gap: var(--clean-match-gap); }
  [part~=button] { background: var(--clean-match-accent); color: white; border: 0; padding: 0.5em 1em; border-radius: 0.3em; cursor: pointer; justify-self: start; }
  [part~=progress] { width: 100%; accent-color: var(--clean-match-accent); }
  [part~=error] { color: #b91c1c; }
  [hidden] { display: none !important; }
`;

const TEMPLATE = `
<div part="panel">
  <button part="button create" data-testid="create-room" hidden>Create a collaboration</button>
  <button part="button join" data-testid="join-room" hidden>Join your partner's collaboration</button>
  <label part="file" hidden>Your customer file <input type="file" data-testid="file-input" accept=".csv,.tsv,.txt,.xlsx,.xls,.xlsb,.ods"></label>
  <p part="invite" hidden>Send this link to your partner: <input data-testid="invite-link" readonly size="60"></p>
  <div part="code" hidden>
    <p>Compare this code with your partner (by phone, not through the invite's channel): <strong data-testid="verify-code"></strong></p>
    <button part="button confirm-code" data-testid="confirm-code">The codes match</button>
    <button part="button codes-differ" data-testid="codes-differ">They differ</button>
  </div>
  <div part="manifest" hidden><pre data-testid="manifest"></pre><p data-testid="changes" hidden></p><button part="button accept" data-testid="accept-manifest">Accept</button></div>
  <progress part="progress" data-testid="progress" hidden></progress>
  <div part="report" data-testid="report" hidden>
    Records you share: <strong data-testid="overlap-count"></strong>
    (<span data-testid="match-rate"></span> of your records)
  </div>
  <p part="error" data-testid="error" role="alert" hidden></p>
</div>`;

class CleanMatchElement extends HTMLElement {
  #root;
  #collab = null;
  #file = null;
  #invite = null;

  connectedCallback() {
    if (this.#root) return;
    this.#root = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    this.#root.adoptedStyleSheets = [sheet];
    this.#root.innerHTML = TEMPLATE;
    const fragment = globalThis.location?.hash ?? '';
    if (/(^#|&)k=/.test(fragment)) {
      // The secret leaves the address bar and the history entry before anything else
      // runs: a screenshot, a shared screen or a later visitor of this tab sees no invite.
      this.#invite = fragment;
      const { pathname, search } = globalThis.location;
      globalThis.history?.replaceState(globalThis.history.state, '', `${pathname}${search}`);
      const join = this.#q('[data-testid=join-room]');
      join.hidden = false;
      join.addEventListener('click', () => {
        join.hidden = true;
        const invite = this.#invite;
        this.#invite = null; // the session holds it now; drop this copy
        this.#join(invite);
      }, { once: true });
    } else {
      const create = this.#q('[data-testid=create-room]');
      create.hidden = false;
      create.addEventListener('click', () => { create.hidden = true; this.#create(); });
    }
    this.#q('[data-testid=file-input]').addEventListener('change', (e) => this.#addFile(e.target.files[0]));
    this.#q('[data-testid=accept-manifest]').addEventListener('click', () => this.#accept());
    this.#q('[data-testid=confirm-code]').addEventListener('click', () => this.#confirmCode(true));
    this.#q('[data-testid=codes-differ]').addEventListener('click', () => this.#confirmCode(false));
  }

  #q(selector) {
    return this.#root.querySelector(selector);
  }

  #show(selector, on = true) {
    const el = this.#q(selector);
    (el.closest('[part]') ?? el).hidden = !on;
    return el;
  }

  #options() {
    const workers = Number(this.getAttribute('workers')) || undefined;
    return { relay: this.getAttribute('relay'), workers };
  }

  async #create() {
    try {
      const preset = this.getAttribute('preset') ?? undefined;
      const mode = this.getAttribute('mode') ?? undefined;
      this.#collab = await createCollaboration({ ...this.#options(), manifest: { preset, mode } });
      this.#show('[data-testid=invite-link]').value = this.#collab.inviteUrl;
      this.#wire();
    } catch (err) {
      this.#fail(err);
    }
  }

  async #join(invite) {
    try {
      this.#collab = await joinCollaboration({ ...this.#options(), invite });
      this.#wire();
      const { manifest } = await this.#collab.manifest;
      this.#showTerms(manifest, []);
    } catch (err) {
      this.#fail(err);
    }
  }

  #wire() {
    const c = this.#collab;
    this.#show('[data-testid=file-input]');
    c.on('state', (s) => this.dispatchEvent(new CustomEvent('state', { detail: s })));
    c.on('progress', (p) => {
      const bar = this.#show('[data-testid=progress]');
      bar.max = p.total || 1;
      bar.value = p.done;
    });
    c.connected.then(({ verificationCode }) => { this.#show('[data-testid=verify-code]').textContent = verificationCode; }, () => {});
    if (c.side === 'host') {
      // Any change the partner made to the terms is shown and needs a click.
      c.manifest.then(({ manifest, changes }) => { if (changes.length) this.#showTerms(manifest, changes); }, () => {});
    }
    c.report.then((r) => this.#report(r), (e) => this.#fail(e));
    if (this.#file) this.#addFile(this.#file);
  }

  async #addFile(file) {
    if (!file) return;
    // A file chosen before the collaboration is ready is added once it is (#wire).
    this.#file = file;
    if (!this.#collab) return;
    try {
      await this.#collab.addFile(file);
    } catch (err) {
      this.#fail(err);
    }
  }

  #showTerms(manifest, changes) {
    this.#show('[data-testid=manifest]').textContent =
      `Preset ${manifest.preset}, keys ${manifest.keys.join(', ')}, mode ${manifest.mode}, k = ${manifest.k}` +
      (manifest.purpose ? `\nPurpose: ${manifest.purpose}` : '');
    const list = this.#q('[data-testid=changes]');
    list.hidden = !changes.length;
    list.textContent = changes.length ? `Your partner changed: ${changes.map((c) => (typeof c === 'string' ? c : `${c.rule} ${c.from} → ${c.to}`)).join('; ')}` : '';
  }

  #confirmCode(match) {
    for (const id of ['confirm-code', 'codes-differ']) this.#q(`[data-testid=${id}]`).hidden = true;
    try {
      if (match) this.#collab.confirmCode();
      else this.#collab.cancel('the verification codes differ');
    } catch (err) {
      this.#fail(err);
    }
  }

  async #accept() {
    this.#show('[data-testid=manifest]', false);
    try {
      await this.#collab.accept();
    } catch (err) {
      this.#fail(err);
    }
  }

  #report(r) {
    const own = this.#collab.side === 'host' ? r.figures.host : r.figures.guest;
    this.#show('[data-testid=progress]', false);
    this.#show('[data-testid=report]');
    this.#q('[data-testid=overlap-count]').textContent = own.matched === null ? `under ${r.figures.k}` : String(own.matched);
    this.#q('[data-testid=match-rate]').textContent =
      own.matched === null || !own.records ? '–' : `${((100 * own.matched) / own.records).toFixed(1)} %`;
    this.dispatchEvent(new CustomEvent('report', { detail: r }));
  }

  #fail(err) {
    this.#show('[data-testid=error]').textContent = `${err.code ?? 'error'}: ${err.message}`;
    this.dispatchEvent(new CustomEvent('error', { detail: err }));
  }
}

if (!customElements.get('clean-match')) customElements.define('clean-match', CleanMatchElement);
export { CleanMatchElement };
