//! A party that runs the whole protocol through a relay: the only file that calls the
//! core's session, manifest and relay client API, so a rename there is fixed here.
//!
//! It mirrors `cleanmatch match` (src/cli/matching.rs) and calls the same code for every
//! decision: the core's [`Proposal`] (defaults, template rule), the verification-code
//! check (`codes_match`: `code`, `yes` or a terminal prompt) before anything is proposed
//! or accepted, the reconnect rule of [`cleanmatch::policy`], [`Session::receipt`] and
//! the audience export; same prompts and progress on stderr, same report JSON. The difference is who computes the
//! tasks the sans-IO [`Session`] hands out (blind and evaluate batches of up to 16,384
//! points): threads in this process ([`Executor::Local`]), or the caller
//! ([`Executor::External`]), which pulls them with `Run.next_tasks` and hands results back
//! with `Run.complete` — the Spark driver runs them on its executors. At most
//! `max_in_flight` tasks are out at once, and the session sends no more than its window
//! of unacknowledged bytes: together the backpressure for sets of any size.

use crate::errors::error;
use crate::records::RecordSet;
use cleanmatch::cli::matching::{
    ask, close_message, codes_match, describe, page_url, reconnect, relay_from_invite,
};
use cleanmatch::export::AudienceFormat;
use cleanmatch::loader::LoadOptions;
use cleanmatch::manifest::{LocalRules, MeasurementRequest, Mode, Proposal, Side};
use cleanmatch::policy::retry_for;
use cleanmatch::report::{Epsilon, OutputRules};
use cleanmatch::psi::{JoinInput, JoinOutcome, MatchKey, OwnSet, PsiError, Task};
use cleanmatch::relay::client::{RelayClient, RelayEvent, TlsRoots};
use cleanmatch::seal::Invite;
use cleanmatch::session::{Event, Origin, Session};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Who computes the session's tasks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Executor {
    Local,
    External,
}

/// The options of `cleanmatch match`, minus the file.
#[derive(Clone)]
struct Options {
    host: bool,
    invite: Option<String>,
    relay: Option<String>,
    preset: String,
    mode: Mode,
    k: u32,
    group: Option<String>,
    measurement: Option<String>,
    min_records: u32,
    max_records: u32,
    purpose: String,
    epsilon: Option<Epsilon>,
    pair: bool,
    yes: bool,
    code: Option<String>,
    relay_ca: Option<PathBuf>,
    audience_out: Option<PathBuf>,
    audience_format: AudienceFormat,
    receipt: Option<PathBuf>,
    file_name: String,
}

type Outcome = Result<String, (String, String)>;

#[derive(Default)]
struct State {
    /// Tasks waiting for the external executor.
    tasks: VecDeque<Task>,
    /// The run's secret once the run started (external executor only).
    secret: Option<[u8; 32]>,
    outcome: Option<Outcome>,
    matched: Option<Vec<u32>>,
    /// Host: the relay has the room (its first `waiting`), so the invite may go out.
    room_open: bool,
    /// External join: the values to join, until the caller takes them.
    join: Option<JoinInput>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn update(&self, f: impl FnOnce(&mut State)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
        self.changed.notify_all();
    }
}

/// What the caller hands the background loop.
enum Input {
    /// A task's result.
    Done(u64, Result<Vec<u8>, PsiError>),
    /// The outcome of an external join.
    Join(Box<JoinOutcome>),
    /// Stop the run (the external executor failed); the partner is told why.
    Cancel(String),
}

