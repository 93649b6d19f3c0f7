//! A party that runs the whole protocol through a relay: the only file that calls the
//! core's session, manifest and relay client API, so a rename there is fixed here.
//!
//! It mirrors `cleanmatch match` (src/cli/matching.rs): same manifest proposal, same
//! prompts and progress on stderr, same report JSON. The difference is who computes the
//! tasks the sans-IO [`Session`] hands out (blind and evaluate batches of up to 16,384
//! points): threads in this process ([`Executor::Local`]), or the caller
//! ([`Executor::External`]), which pulls them with `Run.next_tasks` and hands results back
//! with `Run.complete` — the Spark driver runs them on its executors. At most
//! `max_in_flight` tasks are out at once, and the session sends no more than its window
//! of unacknowledged bytes: together the backpressure for sets of any size.

use crate::errors::error;
use crate::records::RecordSet;
use cleanmatch::loader::RowPicker;
use cleanmatch::manifest::{
    LocalRules, Manifest, Measurement, Mode, Side, Template, PROTOCOL_VERSION,
};
use cleanmatch::psi::{OwnSet, PsiError, Task};
use cleanmatch::relay::client::{RelayClient, RelayEvent};
use cleanmatch::seal::{Invite, Role};
use cleanmatch::session::{Event, Session};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::collections::VecDeque;
use std::io::{BufRead, Read, Write};
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
    yes: bool,
    audience_out: Option<PathBuf>,
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

fn page_url(relay: &str) -> String {
    let base = relay.trim_end_matches('/');
    let base = base
        .replacen("ws://", "http://", 1)
        .replacen("wss://", "https://", 1);
    format!("{base}/")
}

fn relay_from_invite(url: &str) -> Option<String> {
    let base = url.split('#').next()?.trim_end_matches('/');
    if base.starts_with("http://") || base.starts_with("https://") {
        Some(base.replacen("http", "ws", 1))
    } else {
        None
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
    #[pyo3(signature = (records, *, host=false, invite=None, relay=None, preset="uid2".to_string(), mode="aggregate", k=cleanmatch::manifest::DEFAULT_K, group=None, measurement=None, min_records=0, max_records=50_000_000, purpose="overlap analysis".to_string(), yes=false, audience_out=None, receipt=None, external=false, max_in_flight=0, file_name=String::new()))]
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
        yes: bool,
        audience_out: Option<PathBuf>,
        receipt: Option<PathBuf>,
        external: bool,
        max_in_flight: usize,
        file_name: String,
    ) -> PyResult<Run> {
        let options = Options {
            host,
            invite,
            relay,
            preset,
            mode: parse_mode(mode)?,
            k,
            group,
            measurement,
            min_records,
            max_records,
            purpose,
            yes,
            audience_out,
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
        let (session, invite, relay) = open(&options, held)?;
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

    /// Host: the invite link to give the partner (`None` for a guest).
    #[getter]
    fn invite(&self) -> Option<String> {
        self.invite.clone()
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
                        cleanmatch::psi::Op::Blind(k) => ("blind", Some(k)),
                        _ => ("evaluate", None),
                    };
                    (t.id, op, key, PyBytes::new(py, &t.input))
                })
                .collect();
            (secret, tasks)
        }))
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

