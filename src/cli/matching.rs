//! `cleanmatch match`: a native party that runs the whole protocol through a relay,
//! interoperable with a browser partner.

use crate::relay::client::{RelayClient, RelayEvent};
use crate::manifest::{LocalRules, Manifest, Measurement, Mode, Side, Template, DEFAULT_K, PROTOCOL_VERSION};
use crate::psi::{PsiError, Task};
use crate::seal::{Invite, Role};
use crate::session::{Event, Session};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Arguments of `cleanmatch match`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Create the collaboration (prints `invite <url>` first on stdout).
    #[arg(long, conflicts_with = "invite", requires = "relay")]
    host: bool,
    /// Join the collaboration of this invite link.
    #[arg(long, required_unless_present = "host")]
    invite: Option<String>,
    /// The relay, e.g. ws://127.0.0.1:8080 (for a guest, taken from the invite link if absent).
    #[arg(long)]
    relay: Option<String>,
    /// The customer file (CSV, TSV or Excel).
    #[arg(long)]
    file: PathBuf,
    /// Normalization preset: uid2, google, meta, pair, plain.
    #[arg(long, default_value = "uid2")]
    preset: String,
    /// Country assumed for phone numbers without a country code (ISO alpha-2).
    #[arg(long)]
    default_country: Option<String>,
    /// Column roles, overriding the guesses: `name=role,...` (roles as in `inspect`).
    #[arg(long)]
    columns: Option<String>,
    /// `aggregate` (only counts) or `audience` (each side learns its own matched rows).
    #[arg(long, default_value = "aggregate")]
    mode: String,
    /// Privacy threshold; the stricter of the two sides wins.
    #[arg(long, default_value_t = DEFAULT_K)]
    k: u32,
    /// Breakdown column of this side.
    #[arg(long)]
    group: Option<String>,
    /// Host: campaign measurement on the host's group column, as `EXPOSED,CONTROL` labels.
    #[arg(long, requires = "group")]
    measurement: Option<String>,
    /// Smallest set either side may bring.
    #[arg(long, default_value_t = 0)]
    min_records: u32,
    /// Largest set either side may bring.
    #[arg(long, default_value_t = 50_000_000)]
    max_records: u32,
    /// Privacy budget: discrete Laplace noise on every published count (e.g. `1`,
    /// `0.5`); the smaller of the two sides' budgets wins.
    #[arg(long, value_parser = |s: &str| crate::report::Epsilon::parse(s).map_err(|e| e.to_string()))]
    epsilon: Option<crate::report::Epsilon>,
    /// PAIR output rules: whole-percent match rates, above 85 % shown as ">85%", and
    /// lists of at least 1,000 records.
    #[arg(long)]
    pair: bool,
    /// The declared purpose, shown to the partner and kept in the receipt.
    #[arg(long, default_value = "overlap analysis")]
    purpose: String,
    /// A suppression (opt-out) file whose identifiers are removed before matching.
    #[arg(long)]
    suppress: Option<PathBuf>,
    /// Sheet of an Excel file (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Accept the manifest without asking.
    #[arg(long)]
    yes: bool,
    /// Audience mode: write this side's matched rows (CSV) here.
    #[arg(long)]
    audience_out: Option<PathBuf>,
    /// Write the audit receipt (manifest, hashes, figures, times; JSON) here.
    #[arg(long)]
    receipt: Option<PathBuf>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().worker_threads(1).build() {
        Ok(rt) => rt,
        Err(e) => return super::fail(format!("cannot start the runtime: {e}")),
    };
    match rt.block_on(run_async(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e),
    }
}