/// One side of a match, running in a background thread.
#[pyclass(module = "cleanmatch._native")]
pub struct Run {
    shared: Arc<Shared>,
    results: mpsc::UnboundedSender<Input>,
    invite: Option<String>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn parse_mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "aggregate" => Ok(Mode::Aggregate),
        "audience" => Ok(Mode::Audience),
        other => Err(error(
            "usage",
            format!("unknown mode '{other}' (aggregate or audience)"),
        )),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[pymethods]
impl Run {
    /// Starts a match over `records` (a `RecordSet`, consumed). As host, `invite` is
    /// available at once; the run goes on in a background thread until `wait`.
    #[new]
    #[pyo3(signature = (records, *, host=false, invite=None, relay=None, preset=cleanmatch::manifest::DEFAULT_PRESET.to_string(), mode="aggregate", k=cleanmatch::manifest::DEFAULT_K, group=None, measurement=None, min_records=0, max_records=cleanmatch::manifest::DEFAULT_MAX_RECORDS, purpose="overlap analysis".to_string(), epsilon=None, pair=false, yes=false, code=None, relay_ca=None, audience_out=None, audience_format="plain", receipt=None, wants_rows=false, external=false, external_join=false, max_in_flight=0, file_name=String::new()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        records: &mut RecordSet,
        host: bool,
        invite: Option<String>,
        relay: Option<String>,
        preset: String,
        mode: &str,
        k: u32,
        group: Option<String>,
        measurement: Option<String>,
        min_records: u32,
        max_records: u32,
        purpose: String,
        epsilon: Option<String>,
        pair: bool,
        yes: bool,
        code: Option<String>,
        relay_ca: Option<PathBuf>,
        audience_out: Option<PathBuf>,
        audience_format: &str,
        receipt: Option<PathBuf>,
        wants_rows: bool,
        external: bool,
        external_join: bool,
        max_in_flight: usize,
        file_name: String,
    ) -> PyResult<Run> {
        let options = Options {
            host,
            invite,
            relay,
            preset,
            mode: parse_mode(mode)?.with_rows_wanted(wants_rows || audience_out.is_some()),
            k,
            group,
            measurement,
            min_records,
            max_records,
            purpose,
            epsilon: epsilon
                .map(|e| Epsilon::parse(&e).map_err(|err| error("usage", format!("epsilon: {err}"))))
                .transpose()?,
            pair,
            yes,
            code,
            relay_ca,
            audience_out,
            audience_format: AudienceFormat::parse(audience_format).ok_or_else(|| {
                error(
                    "usage",
                    format!(
                        "unknown audience format '{audience_format}' ({})",
                        AudienceFormat::NAMES.join(", ")
                    ),
                )
            })?,
            receipt,
            file_name,
        };
        if options.host == options.invite.is_some() {
            return Err(error(
                "usage",
                "give either host=True (with relay) or invite",
            ));
        }
        if options.audience_out.is_some() && records.source.is_none() {
            return Err(error(
                "usage",
                "audience_out needs records read from a file; use Run.matched_rows otherwise",
            ));
        }
        let held = records
            .set
            .as_ref()
            .ok_or_else(|| error("state", "these records were already handed to a match"))?;
        if held.is_empty() {
            return Err(error("no-usable-record", "no usable record"));
        }
        // Opened before the records are taken, so a usage error leaves them usable.
        let (mut session, invite, relay) = open(&options, held)?;
        if external_join {
            session.match_outside();
        }
        let set = records.set.take().unwrap_or_default();
        let source = records.source.clone();
        let executor = if external {
            Executor::External
        } else {
            Executor::Local
        };
        let max_in_flight = if max_in_flight > 0 {
            max_in_flight
        } else {
            2 * rayon::current_num_threads()
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let (sh, results) = (shared.clone(), tx.clone());
        let invite_url = options
            .host
            .then(|| format!("{}#{}", page_url(&relay), invite.fragment()));
        let thread = std::thread::Builder::new()
            .name("cleanmatch-run".into())
            .spawn(move || {
                let outcome = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(drive(
                        session,
                        invite,
                        relay,
                        options,
                        set,
                        source,
                        executor,
                        max_in_flight,
                        sh.clone(),
                        results,
                        rx,
                    )),
                    Err(e) => Err(("runtime".into(), format!("cannot start the runtime: {e}"))),
                };
                sh.update(|s| s.outcome = Some(outcome));
            })
            .map_err(|e| error("runtime", format!("cannot start a thread: {e}")))?;
        Ok(Run {
            shared,
            results: tx,
            invite: invite_url,
            thread: Some(thread),
        })
    }