/// Builds the session as `cleanmatch match` does.
fn open(o: &Options, set: &OwnSet) -> PyResult<(Session, Invite, String)> {
    let local = LocalRules {
        min_k: o.k,
        min_records: o.min_records,
        max_records: o.max_records,
        allow_audience: o.mode == Mode::Audience,
        ..LocalRules::default()
    };
    if o.host {
        let relay = o
            .relay
            .clone()
            .ok_or_else(|| error("usage", "--host needs --relay"))?;
        let invite = Invite::generate().map_err(|e| error("seal", e))?;
        let measurement = match &o.measurement {
            Some(spec) => {
                if o.group.is_none() {
                    return Err(error("usage", "--measurement needs --group"));
                }
                let (exposed, control) = spec
                    .split_once(',')
                    .ok_or_else(|| error("usage", "--measurement takes EXPOSED,CONTROL"))?;
                Some(Measurement {
                    side: Side::Host,
                    exposed: exposed.into(),
                    control: control.into(),
                })
            }
            None => None,
        };
        let preset = crate::files::preset(&o.preset)?;
        let proposal = Manifest {
            version: PROTOCOL_VERSION,
            template: match (o.mode, &measurement, &o.group) {
                (Mode::Audience, _, _) => Template::Audience,
                (_, Some(_), _) => Template::Measurement,
                (_, None, Some(_)) => Template::Segments,
                _ => Template::Overlap,
            },
            mode: o.mode,
            preset: o.preset.clone(),
            preset_fingerprint: preset.fingerprint(),
            keys: set.held_keys(),
            k: o.k,
            min_records: o.min_records,
            max_records: o.max_records,
            host_group: if o.mode == Mode::Aggregate {
                o.group.clone()
            } else {
                None
            },
            guest_group: None,
            measurement,
            purpose: o.purpose.clone(),
            output: Default::default(),
        };
        let session =
            Session::host(invite.clone(), local, proposal).map_err(|e| error(e.code(), e))?;
        Ok((session, invite, relay))
    } else {
        let url = o.invite.clone().unwrap_or_default();
        let invite = Invite::parse(&url).map_err(|e| error("seal", e))?;
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
    source: Option<(PathBuf, Option<String>)>,
    executor: Executor,
    max_in_flight: usize,
    shared: Arc<Shared>,
    done_tx: mpsc::UnboundedSender<Input>,
    mut done_rx: mpsc::UnboundedReceiver<Input>,
) -> Outcome {
    let side = session.side();
    let role = if side == Side::Host {
        Role::Host
    } else {
        Role::Guest
    };
    let room = invite.room_id();
    let mut conn = RelayClient::connect(&relay, &room, role)
        .await
        .map_err(|e| fail("relay", format!("cannot reach the relay at {relay}: {e}")))?;
    let mut rejoining_since: Option<Instant> = None;
    let mut in_flight = 0usize;
    let mut last_progress = Instant::now();
    let started = Instant::now();
    let started_ms = now_ms();
    let mut verification = String::new();
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
                    verification = verification_code.clone();
                    eprintln!("connected end to end; verification code {verification_code} (compare with your partner)");
                }
                Event::Proposed(m) => {
                    eprintln!("the host proposes:\n{}", describe(&m));
                    if !o.yes && !ask("accept this manifest?") {
                        session.cancel("the partner declined the manifest");
                    } else if let Err(e) = session.accept(
                        &held,
                        if m.mode == Mode::Aggregate {
                            o.group.clone()
                        } else {
                            None
                        },
                    ) {
                        eprintln!("cannot accept: {e}");
                    }
                }
                Event::Countered { manifest, changes } => {
                    eprintln!(
                        "the partner tightened the manifest: {}\n{}",
                        changes.join("; "),
                        describe(&manifest)
                    );
                    if !o.yes && !ask("accept the tightened manifest?") {
                        session.cancel("the host declined the tightened manifest");
                    } else {
                        session
                            .confirm()
                            .map_err(|e| fail(e.code(), e.to_string()))?;
                    }
                }
                Event::Agreed(m) => {
                    eprintln!(
                        "agreed on manifest {}",
                        &cleanmatch::report::hex(&m.hash())[..16]
                    );
                    let own = set
                        .take()
                        .map(|s| s.restricted(&m.keys))
                        .unwrap_or_default();
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
                    if let (Some(path), Some((file, sheet))) = (&o.audience_out, &source) {
                        let rows = matched.clone().ok_or_else(|| {
                            fail("usage", "no matched rows: audience mode was not agreed")
                        })?;
                        let n = write_rows(file, sheet.clone(), path, &rows)?;
                        json["audience_rows_written"] = serde_json::json!(n);
                    }
                    if let (Some(path), Some(manifest)) = (&o.receipt, session.manifest()) {
                        let ctx = cleanmatch::report::ReceiptContext {
                            side,
                            verification_code: &verification,
                            started_ms,
                            finished_ms: now_ms(),
                            file_name: &o.file_name,
                        };
                        let text = cleanmatch::report::receipt(manifest, report, &ctx).to_string();
                        std::fs::write(path, text)
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
                Event::Failed { code, message } => {
                    while let Some(frame) = session.poll_transmit() {
                        let _ = conn.send(frame).await;
                    }
                    conn.close().await;
                    return Err(fail(code, format!("{message} [{code}]")));
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
                    rejoining_since = None;
                    session.peer_joined().map_err(|e| fail(e.code(), e.to_string()))?;
                }
                Some(RelayEvent::Waiting) => eprintln!("waiting for the partner to join ..."),
                Some(RelayEvent::PeerLeft) => eprintln!("the partner disconnected; waiting for it to come back ..."),
                Some(RelayEvent::Closed { code: 4001, .. })
                    if rejoining_since.is_some_and(|t| t.elapsed() < Duration::from_secs(120)) =>
                {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    conn = reconnect(&relay, &room, role).await?;
                }
                Some(RelayEvent::Closed { code, reason }) if (4000..4100).contains(&code) && code != 4008 => {
                    return Err(fail("relay", close_message(code, &reason)));
                }
                other => {
                    let why = match other { Some(RelayEvent::Closed { code, reason }) => format!("{code} {reason}"), _ => "closed".into() };
                    eprintln!("connection to the relay lost ({why}); reconnecting ...");
                    rejoining_since.get_or_insert_with(Instant::now);
                    conn = reconnect(&relay, &room, role).await?;
                }
            },
        }
    }
}

