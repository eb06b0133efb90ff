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
//!
//! Several replicas (same key, same org) share revocations, limits and replay checks through
//! one Redis (feature `redis`):
//!
//! ```text
//! cargo run --features redis --example server -- --listen 127.0.0.1:8787 --redis redis://127.0.0.1:6379 \
//!     --anonymous-limit 100 --reject-replays
//! ```

mod app;

use statebacked_claims::Key;
use statebacked_claims::store::Store;
use std::net::SocketAddr;

const USAGE: &str = "usage: server [--listen ADDR] [--org ORG_ID] [--redis URL] [--anonymous-limit N] [--reject-replays]
  --listen ADDR          address to listen on (default 127.0.0.1:8787)
  --org ORG_ID           org whose anonymous sessions are accepted (default org_local)
  --redis URL            share revocations, limits and replay checks with other replicas
                         through this Redis (redis://[:password@]host:port; feature redis)
  --anonymous-limit N    anonymous exchanges per client address per hour (default: no limit)
  --reject-replays       exchange each anonymous identity token at most once
environment: SB_KEY_ID and SB_SECRET, the key tokens are signed and verified with
             (default: a random key for this run)";

struct Args {
    listen: SocketAddr,
    org_id: String,
    redis: Option<String>,
    anonymous_limit: Option<u32>,
    reject_replays: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
        org_id: "org_local".to_owned(),
        redis: None,
        anonymous_limit: None,
        reject_replays: false,
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
            "--redis" => args.redis = Some(value("--redis")?),
            "--anonymous-limit" => {
                let limit = value("--anonymous-limit")?;
                args.anonymous_limit = Some(
                    limit
                        .parse()
                        .map_err(|_| format!("--anonymous-limit: not a count: {limit}"))?,
                );
            }
            "--reject-replays" => args.reject_replays = true,
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

/// The store replicas share: Redis at `url` (its address is printed, never its password),
/// or this process alone.
async fn store(url: Option<&str>) -> Result<Store, Box<dyn std::error::Error>> {
    let Some(url) = url else {
        return Ok(Store::memory());
    };
    #[cfg(feature = "redis")]
    {
        let store = Store::redis(url).await?;
        println!(
            "sharing state through redis at {}",
            store.address().unwrap_or_default()
        );
        Ok(store)
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = url;
        Err("--redis needs the example built with --features redis".into())
    }
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        // Display: what went wrong, naming the store's address and never its password.
        eprintln!("server: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
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
    let shared = app::Shared {
        store: store(args.redis.as_deref()).await?,
        anonymous_limit: args.anonymous_limit,
        reject_replays: args.reject_replays,
        ..app::Shared::default()
    };
    let router = app::router_with(
        app::Config {
            org_id: args.org_id.clone(),
            key: signing_key()?,
            limits: app::InstanceLimits::default(),
        },
        shared,
    )?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "listening on http://{} (org {})",
        listener.local_addr()?,
        args.org_id
    );
    // The peer address is what per-address exchange limits count.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
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