    /// Host: the invite link to give the partner (`None` for a guest), once the relay
    /// says the room exists (as the command line prints it), so a partner who follows it
    /// at once finds the host there. Waits for that (or the run's end).
    #[getter]
    fn invite(&self, py: Python<'_>) -> PyResult<Option<String>> {
        if self.invite.is_none() {
            return Ok(None);
        }
        loop {
            let shared = self.shared.clone();
            let ready = py.detach(move || {
                let Ok(s) = shared.state.lock() else {
                    return true;
                };
                shared
                    .changed
                    .wait_timeout_while(s, Duration::from_millis(200), |s| {
                        !s.room_open && s.outcome.is_none()
                    })
                    .map(|(s, _)| s.room_open || s.outcome.is_some())
                    .unwrap_or(true)
            });
            py.check_signals()?;
            if ready {
                return Ok(self.invite.clone());
            }
        }
    }

    /// External executor: waits up to `timeout` seconds for tasks and returns
    /// `(secret, [(id, op, key, input), ...])` (op `"blind"` with a key name, or
    /// `"evaluate"` with key `None`; input 32-byte digests or points back to back), an
    /// empty list on timeout, or `None` once the run has ended.
    #[pyo3(signature = (max=64, timeout=1.0))]
    #[allow(clippy::type_complexity)]
    fn next_tasks<'py>(
        &self,
        py: Python<'py>,
        max: usize,
        timeout: f64,
    ) -> PyResult<
        Option<(
            Option<Bound<'py, PyBytes>>,
            Vec<(u64, &'static str, Option<&'static str>, Bound<'py, PyBytes>)>,
        )>,
    > {
        let shared = self.shared.clone();
        let taken = py.detach(move || {
            let deadline = Instant::now() + Duration::from_secs_f64(timeout.max(0.0));
            let Ok(mut s) = shared.state.lock() else {
                return None;
            };
            loop {
                if s.outcome.is_some() {
                    return None;
                }
                if s.join.is_some() {
                    return Some((s.secret, Vec::new()));
                }
                if !s.tasks.is_empty() {
                    let n = s.tasks.len().min(max.max(1));
                    return Some((s.secret, s.tasks.drain(..n).collect::<Vec<_>>()));
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Some((s.secret, Vec::new()));
                }
                s = match shared.changed.wait_timeout(s, left) {
                    Ok((g, _)) => g,
                    Err(_) => return None,
                };
            }
        });
        Ok(taken.map(|(secret, tasks)| {
            let secret = secret.map(|b| PyBytes::new(py, &b));
            let tasks = tasks
                .into_iter()
                .map(|t| {
                    let (op, key) = match t.op {
                        cleanmatch::psi::Op::Blind(k) => ("blind", Some(k.as_str())),
                        _ => ("evaluate", None),
                    };
                    (t.id, op, key, PyBytes::new(py, &t.input))
                })
                .collect();
            (secret, tasks)
        }))
    }

    /// External join (`external_join=True`): once both directions are complete, the
    /// values to join, once: `[(key, partner, own, own_groups), ...]` per key with values,
    /// `partner` and `own` 12-byte values back to back (the partner's in its record
    /// order), `own_groups` one little-endian u16 own group per own value; else `None`.
    #[allow(clippy::type_complexity)]
    fn take_join<'py>(
        &self,
        py: Python<'py>,
    ) -> Option<
        Vec<(
            &'static str,
            Bound<'py, PyBytes>,
            Bound<'py, PyBytes>,
            Bound<'py, PyBytes>,
        )>,
    > {
        let input = self.shared.state.lock().ok()?.join.take()?;
        let keys = MatchKey::ALL
            .iter()
            .filter(|k| !input.partner[k.index()].is_empty() || !input.own[k.index()].is_empty())
            .map(|k| {
                let i = k.index();
                let groups: Vec<u8> = input.own_groups[i]
                    .iter()
                    .flat_map(|g| g.to_le_bytes())
                    .collect();
                (
                    k.as_str(),
                    PyBytes::new(py, &input.partner[i]),
                    PyBytes::new(py, &input.own[i]),
                    PyBytes::new(py, &groups),
                )
            })
            .collect();
        Some(keys)
    }

    /// External join: hands back the outcome, per key given by `take_join`:
    /// `(key, partner_group, partner_first, own_matched, own_first)`, `partner_group` one
    /// little-endian u16 per partner value (the smallest own group with an equal value,
    /// 65535 for none), the others one byte (0 or 1) per value. The core checks the sizes
    /// and computes the report from it.
    #[allow(clippy::type_complexity)]
    fn complete_join(
        &self,
        outcome: Vec<(String, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>)>,
    ) -> PyResult<()> {
        let mut out = JoinOutcome::default();
        for (key, group, first, matched, own_first) in outcome {
            let k = MatchKey::parse(&key)
                .ok_or_else(|| error("unknown-key", format!("unknown key '{key}'")))?
                .index();
            out.partner_group[k] = group
                .chunks_exact(2)
                .map(|b| {
                    b.try_into()
                        .map_or(cleanmatch::psi::UNMATCHED, u16::from_le_bytes)
                })
                .collect();
            out.partner_first[k] = first.iter().map(|b| *b != 0).collect();
            out.own_matched[k] = matched.iter().map(|b| *b != 0).collect();
            out.own_first[k] = own_first.iter().map(|b| *b != 0).collect();
        }
        let _ = self.results.send(Input::Join(Box::new(out)));
        Ok(())
    }

    /// External executor: hands back a task's result (points or values back to back).
    fn complete(&self, id: u64, output: Vec<u8>) {
        let _ = self.results.send(Input::Done(id, Ok(output)));
    }

    /// External executor: a task failed because the partner sent an invalid point at
    /// `index` of the task's input.
    fn complete_invalid_point(&self, id: u64, index: usize) {
        let _ = self
            .results
            .send(Input::Done(id, Err(PsiError::InvalidPoint { index })));
    }

    /// Stops the run: the partner gets an abort with `reason` (no identifiers in it),
    /// and `wait` raises with code `cancelled`.
    fn cancel(&self, reason: String) {
        let _ = self.results.send(Input::Cancel(reason));
    }

    /// Waits for the end (in slices, so Ctrl-C reaches Python) and returns the report
    /// as JSON text, or raises `CleanmatchError` with the session's code.
    fn wait(&mut self, py: Python<'_>) -> PyResult<String> {
        loop {
            let shared = self.shared.clone();
            let outcome = py.detach(move || {
                let Ok(s) = shared.state.lock() else {
                    return Some(Err(("internal".into(), "lock poisoned".into())));
                };
                let (s, _) = shared
                    .changed
                    .wait_timeout_while(s, Duration::from_millis(200), |s| s.outcome.is_none())
                    .ok()?;
                s.outcome.clone()
            });
            py.check_signals()?;
            if let Some(outcome) = outcome {
                if let Some(t) = self.thread.take() {
                    let _ = py.detach(|| t.join());
                }
                return outcome.map_err(|(code, message)| error(&code, message));
            }
        }
    }

    /// Audience mode, after `wait`: positions of this side's matched records in the
    /// `RecordSet` (file rows for a file; for Spark records, indexes into their ids).
    fn matched_rows(&self) -> Option<Vec<u32>> {
        self.shared
            .state
            .lock()
            .ok()
            .and_then(|s| s.matched.clone())
    }
}

