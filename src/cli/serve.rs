//! `cleanmatch serve`: the page and the relay in one process.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::relay::{serve, Relay, RelayConfig};

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
}

/// Runs the subcommand until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> ExitCode {
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
        match serve(listener, Relay::new(RelayConfig::default(), www), shutdown_signal()).await {
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