fn page_url(relay: &str) -> String {
    let base = relay.trim_end_matches('/');
    let base = base.replacen("ws://", "http://", 1).replacen("wss://", "https://", 1);
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

async fn run_async(args: Args) -> Result<(), String> {
    let mode = match args.mode.as_str() {
        "aggregate" => Mode::Aggregate,
        "audience" => Mode::Audience,
        other => return Err(format!("unknown mode '{other}' (aggregate or audience)")),
    };
    eprintln!("reading {} ...", args.file.display());
    let options = crate::loader::LoadOptions {
        columns: args.columns.clone(),
        group: args.group.clone(),
        default_country: args.default_country.clone(),
        sheet: args.sheet.clone(),
    };
    let loaded = super::records::load(&args.file, &args.preset, options, args.suppress.as_deref())?;
    eprintln!("{}", loaded.summary());
    let local = LocalRules {
        min_k: args.k,
        min_records: args.min_records,
        max_records: args.max_records,
        allow_audience: mode == Mode::Audience,
        output: crate::report::OutputRules { epsilon: args.epsilon, pair: args.pair },
    };

    let (invite, relay, mut session) = if args.host {
        let relay = args.relay.clone().ok_or("--host needs --relay")?;
        let invite = Invite::generate().map_err(|e| e.to_string())?;
        let measurement = match &args.measurement {
            Some(spec) => {
                let (exposed, control) = spec.split_once(',').ok_or("--measurement takes EXPOSED,CONTROL")?;
                Some(Measurement { side: Side::Host, exposed: exposed.into(), control: control.into() })
            }
            None => None,
        };
        let preset = crate::normalize::Preset::named(&args.preset).ok_or("unknown preset")?;
        let proposal = Manifest {
            version: PROTOCOL_VERSION,
            template: match (mode, &measurement, &args.group) {
                (Mode::Audience, _, _) => Template::Audience,
                (_, Some(_), _) => Template::Measurement,
                (_, None, Some(_)) => Template::Segments,
                _ => Template::Overlap,
            },
            mode,
            preset: args.preset.clone(),
            preset_fingerprint: preset.fingerprint(),
            keys: loaded.held_keys(),
            k: args.k,
            min_records: args.min_records.max(local.output.min_records()),
            max_records: args.max_records,
            host_group: if mode == Mode::Aggregate { args.group.clone() } else { None },
            guest_group: None,
            measurement,
            purpose: args.purpose.clone(),
            output: local.output,
        };
        let session = Session::host(invite.clone(), local, proposal).map_err(|e| e.to_string())?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "invite {}#{}", page_url(&relay), invite.fragment());
        let _ = out.flush();
        (invite, relay, session)
    } else {
        let url = args.invite.clone().ok_or("--invite is required to join")?;
        let invite = Invite::parse(&url).map_err(|e| e.to_string())?;
        let relay = args.relay.clone().or_else(|| relay_from_invite(&url)).ok_or("give --relay or a full invite link")?;
        (invite.clone(), relay, Session::guest(invite, local))
    };
    let side = session.side();
    let role = if side == Side::Host { Role::Host } else { Role::Guest };
    let room = invite.room_id();
    let mut conn = RelayClient::connect(&relay, &room, role).await.map_err(|e| format!("cannot reach the relay at {relay}: {e}"))?;
    // Set while reconnecting: until the relay notices the old connection is gone, it may
    // still count this side as present and refuse the new one as a full room.
    let mut rejoining_since: Option<Instant> = None;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(u64, Result<Vec<u8>, PsiError>)>();
    let mut in_flight = 0usize;
    let max_in_flight = 2 * rayon::current_num_threads();
    let mut last_progress = Instant::now();
    let started = Instant::now();
    let started_ms = now_ms();
    let mut verification = String::new();

    loop {
        // Hand out work while there is room.
        while in_flight < max_in_flight {
            let Some(task) = session.poll_task() else { break };
            let Some(secret) = session.secret().cloned() else { break };
            let tx = done_tx.clone();
            in_flight += 1;
            rayon::spawn(move || {
                let Task { id, .. } = task;
                let _ = tx.send((id, task.run(&secret)));
            });
        }
        while let Some(frame) = session.poll_transmit() {
            if let Err(e) = conn.send(frame).await {
                // The frame stays unacknowledged in the session and is resent after the
                // reconnect that the next receive will trigger.
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
                    if !args.yes && !ask("accept this manifest?")? {
                        session.cancel("the partner declined the manifest");
                    } else if let Err(e) = session.accept(&loaded.held_keys(), if m.mode == Mode::Aggregate { args.group.clone() } else { None }) {
                        eprintln!("cannot accept: {e}");
                    }
                }
                Event::Countered { manifest, changes } => {
                    eprintln!("the partner tightened the manifest: {}\n{}", changes.join("; "), describe(&manifest));
                    if !args.yes && !ask("accept the tightened manifest?")? {
                        session.cancel("the host declined the tightened manifest");
                    } else {
                        session.confirm().map_err(|e| e.to_string())?;
                    }
                }
                Event::Agreed(m) => {
                    eprintln!("agreed on manifest {}", &crate::report::hex(&m.hash())[..16]);
                    let own = loaded.own_set(&m.keys);
                    eprintln!("blinding {} records ...", own.len());
                    session.start(own).map_err(|e| e.to_string())?;
                }
                Event::Finished => {
                    let report = session.report().ok_or("no report")?;
                    let mut json = report.for_side(side);
                    if let Some(path) = &args.audience_out {
                        let rows = session.matched_rows().ok_or("no matched rows: audience mode was not agreed")?;
                        let n = loaded.write_rows(path, &rows)?;
                        json["audience_rows_written"] = serde_json::json!(n);
                    }
                    if let (Some(path), Some(manifest)) = (&args.receipt, session.manifest()) {
                        let ctx = crate::report::ReceiptContext {
                            side,
                            verification_code: &verification,
                            started_ms,
                            finished_ms: now_ms(),
                            file_name: &args.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
                        };
                        let text = crate::report::receipt(manifest, report, &ctx).to_string();
                        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                    }
                    conn.close().await;
                    eprintln!("done in {:.1} s; report hashes agree", started.elapsed().as_secs_f64());
                    println!("{json}");
                    return Ok(());
                }
                Event::Failed { code, message } => {
                    while let Some(frame) = session.poll_transmit() {
                        let _ = conn.send(frame).await;
                    }
                    conn.close().await;
                    return Err(format!("{message} [{code}]"));
                }
            }
        }
        if acted {
            // An event may have queued work or frames: hand them out before waiting.
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
            Some((id, result)) = done_rx.recv() => {
                in_flight -= 1;
                let _ = session.complete(id, result);
            }
            event = conn.recv() => match event {
                Some(RelayEvent::Frame(f)) => { let _ = session.receive(&f); }
                Some(RelayEvent::PeerJoined) => {
                    rejoining_since = None;
                    session.peer_joined().map_err(|e| e.to_string())?;
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
                    return Err(close_message(code, &reason));
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

/// What a relay close code means for the person at the terminal.
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

async fn reconnect(relay: &str, room: &str, role: Role) -> Result<RelayClient, String> {
    let start = Instant::now();
    loop {
        match RelayClient::connect(relay, room, role).await {
            Ok(c) => return Ok(c),
            Err(e) if start.elapsed() > Duration::from_secs(60) => return Err(format!("cannot reconnect to the relay: {e}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

fn describe(m: &Manifest) -> String {
    // The enums' wire names (lowercase), so the purpose keeps the case the host wrote.
    let name = |v: serde_json::Result<serde_json::Value>| v.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
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

fn ask(question: &str) -> Result<bool, String> {
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}