/// Builds the session as `cleanmatch match` does: the host proposes through the core's
/// [`Proposal`] (defaults and template rule) with the keys its records hold.
fn open(o: &Options, set: &OwnSet) -> PyResult<(Session, Invite, String)> {
    let local = LocalRules {
        min_k: o.k,
        min_records: o.min_records,
        max_records: o.max_records,
        allow_audience: o.mode == Mode::Audience,
        output: OutputRules { epsilon: o.epsilon, pair: o.pair },
    };
    if o.host {
        let relay = o
            .relay
            .clone()
            .ok_or_else(|| error("usage", "--host needs --relay"))?;
        let invite = Invite::generate().map_err(|e| error(e.code(), e))?;
        let measurement = match &o.measurement {
            Some(spec) => {
                if o.group.is_none() {
                    return Err(error("usage", "--measurement needs --group"));
                }
                let (exposed, control) = spec
                    .split_once(',')
                    .ok_or_else(|| error("usage", "--measurement takes EXPOSED,CONTROL"))?;
                Some(MeasurementRequest {
                    side: Side::Host,
                    exposed: exposed.into(),
                    control: control.into(),
                })
            }
            None => None,
        };
        crate::files::preset(&o.preset)?;
        let proposal = Proposal {
            template: None,
            mode: Some(o.mode),
            preset: o.preset.clone(),
            keys: set.held_keys().to_vec(),
            k: o.k,
            min_records: o.min_records,
            max_records: o.max_records,
            group: o.group.clone(),
            measurement,
            purpose: o.purpose.clone(),
            epsilon: o.epsilon,
            pair: o.pair,
        }
        .to_manifest()
        .map_err(|e| error(e.code(), e))?;
        let session =
            Session::host(invite.clone(), local, proposal).map_err(|e| error(e.code(), e))?;
        Ok((session, invite, relay))
    } else {
        let url = o.invite.clone().unwrap_or_default();
        let invite = Invite::parse(&url).map_err(|e| error(e.code(), e))?;
        let relay = o
            .relay
            .clone()
            .or_else(|| relay_from_invite(&url))
            .ok_or_else(|| error("usage", "give --relay or a full invite link"))?;
        Ok((Session::guest(invite.clone(), local), invite, relay))
    }
}

