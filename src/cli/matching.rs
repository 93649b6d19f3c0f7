//! `cleanmatch match`: a native party that runs the whole protocol through a relay,
//! interoperable with a browser partner.

use crate::manifest::{LocalRules, Manifest, MeasurementRequest, Mode, Proposal, Side, DEFAULT_K, DEFAULT_MAX_RECORDS, DEFAULT_PRESET};
use crate::policy::{retry_for, CloseCode, ReconnectPolicy};
use crate::psi::{PsiError, Task};
use crate::relay::client::{RelayClient, RelayEvent, TlsRoots};
use crate::seal::Invite;
use crate::session::{Event, Origin, Session};
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
    /// The relay, e.g. ws://127.0.0.1:8080 or wss://relay.example (for a guest, taken from
    /// the invite link if absent).
    #[arg(long)]
    relay: Option<String>,
    /// Also trust the certificate authorities in this PEM file for a wss:// relay (beyond
    /// the built-in webpki roots): a company CA, or a test's self-signed certificate.
    #[arg(long, value_name = "PEM")]
    relay_ca: Option<PathBuf>,
    /// The customer file (CSV, TSV or Excel).
    #[arg(long)]
    file: PathBuf,
    /// Normalization preset: uid2, google, meta, pair, plain.
    #[arg(long, default_value = DEFAULT_PRESET)]
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
    #[arg(long, default_value_t = DEFAULT_MAX_RECORDS)]
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
    /// Answer yes to every question: that the verification codes match, and the terms.
    /// Only for scripts that trust the channel the invite link travelled on: anyone else
    /// holding the link could sit in the middle, which comparing the codes would reveal.
    #[arg(long)]
    yes: bool,
    /// The verification code your partner told you (six digits, spaces ignored): the
    /// run stops unless this side shows the same. For scripts; in a terminal you are asked.
    #[arg(long, value_name = "NNNNNN")]
    code: Option<String>,
    /// Audience mode: write this side's matched rows (CSV) here.
    #[arg(long)]
    audience_out: Option<PathBuf>,
    /// Layout of `--audience-out`: plain (the file's own columns), google or meta (the
    /// upload template's columns, normalized), google-sha256 or meta-sha256 (hashed).
    #[arg(long, default_value = "plain", value_parser = clap::builder::PossibleValuesParser::new(crate::export::AudienceFormat::NAMES))]
    audience_format: String,
    /// The header's row number (rows above it are skipped); 0 for no header row.
    #[arg(long, value_name = "N")]
    header_row: Option<u64>,
    /// Write the audit receipt (manifest, hashes, figures, times; JSON) here.
    #[arg(long)]
    receipt: Option<PathBuf>,
}

/// How long a guest keeps retrying "no such room" on its first connection.
const HOST_GRACE: Duration = Duration::from_secs(10);

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

/// The page's address on a relay (`ws://h:p` → `http://h:p/`): the invite link's base.
pub fn page_url(relay: &str) -> String {
    let base = relay.trim_end_matches('/');
    let base = base.replacen("ws://", "http://", 1).replacen("wss://", "https://", 1);
    format!("{base}/")
}

