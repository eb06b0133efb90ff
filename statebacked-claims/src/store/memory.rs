//! The in-process store: revocations, GCRA buckets and one-time claims in this process's
//! memory. Also the revocation set every replica's local view keeps.

use super::{Bucket, Revocation};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Instant;

/// Past this many entries, a map of buckets or claims drops the ones that expired.
const PRUNE_AT: usize = 4096;

/// Milliseconds on a monotonic clock (since this process first asked).
pub(crate) fn monotonic_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[derive(Debug, Default)]
pub(super) struct Memory {
    revocations: Arc<RevocationSet>,
    /// GCRA: each bucket's theoretical arrival time, in [`monotonic_ms`].
    buckets: Mutex<HashMap<String, u64>>,
    /// One-time claims: when each expires, in [`monotonic_ms`].
    claims: Mutex<HashMap<String, u64>>,
}

impl Memory {
    pub(super) fn revocations(&self) -> Arc<RevocationSet> {
        Arc::clone(&self.revocations)
    }

    /// GCRA over several buckets, all or none (the Redis script's algorithm).
    pub(super) fn take(&self, buckets: &[Bucket], now: u64) -> Option<u64> {
        let mut tats = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if tats.len() > PRUNE_AT {
            tats.retain(|_, tat| *tat > now);
        }
        let mut next = Vec::with_capacity(buckets.len());
        let mut retry = 0;
        for bucket in buckets {
            let (tat, wait) = gcra(tats.get(&bucket.key).copied(), bucket, now);
            retry = retry.max(wait);
            next.push(tat);
        }
        if retry > 0 {
            return Some(retry);
        }
        for (bucket, tat) in buckets.iter().zip(next) {
            tats.insert(bucket.key.clone(), tat);
        }
        None
    }

    pub(super) fn claim_once(&self, key: &str, ttl_ms: u64, now: u64) -> bool {
        let mut claims = self.claims.lock().unwrap_or_else(PoisonError::into_inner);
        if claims.len() > PRUNE_AT {
            claims.retain(|_, until| *until > now);
        }
        match claims.get(key) {
            Some(until) if *until > now => false,
            _ => {
                claims.insert(key.to_owned(), now.saturating_add(ttl_ms));
                true
            }
        }
    }
}

/// One GCRA step: the bucket's new theoretical arrival time, and how long to wait (0 when
/// the request fits).
pub(super) fn gcra(tat: Option<u64>, bucket: &Bucket, now: u64) -> (u64, u64) {
    let tat = tat.unwrap_or(now).max(now);
    let new_tat = tat.saturating_add(bucket.interval_ms);
    let allow_at = new_tat.saturating_sub(bucket.interval_ms.saturating_mul(bucket.burst));
    (new_tat, allow_at.saturating_sub(now))
}

/// Revoked token ids and subject watermarks: what a revocation view looks tokens up in.
/// Reads take a shared lock held for two hash lookups; writes (revocations arriving) are rare.
#[derive(Debug, Default)]
pub(crate) struct RevocationSet {
    sets: RwLock<Sets>,
}

/// foldhash (randomly seeded per process): a lookup on every verify, where SipHash cost a
/// tenth of an HMAC-SHA256 verify.
type Fast<V> = HashMap<String, V, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
struct Sets {
    /// `jti` → the token's `exp`.
    tokens: Fast<u64>,
    /// `sub` → (watermark, until).
    subjects: Fast<(u64, u64)>,
}

impl Sets {
    fn apply(&mut self, revocation: &Revocation) {
        match revocation {
            Revocation::Token { id, until } => {
                let entry = self.tokens.entry(id.clone()).or_insert(*until);
                *entry = (*entry).max(*until);
            }
            Revocation::Subject { id, before, until } => {
                let entry = self.subjects.entry(id.clone()).or_insert((*before, *until));
                *entry = (entry.0.max(*before), entry.1.max(*until));
            }
        }
    }
}