fn fail(code: &str, message: impl Into<String>) -> (String, String) {
    (code.to_owned(), message.into())
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    mut session: Session,
    invite: Invite,
    relay: String,
    o: Options,
    set: OwnSet,
    source: Option<(PathBuf, LoadOptions)>,
    executor: Executor,
    max_in_flight: usize,
    shared: Arc<Shared>,
    done_tx: mpsc::UnboundedSender<Input>,
    mut done_rx: mpsc::UnboundedReceiver<Input>,
) -> Outcome {
    let side = session.side();
    let room = invite.room_id();
    let roots = match &o.relay_ca {
        Some(path) => TlsRoots::with_ca_file(path),
        None => TlsRoots::webpki(),
    }
    .map_err(|e| fail("relay", e.to_string()))?;
    let mut conn = RelayClient::connect_with(&relay, &room, side, &roots)
        .await
        .map_err(|e| fail("relay", format!("cannot reach the relay at {relay}: {e}")))?;
    // As the command line: whether this side has been in its room (a refusal of a
    // reconnect may be transient, of the first connection not), and when it last dropped.
    let mut joined = false;
    let mut dropped_at: Option<Instant> = None;
    let mut in_flight = 0usize;
    let mut last_progress = Instant::now();
    let started = Instant::now();
    let started_ms = now_ms();
    let held = set.held_keys();
    let mut set = Some(set);

    loop {
        while in_flight < max_in_flight {
            let Some(task) = session.poll_task() else {
                break;
            };
            let Some(secret) = session.secret().cloned() else {
                break;
            };
            in_flight += 1;
            match executor {
                Executor::Local => {
                    let tx = done_tx.clone();
                    rayon::spawn(move || {
                        let id = task.id;
                        let _ = tx.send(Input::Done(id, task.run(&secret)));
                    });
                }
                Executor::External => shared.update(|s| {
                    s.secret.get_or_insert_with(|| secret.to_bytes());
                    s.tasks.push_back(task);
                }),
            }
        }
        if let Some(input) = session.take_join() {
            shared.update(|s| s.join = Some(input));
        }
        while let Some(frame) = session.poll_transmit() {
            if let Err(e) = conn.send(frame).await {
                eprintln!("relay connection lost: {e}");
                break;
            }
        }
        let mut acted = false;
        while let Some(event) = session.poll_event() {
            acted = true;
            match event {
                Event::Connected { verification_code } => {
                    eprintln!("connected end to end; verification code {verification_code}");
                    match codes_match(o.code.as_deref(), o.yes, &verification_code) {
                        Ok(true) => session
                            .confirm_code()
                            .map_err(|e| fail(e.code(), e.to_string()))?,
                        Ok(false) => session.cancel("the verification codes differ"),
                        Err(e) => {
                            eprintln!("{e}");
                            session.cancel("the partner could not confirm the verification code");
                        }
                    }
                }
                Event::Proposed { manifest, .. } => {
                    eprintln!("the host proposes:\n{}", describe(&manifest));
                    if !o.yes && !ask("accept this manifest?").map_err(|e| fail("io", e))? {
                        session.cancel("the partner declined the manifest");
                    } else if let Err(e) = session.accept(&manifest.hash(), held, o.group.clone()) {
                        eprintln!("cannot accept: {e}");
                    }
                }
                Event::Countered { manifest, changes } => {
                    let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
                    eprintln!(
                        "the partner tightened the manifest: {}\n{}",
                        changes.join("; "),
                        describe(&manifest)
                    );
                    if !o.yes
                        && !ask("accept the tightened manifest?").map_err(|e| fail("io", e))?
                    {
                        session.cancel("the host declined the tightened manifest");
                    } else {
                        session
                            .confirm()
                            .map_err(|e| fail(e.code(), e.to_string()))?;
                    }
                }
                Event::Agreed { manifest } => {
                    eprintln!(
                        "agreed on manifest {}",
                        &cleanmatch::report::hex(&manifest.hash())[..16]
                    );
                    if let (Some(path), Mode::Aggregate) = (&o.audience_out, manifest.mode) {
                        eprintln!(
                            "note: the partner did not opt in to audience mode: this run reports aggregates only and writes nothing to {}",
                            path.display()
                        );
                    }
                    // Every key the records hold: the session cuts them to the agreed keys.
                    let own = set.take().unwrap_or_default();
                    eprintln!("blinding {} records ...", own.len());
                    session
                        .start(own)
                        .map_err(|e| fail(e.code(), e.to_string()))?;
                }
                Event::Finished => {
                    let report = session
                        .report()
                        .ok_or_else(|| fail("internal", "no report"))?;
                    let mut json = report.for_side(side);
                    let matched = session.matched_rows();
                    // Without audience mode (said when the terms were agreed) no rows are
                    // written; the report still counts.
                    if let (Some(path), Some((file, options)), Some(rows)) =
                        (&o.audience_out, &source, &matched)
                    {
                        let n = cleanmatch::cli::records::write_rows(
                            file,
                            options,
                            path,
                            rows,
                            o.audience_format,
                        )
                        .map_err(|e| fail("io", e))?;
                        json["audience_rows_written"] = serde_json::json!(n);
                    }
                    if let Some(path) = &o.receipt {
                        let receipt = session
                            .receipt(started_ms, now_ms(), &o.file_name)
                            .ok_or_else(|| fail("internal", "no receipt"))?;
                        std::fs::write(path, receipt.to_string())
                            .map_err(|e| fail("io", format!("{}: {e}", path.display())))?;
                    }
                    shared.update(|s| s.matched = matched);
                    conn.close().await;
                    eprintln!(
                        "done in {:.1} s; report hashes agree",
                        started.elapsed().as_secs_f64()
                    );
                    return Ok(json.to_string());
                }
                Event::Failed {
                    code,
                    message,
                    origin,
                } => {
                    while let Some(frame) = session.poll_transmit() {
                        let _ = conn.send(frame).await;
                    }
                    conn.close().await;
                    let at = if origin == Origin::Partner {
                        ", at the partner"
                    } else {
                        ""
                    };
                    return Err(fail(code, format!("{message} [{code}{at}]")));
                }
            }
        }
        if acted {
            continue;
        }
        if let Some(p) = session.progress() {
            if last_progress.elapsed() > Duration::from_secs(1) {
                last_progress = Instant::now();
                eprintln!(
                    "blinded {}/{}  partner sent {}/{}  evaluated {}  returned {}",
                    p.blinded, p.own_points, p.received, p.partner_points, p.evaluated, p.returned
                );
            }
        }
        tokio::select! {
            Some(input) = done_rx.recv() => match input {
                Input::Done(id, result) => {
                    in_flight = in_flight.saturating_sub(1);
                    let _ = session.complete(id, result);
                }
                Input::Join(outcome) => {
                    let _ = session.complete_join(*outcome);
                }
                Input::Cancel(reason) => {
                    session.cancel(&reason);
                    while let Some(frame) = session.poll_transmit() {
                        let _ = conn.send(frame).await;
                    }
                    conn.close().await;
                    return Err(fail("cancelled", reason));
                }
            },
            event = conn.recv() => match event {
                Some(RelayEvent::Frame(f)) => { let _ = session.receive(&f); }
                Some(RelayEvent::PeerJoined) => {
                    (joined, dropped_at) = (true, None);
                    shared.update(|s| s.room_open = true);
                    session.peer_joined().map_err(|e| fail(e.code(), e.to_string()))?;
                }
                Some(RelayEvent::Waiting) => {
                    (joined, dropped_at) = (true, None);
                    shared.update(|s| s.room_open = true);
                    eprintln!("waiting for the partner to join ...");
                }
                Some(RelayEvent::PeerLeft) => eprintln!("the partner disconnected; waiting for it to come back ..."),
                closed => {
                    // The reconnect rule of `cleanmatch::policy`, as the command line.
                    let (code, reason) = match closed {
                        Some(RelayEvent::Closed { code, reason }) => (code, reason),
                        _ => (1006, "connection closed".to_owned()),
                    };
                    if !retry_for(code).allows(joined) {
                        return Err(fail("relay", close_message(code, &reason)));
                    }
                    let since = *dropped_at.get_or_insert_with(Instant::now);
                    eprintln!("connection to the relay lost ({code} {reason}); reconnecting ...");
                    conn = reconnect(&relay, &room, side, &roots, since)
                        .await
                        .map_err(|e| fail("relay", format!("{e} (last close: {})", close_message(code, &reason))))?;
                }
            },
        }
    }
}