/// The relay of a full invite link (`http://h:p/#...` → `ws://h:p`), `None` for a bare
/// fragment.
pub fn relay_from_invite(url: &str) -> Option<String> {
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
    }
    .with_rows_wanted(args.audience_out.is_some());
    eprintln!("reading {} ...", args.file.display());
    let options = crate::loader::LoadOptions {
        columns: args.columns.clone(),
        group: args.group.clone(),
        default_country: args.default_country.clone(),
        sheet: args.sheet.clone(),
        header_row: args.header_row,
    };
    let mut loaded = super::records::load(&args.file, &args.preset, options, args.suppress.as_deref())?;
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
                Some(MeasurementRequest { side: Side::Host, exposed: exposed.into(), control: control.into() })
            }
            None => None,
        };
        // The core's template rule and defaults; the host proposes the keys its file holds.
        let proposal = Proposal {
            template: None,
            mode: Some(mode),
            preset: args.preset.clone(),
            keys: loaded.held_keys().to_vec(),
            k: args.k,
            min_records: args.min_records,
            max_records: args.max_records,
            group: args.group.clone(),
            measurement,
            purpose: args.purpose.clone(),
            epsilon: args.epsilon,
            pair: args.pair,
        }
        .to_manifest()
        .map_err(|e| e.to_string())?;
        let session = Session::host(invite.clone(), local, proposal).map_err(|e| e.to_string())?;
        (invite, relay, session)
    } else {
        let url = args.invite.clone().ok_or("--invite is required to join")?;
        let invite = Invite::parse(&url).map_err(|e| e.to_string())?;
        let relay = args.relay.clone().or_else(|| relay_from_invite(&url)).ok_or("give --relay or a full invite link")?;
        (invite.clone(), relay, Session::guest(invite, local))
    };
    let side = session.side();
    let room = invite.room_id();
    let roots = match &args.relay_ca {
        Some(path) => TlsRoots::with_ca_file(path),
        None => TlsRoots::webpki(),
    }
    .map_err(|e| e.to_string())?;
    let mut conn =
        RelayClient::connect_with(&relay, &room, side, &roots).await.map_err(|e| format!("cannot reach the relay at {relay}: {e}"))?;
    // The host prints the link once the relay says the room exists (its first `waiting`):
    // a partner, or a script, that follows it at once finds the host there instead of
    // "no such collaboration".
    let mut invite_line = (side == Side::Host).then(|| format!("invite {}#{}", page_url(&relay), invite.fragment()));
    // Whether this side has been in its room (a refusal of a reconnect may be transient,
    // a refusal of the first connection is not), and when the connection last dropped.
    let mut joined = false;
    let mut dropped_at: Option<Instant> = None;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(u64, Result<Vec<u8>, PsiError>)>();
    let mut in_flight = 0usize;
    let max_in_flight = 2 * rayon::current_num_threads();
    let mut last_progress = Instant::now();
    let started = Instant::now();
    let started_ms = now_ms();

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
                    eprintln!("connected end to end; verification code {verification_code}");
                    match codes_match(args.code.as_deref(), args.yes, &verification_code) {
                        Ok(true) => session.confirm_code().map_err(|e| e.to_string())?,
                        Ok(false) => session.cancel("the verification codes differ"),
                        Err(e) => {
                            eprintln!("{e}");
                            session.cancel("the partner could not confirm the verification code");
                        }
                    }
                }
                Event::Proposed { manifest: m, .. } => {
                    eprintln!("the host proposes:\n{}", describe(&m));
                    if !args.yes && !ask("accept this manifest?")? {
                        session.cancel("the partner declined the manifest");
                    } else if let Err(e) = session.accept(&m.hash(), loaded.held_keys(), args.group.clone()) {
                        eprintln!("cannot accept: {e}");
                    }
                }
                Event::Countered { manifest, changes } => {
                    let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
                    eprintln!("the partner tightened the manifest: {}\n{}", changes.join("; "), describe(&manifest));
                    if !args.yes && !ask("accept the tightened manifest?")? {
                        session.cancel("the host declined the tightened manifest");
                    } else {
                        session.confirm().map_err(|e| e.to_string())?;
                    }
                }
                Event::Agreed { manifest: m } => {
                    eprintln!("agreed on manifest {}", &crate::report::hex(&m.hash())[..16]);
                    if let (Some(path), Mode::Aggregate) = (&args.audience_out, m.mode) {
                        eprintln!("note: the partner did not opt in to audience mode: this run reports aggregates only and writes nothing to {}", path.display());
                    }
                    let own = loaded.take_set();
                    eprintln!("blinding {} records ...", own.len());
                    session.start(own).map_err(|e| e.to_string())?;
                }
                Event::Finished => {
                    let report = session.report().ok_or("no report")?;
                    let mut json = report.for_side(side);
                    if let (Some(path), Some(rows)) = (&args.audience_out, session.matched_rows()) {
                        let format = crate::export::AudienceFormat::parse(&args.audience_format).unwrap_or_default();
                        let n = loaded.write_rows(path, &rows, format)?;
                        json["audience_rows_written"] = serde_json::json!(n);
                    }
                    if let Some(path) = &args.receipt {
                        let file_name = args.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                        let receipt = session.receipt(started_ms, now_ms(), &file_name).ok_or("no receipt")?;
                        std::fs::write(path, receipt.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
                    }
                    conn.close().await;
                    eprintln!("done in {:.1} s; report hashes agree", started.elapsed().as_secs_f64());
                    println!("{json}");
                    return Ok(());
                }
                Event::Failed { code, message, origin } => {
                    while let Some(frame) = session.poll_transmit() {
                        let _ = conn.send(frame).await;
                    }
                    conn.close().await;
                    let at = if origin == Origin::Partner { ", at the partner" } else { "" };
                    return Err(format!("{message} [{code}{at}]"));
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
            event = conn.recv() => {
                if matches!(event, Some(RelayEvent::Waiting | RelayEvent::PeerJoined)) {
                    if let Some(line) = invite_line.take() {
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "{line}");
                        let _ = out.flush();
                    }
                }
                match event {
                    Some(RelayEvent::Frame(f)) => { let _ = session.receive(&f); }
                    Some(RelayEvent::PeerJoined) => {
                        (joined, dropped_at) = (true, None);
                        session.peer_joined().map_err(|e| e.to_string())?;
                    }
                    Some(RelayEvent::Waiting) => {
                        (joined, dropped_at) = (true, None);
                        eprintln!("waiting for the partner to join ...");
                    }
                    Some(RelayEvent::PeerLeft) => eprintln!("the partner disconnected; waiting for it to come back ..."),
                    closed => {
                        let (code, reason) = match closed {
                            Some(RelayEvent::Closed { code, reason }) => (code, reason),
                            _ => (1006, "connection closed".to_owned()),
                        };
                        // A guest that follows a fresh link at once may reach the relay before
                        // the host's page has opened the room: "no such room" is retried for a
                        // few seconds before it is believed.
                        let host_not_there_yet =
                            code == CloseCode::NoSuchRoom.code() && !joined && side == Side::Guest && started.elapsed() < HOST_GRACE;
                        if !host_not_there_yet && !retry_for(code).allows(joined) {
                            return Err(close_message(code, &reason));
                        }
                        let since = *dropped_at.get_or_insert_with(Instant::now);
                        eprintln!("connection to the relay lost ({code} {reason}); reconnecting ...");
                        conn = reconnect(&relay, &room, side, &roots, since)
                            .await
                            .map_err(|e| format!("{e} (last close: {})", close_message(code, &reason)))?;
                    }
                }
            }
        }
    }
}