fn write_rows(
    file: &PathBuf,
    sheet: Option<String>,
    out: &PathBuf,
    rows: &[u32],
) -> Result<usize, (String, String)> {
    let io_err =
        |p: &PathBuf, e: &dyn core::fmt::Display| fail("io", format!("{}: {e}", p.display()));
    let mut input = std::fs::File::open(file).map_err(|e| io_err(file, &e))?;
    let output = std::fs::File::create(out).map_err(|e| io_err(out, &e))?;
    let mut output = std::io::BufWriter::new(output);
    let mut picker = RowPicker::new(rows.to_vec(), sheet);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = input.read(&mut buf).map_err(|e| io_err(file, &e))?;
        if n == 0 {
            break;
        }
        picker.push(&buf[..n]).map_err(|e| io_err(file, &e))?;
        output
            .write_all(&picker.take_output())
            .map_err(|e| io_err(out, &e))?;
    }
    let n = picker.finish().map_err(|e| io_err(file, &e))?;
    output
        .write_all(&picker.take_output())
        .map_err(|e| io_err(out, &e))?;
    output.flush().map_err(|e| io_err(out, &e))?;
    Ok(n)
}

fn close_message(code: u16, reason: &str) -> String {
    let what = match code {
        4001 => "this collaboration already has two sides: the invite is in use by someone else",
        4004 => "no such collaboration: the host is not connected (the invite expired or the host closed the page)",
        4010 => "this invite was already used; ask the host for a new link",
        4013 => "a frame exceeded the relay's size limit",
        4029 => "the relay is busy (too many rooms or connections); try again later",
        _ => "the relay refused the connection",
    };
    format!("{what} (relay: {code} {reason})")
}

async fn reconnect(relay: &str, room: &str, role: Role) -> Result<RelayClient, (String, String)> {
    let start = Instant::now();
    loop {
        match RelayClient::connect(relay, room, role).await {
            Ok(c) => return Ok(c),
            Err(e) if start.elapsed() > Duration::from_secs(60) => {
                return Err(fail("relay", format!("cannot reconnect to the relay: {e}")))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

fn describe(m: &Manifest) -> String {
    let name = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    format!(
        "  template {}, mode {}, keys {}, preset {} ({}), k {}, set size {}..{}, host breakdown {}, partner breakdown {}, purpose: {}",
        name(serde_json::to_value(m.template)),
        name(serde_json::to_value(m.mode)),
        m.keys.join("+"),
        m.preset,
        m.preset_fingerprint,
        m.k,
        m.min_records,
        m.max_records,
        m.host_group.as_deref().unwrap_or("none"),
        m.guest_group.as_deref().unwrap_or("none"),
        m.purpose
    )
}

fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes")
}
