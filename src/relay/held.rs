//! Bytes the relay holds for its connections, bounded in total (`max_held_bytes`).
//!
//! Two things hold memory for a client beyond a fixed per-connection amount: a message it
//! has begun but not finished (the WebSocket layer buffers a message whole before handing
//! it over), and frames queued towards it while it reads slowly. Both are taken from one
//! pool. When the pool is empty, the connection that has held bytes the longest is
//! evicted: closed with 4503 so its bytes come back. Honest messages arrive in a moment,
//! so a client that hoards (begins a message and keeps it open with pings) is the one
//! evicted, not the room that is working; a burst of hoarders evicts its own oldest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Instant;

/// One connection's shared flags: set by the pool when it evicts the connection, read by
/// the connection's reader (which wakes up to end the connection).
#[derive(Default)]
pub(crate) struct Eviction {
    evicted: AtomicBool,
    /// Set instead by the connection's writer when a frame could not be written in time.
    stalled: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Eviction {
    pub(crate) fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::Acquire)
    }

    /// Whether the writer gave up on a receiver that stopped reading.
    pub(crate) fn is_stalled(&self) -> bool {
        self.stalled.load(Ordering::Acquire)
    }

    /// Ends the connection because its client stopped reading.
    pub(crate) fn stall(&self) {
        self.stalled.store(true, Ordering::Release);
        self.evict();
    }

    /// The reader registers its task here while it waits for the client's bytes.
    pub(crate) fn register(&self, waker: &Waker) {
        let mut w = self.waker.lock().unwrap_or_else(|p| p.into_inner());
        match w.as_ref() {
            Some(old) if old.will_wake(waker) => {}
            _ => *w = Some(waker.clone()),
        }
    }

    /// Ends the connection (its reader fails its next read).
    pub(crate) fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        if let Some(w) = self.waker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            w.wake();
        }
    }
}

/// The relay-wide pool.
pub(crate) struct Pool {
    budget: u64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    used: u64,
    holders: HashMap<u64, Holder>,
}

struct Holder {
    bytes: u64,
    since: Instant,
    eviction: Arc<Eviction>,
}

impl Pool {
    pub(crate) fn new(budget: u64) -> Pool {
        Pool { budget, inner: Mutex::new(Inner::default()) }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every update keeps `used` equal to the sum of the holders; a panic cannot
        // interrupt one halfway, so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes held now, all connections together.
    pub(crate) fn used(&self) -> u64 {
        self.inner().used
    }

    /// Takes `n` bytes for connection `conn`, evicting the longest holders if needed.
    /// `false` if the connection was evicted itself or no holder can make room.
    pub(crate) fn take(&self, conn: u64, eviction: &Arc<Eviction>, n: u64) -> bool {
        if eviction.is_evicted() {
            return false;
        }
        self.take_inner(Some((conn, eviction)), n)
    }

    fn take_inner(&self, holder: Option<(u64, &Arc<Eviction>)>, n: u64) -> bool {
        if n == 0 {
            return true;
        }
        let me = holder.map(|h| h.0);
        let mut inner = self.inner();
        while inner.used.saturating_add(n) > self.budget {
            let victim = inner.holders.iter().filter(|(c, _)| Some(**c) != me).min_by_key(|(_, h)| h.since).map(|(c, _)| *c);
            let Some(victim) = victim else { return false };
            if let Some(h) = inner.holders.remove(&victim) {
                inner.used -= h.bytes;
                h.eviction.evict();
            }
        }
        inner.used += n;
        if let Some((conn, eviction)) = holder {
            let h = inner.holders.entry(conn).or_insert_with(|| Holder { bytes: 0, since: Instant::now(), eviction: Arc::clone(eviction) });
            h.bytes += n;
        }
        true
    }

    /// Takes `n` bytes not tied to an evictable holder (a queued frame, bounded in time by
    /// the write timeout instead), evicting the longest holders if needed.
    pub(crate) fn take_fixed(&self, n: u64) -> bool {
        self.take_inner(None, n)
    }

    /// Gives back bytes of [`Pool::take_fixed`].
    pub(crate) fn give_back_fixed(&self, n: u64) {
        let mut inner = self.inner();
        inner.used = inner.used.saturating_sub(n);
    }

    /// Gives back `n` bytes of `conn` (nothing if it was evicted meanwhile).
    pub(crate) fn give_back(&self, conn: u64, n: u64) {
        let mut inner = self.inner();
        let Some(h) = inner.holders.get_mut(&conn) else {
            return;
        };
        let k = n.min(h.bytes);
        h.bytes -= k;
        let empty = h.bytes == 0;
        inner.used -= k;
        if empty {
            inner.holders.remove(&conn);
        }
    }
}

/// Bytes taken from the pool for one queued frame; given back when dropped (sent or not).
pub(crate) struct Held {
    pool: Arc<Pool>,
    bytes: u64,
}

impl Held {
    /// Takes `n` bytes; `None` if the pool cannot make room.
    pub(crate) fn take(pool: &Arc<Pool>, n: u64) -> Option<Held> {
        pool.take_fixed(n).then(|| Held { pool: Arc::clone(pool), bytes: n })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.pool.give_back_fixed(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_holder_makes_room() {
        let pool = Pool::new(100);
        let (old, young, me) = (Arc::new(Eviction::default()), Arc::new(Eviction::default()), Arc::new(Eviction::default()));
        assert!(pool.take(1, &old, 60));
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(pool.take(2, &young, 30));
        // Room for 10 more: nobody is evicted.
        assert!(pool.take(3, &me, 10));
        assert!(!old.is_evicted());
        // 20 more: the oldest holder goes, the younger one stays.
        assert!(pool.take(3, &me, 20));
        assert!(old.is_evicted() && !young.is_evicted());
        assert_eq!(pool.used(), 60);
        // An evicted connection takes nothing more and gives back nothing twice.
        assert!(!pool.take(1, &old, 1));
        pool.give_back(1, 60);
        assert_eq!(pool.used(), 60);
        // More than the whole pool: everyone else is evicted, and still no room.
        assert!(!pool.take(3, &me, 200));
        assert!(young.is_evicted());
        pool.give_back(3, 30);
        assert_eq!(pool.used(), 0);
        assert!(pool.take_fixed(100) && !pool.take_fixed(1));
        pool.give_back_fixed(100);
        assert_eq!(pool.used(), 0);
    }
}
