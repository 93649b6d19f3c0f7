//! `cleanmatch serve`: the page and the relay in one process.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::relay::{serve, Cidr, Relay, RelayConfig};

/// Arguments of `cleanmatch serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the first stdout line names it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Directory of the static page. Default: `./www` if it exists, else `www` next to
    /// the source tree of the binary (`<exe dir>/../../www`, i.e. `target/<profile>/`).
    #[arg(long)]
    pub www: Option<PathBuf>,
    /// A reverse proxy (address or block, e.g. 10.0.0.0/8) whose `X-Forwarded-For` header
    /// names the client; repeatable. Without it the header is ignored and the TCP peer is
    /// the client, so behind a proxy every client would share one address's limits.
    #[arg(long = "trusted-proxy", value_name = "ADDR|CIDR")]
    pub trusted_proxies: Vec<Cidr>,
    /// Open connections in total (HTTP and WebSocket); more are answered 503.
    #[arg(long, default_value_t = RelayConfig::default().max_connections)]
    pub max_connections: usize,
    /// WebSockets per client address (IPv6: per /64); more are closed with 4029.
    #[arg(long, default_value_t = RelayConfig::default().max_connections_per_ip)]
    pub max_connections_per_ip: usize,
    /// HTTP connections not upgraded, per client address (IPv6: per /64); more are answered 429.
    #[arg(long, default_value_t = RelayConfig::default().max_pending_per_ip)]
    pub max_pending_per_ip: usize,
    /// Rooms alive at once; more are closed with 4503.
    #[arg(long, default_value_t = RelayConfig::default().max_rooms)]
    pub max_rooms: usize,
    /// MiB held for unfinished messages and queued frames, all clients together.
    #[arg(long, default_value_t = RelayConfig::default().max_held_bytes >> 20)]
    pub max_held_mib: u64,
    /// Seconds a connection may stay silent or take over its request head or upgrade.
    #[arg(long, default_value_t = RelayConfig::default().head_timeout.as_secs_f64())]
    pub head_timeout: f64,
    /// Seconds a WebSocket message may take to arrive whole (waiting for the client).
    #[arg(long, default_value_t = RelayConfig::default().message_timeout.as_secs_f64())]
    pub message_timeout: f64,
}

impl Args {
    /// The relay's limits from these arguments.
    fn config(&self) -> Result<RelayConfig, String> {
        let secs = |name: &str, v: f64| {
            Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| format!("--{name} must be a positive number of seconds"))
        };
        Ok(RelayConfig {
            trusted_proxies: self.trusted_proxies.clone(),
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
            max_pending_per_ip: self.max_pending_per_ip,
            max_rooms: self.max_rooms,
            max_held_bytes: self.max_held_mib.saturating_mul(1 << 20),
            head_timeout: secs("head-timeout", self.head_timeout)?,
            message_timeout: secs("message-timeout", self.message_timeout)?,
            ..RelayConfig::default()
        })
    }
}

/// Runs the subcommand until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => return super::fail(e),
    };
    let www = match args.www {
        Some(dir) if dir.is_dir() => Some(dir),
        Some(dir) => return super::fail(format_args!("--www {}: not a directory", dir.display())),
        None => default_www(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return super::fail(format_args!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.addr).await {
            Ok(l) => l,
            Err(e) => return super::fail(format_args!("cannot listen on {}: {e}", args.addr)),
        };
        let addr = listener.local_addr().unwrap_or(args.addr);
        // Tests and scripts read this first line to learn the port.
        println!("cleanmatch serving http://{addr} (relay at ws://{addr}/v1/rooms)");
        let _ = std::io::stdout().flush();
        match &www {
            Some(dir) => eprintln!("cleanmatch: page from {}", dir.display()),
            None => eprintln!("cleanmatch: no www directory found; serving the relay only"),
        }
        if !config.trusted_proxies.is_empty() {
            let list: Vec<String> = config.trusted_proxies.iter().map(ToString::to_string).collect();
            eprintln!("cleanmatch: client addresses from X-Forwarded-For of {}", list.join(", "));
        }
        match serve(listener, Relay::new(config, www), shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => super::fail(format_args!("server error: {e}")),
        }
    })
}

/// `./www` in the working directory, else the repository's `www` when the binary runs
/// from `target/<profile>/`.
fn default_www() -> Option<PathBuf> {
    let here = PathBuf::from("www");
    if here.is_dir() {
        return Some(here);
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.join("../../www");
    dir.is_dir().then_some(dir)
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            // Without a SIGTERM handler, Ctrl-C still works.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("cleanmatch: shutting down");
}
