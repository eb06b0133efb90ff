//! A real `redis-server` for the tests: its own free loopback port and temporary directory,
//! no persistence, stopped when dropped. Outside CI a machine without `redis-server` is told
//! so and the test returns early; in CI (env `CI` set) that is a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running `redis-server`; [`stop`](RedisServer::stop) and [`start`](RedisServer::start)
/// it again on the same port (a Redis that went away and came back).
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    password: Option<String>,
}

/// The server's binary, or `None` (with a message) when it is missing outside CI.
fn available() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "redis-server is not installed: .ci/run installs it (apt-get install -y redis-server)"
        );
        eprintln!(
            "SKIPPED: redis-server is not installed here (apt-get install redis-server); \
             in CI this test fails instead"
        );
    }
    found
}

/// A free loopback port (free when asked; the server binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl RedisServer {
    /// A server without a password; `None` when `redis-server` is missing (outside CI).
    pub fn new() -> Option<RedisServer> {
        RedisServer::launch(None)
    }

    /// A server that requires `password` (`requirepass`).
    pub fn with_password(password: &str) -> Option<RedisServer> {
        RedisServer::launch(Some(password.to_owned()))
    }

    fn launch(password: Option<String>) -> Option<RedisServer> {
        if !available() {
            return None;
        }
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sbc-redis-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            dir,
            password,
        };
        server.start();
        Some(server)
    }

    /// `redis://[:password@]127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on its port and waits until it answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut command = Command::new("redis-server");
            command
                .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
                .arg("--dir")
                .arg(&self.dir)
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some(password) = &self.password {
                command.args(["--requirepass", password]);
            }
            let mut child = command.spawn().expect("redis-server starts");
            if self.wait_ready(&mut child) {
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            // The port may not be free again yet after a stop; try until the deadline.
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the server answers PING (or asks for the password) within 5 s.
    fn wait_ready(&self, child: &mut Child) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut reply = [0u8; 64];
                if stream.write_all(b"PING\r\n").is_ok()
                    && let Ok(n) = stream.read(&mut reply)
                {
                    let reply = &reply[..n];
                    if reply.starts_with(b"+PONG") || reply.starts_with(b"-NOAUTH") {
                        return true;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Stops the server (SIGKILL, as a crash would) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running `redis-server`, or return from the test (outside CI, with a message) when the
/// machine has none.
#[macro_export]
macro_rules! redis_or_skip {
    () => {
        match common::redis::RedisServer::new() {
            Some(server) => server,
            None => return,
        }
    };
}