/// What a relay close code means for the person at the terminal.
pub fn close_message(code: u16, reason: &str) -> String {
    let what = CloseCode::from_code(code).map_or("the relay closed the connection", CloseCode::meaning);
    format!("{what} (relay: {code} {reason})")
}

/// A new connection to the room, following [`ReconnectPolicy`]: an attempt per `delay`
/// until `window` after the drop at `since`.
///
/// # Errors
/// A message once the window has passed.
pub async fn reconnect(relay: &str, room: &str, side: Side, roots: &TlsRoots, since: Instant) -> Result<RelayClient, String> {
    let policy = ReconnectPolicy::DEFAULT;
    loop {
        if !policy.within_window(since.elapsed()) {
            return Err(format!("could not rejoin the relay within {} s", policy.window.as_secs()));
        }
        tokio::time::sleep(policy.delay).await;
        match RelayClient::connect_with(relay, room, side, roots).await {
            Ok(c) => return Ok(c),
            Err(e) => eprintln!("reconnect failed: {e}"),
        }
    }
}

/// The manifest in one paragraph, as both drivers show it before asking.
pub fn describe(m: &Manifest) -> String {
    // The enums' wire names (lowercase), so the purpose keeps the case the host wrote.
    let name = |v: serde_json::Result<serde_json::Value>| v.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    format!(
        "  template {}, mode {}, keys {}, preset {} ({}), k {}, set size {}..{}, host breakdown {}, partner breakdown {}, purpose: {}",
        name(serde_json::to_value(m.template)),
        name(serde_json::to_value(m.mode)),
        m.keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("+"),
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

/// Whether the person (or the script, through `--code` (`code`) or `--yes` (`yes`)) says
/// both sides show the verification code `shown`. Nothing is proposed, accepted or
/// blinded before. Shared by the command line and the Python driver.
///
/// # Errors
/// When it would have to ask but standard input is not a terminal.
pub fn codes_match(code: Option<&str>, yes: bool, shown: &str) -> Result<bool, String> {
    let digits = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if let Some(told) = code {
        if digits(told) == digits(shown) {
            return Ok(true);
        }
        eprintln!(
            "the verification code here is {shown}, not the {told} you were given: someone may sit between you and \
             your partner. Start again with a new invite link."
        );
        return Ok(false);
    }
    if yes {
        return Ok(true);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err("cannot ask whether the verification codes match (standard input is not a terminal): pass \
                    --code NNNNNN with the code your partner sees, or --yes if you trust the channel the invite \
                    link travelled on"
            .into());
    }
    ask(&format!("does your partner see the code {shown} too?"))
}

/// Asks a yes/no question on the terminal (stderr, stdin); anything but `y`/`yes` is no.
///
/// # Errors
/// When standard input cannot be read.
pub fn ask(question: &str) -> Result<bool, String> {
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}
