//! The Redis store (feature `redis`): the `redis` crate's [`ConnectionManager`] for commands
//! and scripts (it reconnects by itself), and a pub/sub connection per revocation view.

use super::{Bucket, KEY_PREFIX, Revocation, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubStream};
use redis::{Client, ErrorKind, RedisError, Script};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// How long one command, or one connection attempt, may take.
const TIMEOUT: Duration = Duration::from_secs(1);

/// GCRA over several buckets, all or none, on the server's clock: `KEYS` are the buckets,
/// `ARGV` their interval and burst in pairs. Returns 0 when admitted, else the wait in ms.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tats = {}
local retry = 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  if tat < now then tat = now end
  local new_tat = tat + interval
  local wait = new_tat - interval * burst - now
  if wait > retry then retry = wait end
  tats[i] = new_tat
end
if retry > 0 then return retry end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX', string.format('%d', tats[i] - now))
end
return 0
";

/// Records a revocation (entries only grow) and publishes it: `KEYS` the token set, the
/// watermark hash and the watermarks' expiry set; `ARGV` kind, id, watermark, until, the
/// message and the channel.
const REVOKE: &str = r"
if ARGV[1] == 'token' then
  local cur = redis.call('ZSCORE', KEYS[1], ARGV[2])
  if (not cur) or tonumber(cur) < tonumber(ARGV[4]) then redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2]) end
else
  local cur = redis.call('HGET', KEYS[2], ARGV[2])
  if (not cur) or tonumber(cur) < tonumber(ARGV[3]) then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
  local til = redis.call('ZSCORE', KEYS[3], ARGV[2])
  if (not til) or tonumber(til) < tonumber(ARGV[4]) then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2]) end
end
redis.call('PUBLISH', ARGV[6], ARGV[5])
return 1
";

/// Drops what expired before `ARGV[1]` (unix seconds) and returns the rest: the tokens
/// (id, until), the watermarks (id, before) and their expiries (id, until).
const SNAPSHOT: &str = r"
local now = '(' .. ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, id in ipairs(gone) do redis.call('HDEL', KEYS[2], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
return {
  redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'),
  redis.call('HGETALL', KEYS[2]),
  redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES'),
}
";

static TAKE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(TAKE));
static REVOKE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(REVOKE));
static SNAPSHOT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(SNAPSHOT));

fn key(name: &str) -> String {
    format!("{KEY_PREFIX}{name}")
}

/// A connection to one Redis. `Debug` and errors show its address, never its password.
#[derive(Clone)]
pub(super) struct RedisStore {
    client: Client,
    manager: ConnectionManager,
    address: Arc<str>,
}