/// The core's own join of values in the `Run.take_join` layout, returned in the
/// `Run.complete_join` layout: the reference a driver's join (the Spark driver's) is
/// tested against.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn join_in_memory(
    keys: Vec<(String, Vec<u8>, Vec<u8>, Vec<u8>)>,
) -> PyResult<Vec<(String, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>)>> {
    let mut input = JoinInput::default();
    let mut names = Vec::new();
    for (key, partner, own, groups) in keys {
        let k = MatchKey::parse(&key)
            .ok_or_else(|| error("unknown-key", format!("unknown key '{key}'")))?;
        let i = k.index();
        input.partner[i] = partner;
        input.own[i] = own;
        input.own_groups[i] = groups
            .chunks_exact(2)
            .map(|b| b.try_into().map_or(0, u16::from_le_bytes))
            .collect();
        names.push((key, i));
    }
    let out = JoinOutcome::compute(&input, true);
    let bytes = |v: &[bool]| v.iter().map(|b| u8::from(*b)).collect::<Vec<u8>>();
    Ok(names
        .into_iter()
        .map(|(key, i)| {
            (
                key,
                out.partner_group[i]
                    .iter()
                    .flat_map(|g| g.to_le_bytes())
                    .collect(),
                bytes(&out.partner_first[i]),
                bytes(&out.own_matched[i]),
                bytes(&out.own_first[i]),
            )
        })
        .collect())
}
