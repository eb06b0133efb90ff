//! A small machine-instance service that `@statebacked/client` can talk to unchanged: anonymous
//! sessions exchange their identity tokens at `POST /tokens`, then create, read and send events
//! to instances of the `toggle` machine, each request decided by a typed authorizer
//! (`app.rs`). Users bring State Backed tokens signed with the service's key.
//!
//! ```text
//! cargo run --example server -- --listen 127.0.0.1:8787 --org org_local
//! ```
//!
//! The signing key is `SB_KEY_ID` and `SB_SECRET` from the environment (the secret is never
//! printed); without them the service makes a random one for this run. Stop it with Ctrl-C.

mod app;

use statebacked_claims::Key;
use std::net::SocketAddr;

const USAGE: &str = "usage: server [--listen ADDR] [--org ORG_ID]
  --listen ADDR   address to listen on (default 127.0.0.1:8787)
  --org ORG_ID    org whose anonymous sessions are accepted (default org_local)
environment: SB_KEY_ID and SB_SECRET, the key tokens are signed and verified with
             (default: a random key for this run)";

struct Args {
    listen: SocketAddr,
    org_id: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
        org_id: "org_local".to_owned(),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = |name: &str| argv.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let addr = value("--listen")?;
                args.listen = addr
                    .parse()
                    .map_err(|_| format!("--listen: not an address: {addr}"))?;
            }
            "--org" => args.org_id = value("--org")?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(args)
}

fn signing_key() -> Result<Key, Box<dyn std::error::Error>> {
    let key_id = std::env::var("SB_KEY_ID").unwrap_or_else(|_| "sbk_local".to_owned());
    let secret = match std::env::var("SB_SECRET") {
        Ok(secret) => secret,
        // Two version-4 UUIDs: 244 bits from the OS's random source.
        Err(_) => format!(
            "sbsec_{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ),
    };
    Ok(Key::hs256(key_id, secret)?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let router = app::router(app::Config {
        org_id: args.org_id.clone(),
        key: signing_key()?,
    })?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "listening on http://{} (org {})",
        listener.local_addr()?,
        args.org_id
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            // If the handler cannot be installed, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    println!("shut down");
    Ok(())
}
