//! API tokens as last read, for at most a second: every API request looks its token up, and the
//! check-in path is measured against a limit that does nothing else. Why it is safe: a token
//! or person changed through this store (any write transaction but a check-in group's) empties
//! the cache at once, and a change made by another server or a CLI sharing the database is seen
//! within `TOKEN_TTL`, so a revoked token or a deactivated person gets in for at most a second
//! anywhere. Unknown secrets are never cached (a token just created elsewhere works at once).

use crate::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex as StdMutex;
use std::time::Instant;

/// How long a token read from the database is served from memory.
pub(crate) const TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Set by `testing::cache_for_a_second(false)`: every token and settings lookup reads the
/// database.
pub(crate) static NO_CACHE: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The most tokens kept; past it the cache starts over (a second's worth of distinct tokens).
const TOKENS_KEPT: usize = 10_000;

type Entry = (Instant, ApiToken, Person);

/// Tokens by their secret's hash, each with when it was read.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    /// Bumped by every invalidation, so that a read that began before a write never caches
    /// what it read.
    generation: AtomicU64,
    entries: StdMutex<HashMap<String, Entry>>,
}

impl TokenCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The token and its person, if read less than `TOKEN_TTL` ago.
    pub(crate) fn fresh(&self, hash: &str) -> Option<(ApiToken, Person)> {
        if NO_CACHE.load(Ordering::Relaxed) {
            return None;
        }
        match self.entries().get(hash) {
            Some((at, t, p)) if at.elapsed() < TOKEN_TTL => Some((t.clone(), p.clone())),
            _ => None,
        }
    }

    /// The generation a read starts at, for `keep`.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps what a read that began at `generation` (at `read_at`) found, unless a write came
    /// between.
    pub(crate) fn keep(
        &self,
        generation: u64,
        read_at: Instant,
        hash: &str,
        t: &ApiToken,
        p: &Person,
    ) {
        let mut entries = self.entries();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= TOKENS_KEPT {
            entries.clear();
        }
        entries.insert(hash.to_string(), (read_at, t.clone(), p.clone()));
    }

    /// A token's use was recorded: the cached copies say so (else every request of the next
    /// second would record it again).
    pub(crate) fn touched(&self, id: &TokenId, at: chrono::DateTime<chrono::Utc>) {
        for (_, t, _) in self.entries().values_mut() {
            if &t.id == id {
                t.last_used_at = Some(at);
            }
        }
    }

    /// Forgets every token: something written may have changed one, or its person.
    pub(crate) fn invalidate(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }
}