impl RevocationSet {
    /// Adds a revocation (an entry only ever grows: the later watermark, the later expiry).
    pub(crate) fn apply(&self, revocation: &Revocation) {
        self.sets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .apply(revocation);
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis view's resync
    /// Replaces everything with `revocations` (a full resync).
    pub(crate) fn replace(&self, revocations: &[Revocation]) {
        let mut sets = Sets::default();
        for revocation in revocations {
            sets.apply(revocation);
        }
        *self.sets.write().unwrap_or_else(PoisonError::into_inner) = sets;
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis view's resync
    /// Every entry that still matters at `now`; drops the others.
    pub(crate) fn list(&self, now: u64) -> Vec<Revocation> {
        let mut sets = self.sets.write().unwrap_or_else(PoisonError::into_inner);
        sets.tokens.retain(|_, until| *until >= now);
        sets.subjects.retain(|_, (_, until)| *until >= now);
        let tokens = sets.tokens.iter().map(|(id, until)| Revocation::Token {
            id: id.clone(),
            until: *until,
        });
        let subjects = sets
            .subjects
            .iter()
            .map(|(id, (before, until))| Revocation::Subject {
                id: id.clone(),
                before: *before,
                until: *until,
            });
        tokens.chain(subjects).collect()
    }

    /// How many entries it holds.
    pub(crate) fn len(&self) -> usize {
        let sets = self.sets.read().unwrap_or_else(PoisonError::into_inner);
        sets.tokens.len() + sets.subjects.len()
    }

    /// Whether a token with this `jti`, subject and `iat` is revoked: its id is listed, or
    /// its subject has a watermark at or after its `iat` (or it has no `iat`).
    pub(crate) fn is_revoked(
        &self,
        jti: Option<&str>,
        sub: Option<&str>,
        iat: Option<u64>,
    ) -> bool {
        let sets = self.sets.read().unwrap_or_else(PoisonError::into_inner);
        if jti.is_some_and(|jti| sets.tokens.contains_key(jti)) {
            return true;
        }
        match sub.and_then(|sub| sets.subjects.get(sub)) {
            Some((before, _)) => iat.is_none_or(|iat| iat <= *before),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(key: &str, interval_ms: u64, burst: u64) -> Bucket {
        Bucket {
            key: key.into(),
            interval_ms,
            burst,
        }
    }

    #[test]
    fn gcra_admits_the_burst_then_one_per_interval() {
        let memory = Memory::default();
        let b = [bucket("a", 1000, 3)];
        for _ in 0..3 {
            assert_eq!(memory.take(&b, 10_000), None);
        }
        assert_eq!(memory.take(&b, 10_000), Some(1000));
        assert_eq!(memory.take(&b, 10_400), Some(600));
        assert_eq!(memory.take(&b, 11_000), None);
        assert_eq!(memory.take(&b, 11_000), Some(1000));
    }

    #[test]
    fn gcra_takes_from_every_bucket_or_from_none() {
        let memory = Memory::default();
        let tight = bucket("tight", 1000, 1);
        let loose = bucket("loose", 1000, 10);
        assert_eq!(memory.take(&[tight.clone(), loose.clone()], 0), None);
        // `tight` is full: `loose` must not be charged for the refused request.
        assert_eq!(memory.take(&[tight, loose.clone()], 0), Some(1000));
        for _ in 0..9 {
            assert_eq!(memory.take(std::slice::from_ref(&loose), 0), None);
        }
        assert_eq!(memory.take(&[loose], 0), Some(1000));
    }

    #[test]
    fn a_claim_holds_for_its_lifetime_only() {
        let memory = Memory::default();
        assert!(memory.claim_once("k", 100, 0));
        assert!(!memory.claim_once("k", 100, 99));
        assert!(memory.claim_once("k", 100, 100));
    }

    #[test]
    fn watermarks_cover_tokens_issued_at_or_before_them() {
        let set = RevocationSet::default();
        set.apply(&Revocation::Subject {
            id: "u1".into(),
            before: 100,
            until: 1000,
        });
        set.apply(&Revocation::Token {
            id: "t1".into(),
            until: 500,
        });
        assert!(set.is_revoked(None, Some("u1"), Some(100)));
        assert!(set.is_revoked(None, Some("u1"), None));
        assert!(!set.is_revoked(None, Some("u1"), Some(101)));
        assert!(!set.is_revoked(None, Some("u2"), Some(1)));
        assert!(set.is_revoked(Some("t1"), Some("u2"), Some(1)));
        // An older watermark never lowers a newer one.
        set.apply(&Revocation::Subject {
            id: "u1".into(),
            before: 50,
            until: 10,
        });
        assert!(set.is_revoked(None, Some("u1"), Some(100)));
        assert_eq!(set.list(600).len(), 1);
        assert_eq!(set.list(1001).len(), 0);
    }
}