impl RedisStore {
    pub(super) async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let address = address_of(url).ok_or(StoreError::InvalidUrl)?;
        // The URL is parsed a second time by the client; its error would name the URL.
        let client = Client::open(url).map_err(|_| StoreError::InvalidUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(200));
        let fail = |err: RedisError| classify(&address, &err);
        let mut manager = tokio::time::timeout(
            TIMEOUT * 3,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|_| StoreError::Unreachable {
            address: address.clone(),
        })?
        .map_err(fail)?;
        // Answered, but is it Redis? Any server that took the handshake answers PONG.
        let pong: String = redis::cmd("PING")
            .query_async(&mut manager)
            .await
            .map_err(fail)?;
        if pong != "PONG" {
            return Err(StoreError::Protocol { address });
        }
        Ok(RedisStore {
            client,
            manager,
            address: address.into(),
        })
    }

    pub(super) fn address(&self) -> &str {
        &self.address
    }

    fn error(&self, err: &RedisError) -> StoreError {
        classify(&self.address, err)
    }

    pub(super) async fn take(&self, buckets: &[Bucket]) -> Result<Option<u64>, StoreError> {
        let mut invocation = TAKE_SCRIPT.prepare_invoke();
        for bucket in buckets {
            invocation
                .key(key(&format!("rl:{}", bucket.key)))
                .arg(bucket.interval_ms)
                .arg(bucket.burst);
        }
        let wait: u64 = invocation
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|err| self.error(&err))?;
        Ok((wait > 0).then_some(wait))
    }

    pub(super) async fn claim_once(&self, name: &str, ttl_ms: u64) -> Result<bool, StoreError> {
        let set: Option<String> = redis::cmd("SET")
            .arg(key(&format!("replay:{name}")))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms.max(1))
            .query_async(&mut self.manager.clone())
            .await
            .map_err(|err| self.error(&err))?;
        Ok(set.is_some())
    }

    pub(super) async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let (kind, id, before, until) = match revocation {
            Revocation::Token { id, until } => ("token", id, 0, *until),
            Revocation::Subject { id, before, until } => ("subject", id, *before, *until),
        };
        let message = serde_json::to_string(revocation).unwrap_or_default();
        let _: i64 = REVOKE_SCRIPT
            .key(key("rev:jti"))
            .key(key("rev:sub"))
            .key(key("rev:sub:until"))
            .arg(kind)
            .arg(id)
            .arg(before)
            .arg(until)
            .arg(message)
            .arg(key("rev"))
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|err| self.error(&err))?;
        Ok(())
    }

    pub(super) async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
        type Pairs = Vec<(String, f64)>;
        let (tokens, watermarks, untils): (Pairs, Vec<(String, u64)>, Pairs) = SNAPSHOT_SCRIPT
            .key(key("rev:jti"))
            .key(key("rev:sub"))
            .key(key("rev:sub:until"))
            .arg(now)
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|err| self.error(&err))?;
        let untils: std::collections::HashMap<String, f64> = untils.into_iter().collect();
        let tokens = tokens.into_iter().map(|(id, until)| Revocation::Token {
            id,
            until: until as u64,
        });
        let subjects = watermarks.into_iter().map(|(id, before)| {
            let until = untils.get(&id).map_or(u64::MAX, |until| *until as u64);
            Revocation::Subject { id, before, until }
        });
        Ok(tokens.chain(subjects).collect())
    }

    pub(super) async fn subscribe(&self) -> Result<Subscription, StoreError> {
        let fail = |err: RedisError| self.error(&err);
        let subscribe = async {
            let mut pubsub = self.client.get_async_pubsub().await.map_err(fail)?;
            pubsub.subscribe(key("rev")).await.map_err(fail)?;
            Ok(pubsub.into_on_message())
        };
        let stream = tokio::time::timeout(TIMEOUT * 3, subscribe)
            .await
            .map_err(|_| StoreError::Unreachable {
                address: self.address.to_string(),
            })??;
        Ok(Subscription { stream })
    }
}

/// Revocations as they are published.
pub(crate) struct Subscription {
    stream: PubSubStream,
}

impl Subscription {
    /// The next revocation: `None` when the connection is gone. A message that is not a
    /// revocation is skipped.
    pub(crate) async fn next(&mut self) -> Option<Revocation> {
        use futures_util::StreamExt;
        loop {
            let message = self.stream.next().await?;
            if let Ok(revocation) = serde_json::from_slice(message.get_payload_bytes()) {
                return Some(revocation);
            }
        }
    }
}

/// `host:port` of a Redis URL: what errors and `Debug` name (never user or password).
fn address_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "redis" | "rediss" | "valkey" | "valkeys") {
        return None;
    }
    let host = url.host()?;
    Some(format!("{host}:{}", url.port().unwrap_or(6379)))
}

/// The typed error for what the `redis` crate reported. Its messages are not passed on:
/// only the kind and, for a server's error, its code.
fn classify(address: &str, err: &RedisError) -> StoreError {
    let address = address.to_owned();
    if err.kind() == ErrorKind::AuthenticationFailed
        || matches!(err.code(), Some("NOAUTH" | "WRONGPASS"))
    {
        return StoreError::Authentication { address };
    }
    if err.is_io_error() || err.is_timeout() || err.is_connection_refusal() {
        // A peer that closes the connection after reading a command it does not understand
        // looks like this too; the handshake tells them apart only when it answers.
        return StoreError::Unreachable { address };
    }
    match (err.kind(), err.code()) {
        (ErrorKind::Parse | ErrorKind::UnexpectedReturnType, _) => StoreError::Protocol { address },
        (_, Some(code)) => StoreError::Server {
            address,
            code: code.chars().take(32).collect(),
        },
        _ => StoreError::Protocol { address },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_never_carry_credentials() {
        assert_eq!(
            address_of("redis://:hunter2@127.0.0.1:7000/0").as_deref(),
            Some("127.0.0.1:7000")
        );
        assert_eq!(
            address_of("redis://user:hunter2@cache.internal").as_deref(),
            Some("cache.internal:6379")
        );
        assert_eq!(address_of("http://127.0.0.1:7000"), None);
        assert_eq!(address_of("not a url :hunter2"), None);
    }
}
