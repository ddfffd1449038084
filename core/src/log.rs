//! The event-log kernel shared by the licence ledger and the quota book.
//!
//! An aggregate (a [`Ledger`](crate::licence::Ledger), a [`QuotaBook`](crate::quota::QuotaBook))
//! is the fold of its events. This module holds what every aggregate shares:
//! - the envelope [`Event`]: a dense id (the event's position in the log, from 0), the instant it
//!   was decided and what happened (the aggregate's `kind`);
//! - the apply protocol ([`apply`]): an event with the next id is checked by the aggregate
//!   ([`Aggregate::check`]) and folded in ([`Aggregate::evolve`]) — [`Applied::New`]; an id
//!   already applied with the same payload is [`Applied::Duplicate`], with another payload
//!   [`LogError::Conflict`]; an id beyond the next one is [`LogError::Gap`]; an id whose payload
//!   is no longer kept is [`LogError::TooOld`] (never a silent duplicate);
//! - [`Fingerprint`]s over an explicit byte encoding of the event (below), one hex form;
//! - [`decide`] and [`execute`], which give decided events their ids.
//!
//! An aggregate supplies only what is its own: [`Aggregate::decide`], [`Aggregate::check`],
//! [`Aggregate::evolve`] and how long an event's fingerprint is kept ([`Aggregate::retention`]).
//!
//! ## The fingerprint
//! SipHash-1-3 (64-bit output, keys [`SIP_KEYS`]) over this byte encoding of the event: the id as
//! 8 bytes little-endian, the instant as seconds since 1970 (8 bytes LE, signed) and nanoseconds
//! (4 bytes LE), then the kind in its stored form: compact JSON as the format writes it (fields in
//! declaration order, no spaces, the `type` tag first; no kind holds a map, so nothing depends on
//! an iteration order). Nothing in it depends on the compiler, the platform or a dependency's
//! memory layout — only on the stored format, which is versioned — so a stored fingerprint matches
//! after any upgrade; `core/tests/fingerprints.rs` pins the values of a list of events as literal
//! hex and rebuilds two from the documented bytes.
//!
//! ```
//! use keyledger::log::{Event, Fingerprint};
//! use chrono::{TimeZone, Utc};
//! let e = Event { id: 7, at: Utc.timestamp_opt(0, 0).unwrap(), kind: "hello" };
//! let f = Fingerprint::of(&e);
//! assert_eq!(f.to_string().len(), 16);
//! assert_eq!(f, Fingerprint::of(&e.clone()));
//! assert_ne!(f, Fingerprint::of(&Event { kind: "hellp", ..e }));
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use siphasher::sip::SipHasher13;
use std::fmt;
use std::hash::Hasher;

/// The SipHash-1-3 keys of every fingerprint (fixed: changing them changes every fingerprint).
pub const SIP_KEYS: (u64, u64) = (0x6b65_796c_6564_6765, 0x722e_6c6f_672e_7632);

/// How many recent events a log keeps the fingerprint of, whatever their kind, by default
/// (8 MiB of fingerprints once full): see [`Log::with_window`].
pub const DEFAULT_WINDOW: usize = 1 << 20;

/// An event with its id (its position in the log: 0, 1, 2, …) and the instant it was decided.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event<K> {
    /// Position in the log: an aggregate applies 0, 1, 2… in order.
    pub id: u64,
    /// When it happened (the `now` of its command).
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: K,
}

/// What [`apply`] did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// A new event: the aggregate changed.
    New,
    /// Applied before with the same payload: nothing changed.
    Duplicate,
}

impl Applied {
    /// The name the bindings return: `"new"` or `"duplicate"`.
    ///
    /// ```
    /// assert_eq!(keyledger::log::Applied::Duplicate.as_str(), "duplicate");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::New => "new",
            Applied::Duplicate => "duplicate",
        }
    }
}

/// The refusals of the apply protocol. Each aggregate's error has a variant for each (codes
/// `<module>.event_conflict`, `<module>.event_gap`, `<module>.event_too_old`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogError {
    /// The id was applied before with another payload.
    Conflict {
        /// The event id.
        id: u64,
    },
    /// The id is beyond the next one: events are applied in id order, without gaps.
    Gap {
        /// The id expected next.
        expected: u64,
        /// The id given.
        found: u64,
    },
    /// The id was applied before, but its payload is older than what the log can check: it can
    /// be told neither from a duplicate nor from a conflict. Nothing changed.
    TooOld {
        /// The event id.
        id: u64,
        /// The oldest id of which the log still keeps every fingerprint.
        oldest: u64,
    },
}

/// How long a log keeps the fingerprint of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Forever: a redelivery is always checked.
    Kept,
    /// Only while the event is among the last [`Log::window`] events (call-homes: millions a day).
    Recent,
}

/// Writes a kind's stored JSON (the default [`Aggregate::encode`]).
///
/// ```
/// let mut out = Vec::new();
/// keyledger::log::write_json(&Some(3), &mut out);
/// assert_eq!(out, b"3");
/// ```
pub fn write_json<K: Serialize>(kind: &K, out: &mut Vec<u8>) {
    // Writing JSON into a Vec fails only for a map with non-string keys, which no kind has; such
    // a kind would still get the fingerprint of what was written.
    let _ = serde_json::to_writer(out, kind);
}

/// A 64-bit event fingerprint, written as 16 lower-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The fingerprint of an event (see the [module docs](self) for the encoding).
    ///
    /// ```
    /// use keyledger::log::{Event, Fingerprint};
    /// # use chrono::{TimeZone, Utc};
    /// let e = Event { id: 0, at: Utc.timestamp_opt(0, 0).unwrap(), kind: 1u32 };
    /// assert_ne!(Fingerprint::of(&e), Fingerprint::of(&Event { id: 1, ..e }));
    /// ```
    pub fn of<K: Serialize>(event: &Event<K>) -> Fingerprint {
        Fingerprint::with_buffer(event, &mut Vec::new(), write_json)
    }

    /// [`of`](Self::of) writing into a caller's buffer (no allocation once it has grown; the
    /// kernel keeps one per log) with the aggregate's writer of the kind's JSON.
    fn with_buffer<K>(
        event: &Event<K>,
        buffer: &mut Vec<u8>,
        encode: fn(&K, &mut Vec<u8>),
    ) -> Fingerprint {
        buffer.clear();
        buffer.extend_from_slice(&event.id.to_le_bytes());
        buffer.extend_from_slice(&event.at.timestamp().to_le_bytes());
        buffer.extend_from_slice(&event.at.timestamp_subsec_nanos().to_le_bytes());
        encode(&event.kind, buffer);
        let mut h = SipHasher13::new_with_keys(SIP_KEYS.0, SIP_KEYS.1);
        h.write(buffer);
        if buffer.capacity() > 4096 {
            // A large event (a batch of keys) does not keep its buffer alive.
            *buffer = Vec::new();
        }
        Fingerprint(h.finish())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = std::borrow::Cow::<'de, str>::deserialize(d)?;
        if t.len() != 16 {
            return Err(serde::de::Error::custom(format!(
                "bad fingerprint {t:?}: 16 hex digits expected"
            )));
        }
        u64::from_str_radix(&t, 16)
            .map(Fingerprint)
            .map_err(|_| serde::de::Error::custom(format!("bad fingerprint {t:?}")))
    }
}

/// What a log remembers of the events applied: the next id and the fingerprints that let it tell
/// a redelivery from a conflict.
///
/// Every event's fingerprint goes into a ring of the last [`window`](Self::window) events; the
/// fingerprints of events with [`Retention::Kept`] are also kept forever. A redelivered id is
/// checked against the ring while it is recent, against the kept fingerprints after that, and
/// refused with [`LogError::TooOld`] when neither has it.
///
/// ```
/// use keyledger::log::Log;
/// let log = Log::with_window(16);
/// assert_eq!((log.next_id(), log.window()), (0, 16));
/// ```
#[derive(Debug, Clone)]
pub struct Log {
    next: u64,
    /// Events below this id were applied before the log kept fingerprints (a version-1
    /// document): they cannot be checked.
    checked_from: u64,
    /// Fingerprints of [`Retention::Kept`] events, sorted by id.
    kept: Vec<(u64, Fingerprint)>,
    window: usize,
    /// The id whose fingerprint went into `ring[0]` first: event `id` is at
    /// `(id - start) % window`, for the last `ring.len()` ids. Grows to `window`, then wraps.
    start: u64,
    ring: Vec<u64>,
    /// Where event kinds are written to be hashed (not state: never stored or compared).
    scratch: Vec<u8>,
}

impl PartialEq for Log {
    /// Equal when they remember the same: the ring's layout in memory is not compared.
    fn eq(&self, other: &Self) -> bool {
        self.next == other.next
            && self.checked_from == other.checked_from
            && self.window == other.window
            && self.kept == other.kept
            && self.recent().eq(other.recent())
    }
}
impl Eq for Log {}

impl Default for Log {
    fn default() -> Self {
        Log::with_window(DEFAULT_WINDOW)
    }
}

impl Log {
    /// An empty log that keeps the fingerprints of the last `window` events (0: only the
    /// [`Retention::Kept`] ones).
    ///
    /// ```
    /// assert_eq!(keyledger::log::Log::with_window(0).window(), 0);
    /// ```
    pub fn with_window(window: usize) -> Self {
        Log {
            next: 0,
            checked_from: 0,
            kept: Vec::new(),
            window,
            start: 0,
            ring: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// A log continuing at `next` that knows no fingerprint of the events before (what a
    /// version-1 document becomes: its fingerprints were not stable, so they are not kept).
    ///
    /// ```
    /// let log = keyledger::log::Log::continuing_at(5, 16);
    /// assert_eq!(log.next_id(), 5);
    /// assert_eq!(log.oldest_checked(), 5);
    /// ```
    pub fn continuing_at(next: u64, window: usize) -> Self {
        Log {
            next,
            checked_from: next,
            start: next,
            ..Log::with_window(window)
        }
    }

    /// The same log keeping the last `window` events' fingerprints from now on (the most recent
    /// ones it has are carried over).
    ///
    /// ```
    /// use keyledger::log::Log;
    /// assert_eq!(Log::default().resized(8).window(), 8);
    /// ```
    pub fn resized(&self, window: usize) -> Log {
        let recent: Vec<u64> = self.recent().collect();
        let keep = recent.len().min(window);
        let mut log = Log {
            next: self.next - keep as u64,
            checked_from: self.checked_from,
            kept: Vec::new(),
            window,
            start: self.next - keep as u64,
            ring: Vec::with_capacity(keep),
            scratch: Vec::new(),
        };
        for f in recent.iter().skip(recent.len() - keep) {
            log.record(Fingerprint(*f), Retention::Recent);
        }
        log.kept = self.kept.clone();
        log
    }

    /// The id the next event gets (the number of events applied).
    ///
    /// ```
    /// assert_eq!(keyledger::log::Log::default().next_id(), 0);
    /// ```
    pub fn next_id(&self) -> u64 {
        self.next
    }

    /// How many recent events the log keeps the fingerprint of, whatever their kind.
    ///
    /// ```
    /// assert_eq!(keyledger::log::Log::default().window(), keyledger::log::DEFAULT_WINDOW);
    /// ```
    pub fn window(&self) -> usize {
        self.window
    }

    /// The oldest id from which every event can be checked (older ids only if kept).
    ///
    /// ```
    /// assert_eq!(keyledger::log::Log::default().oldest_checked(), 0);
    /// ```
    pub fn oldest_checked(&self) -> u64 {
        self.next.saturating_sub(self.ring.len() as u64)
    }

    fn slot(&self, id: u64) -> Option<usize> {
        let w = u64::try_from(self.window).ok().filter(|w| *w > 0)?;
        usize::try_from(id.checked_sub(self.start)? % w).ok()
    }

    /// The ring's fingerprints in id order, oldest first.
    fn recent(&self) -> impl Iterator<Item = u64> + '_ {
        (self.oldest_checked()..self.next)
            .filter_map(|id| self.slot(id).and_then(|i| self.ring.get(i)).copied())
    }

    /// Checks an id below [`next_id`](Self::next_id) against what was applied.
    fn recheck(&self, id: u64, fingerprint: Fingerprint) -> Result<Applied, LogError> {
        let same = |f: u64| {
            if f == fingerprint.0 {
                Ok(Applied::Duplicate)
            } else {
                Err(LogError::Conflict { id })
            }
        };
        if id >= self.oldest_checked() {
            if let Some(&f) = self.slot(id).and_then(|i| self.ring.get(i)) {
                return same(f);
            }
        }
        match self.kept.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(i) => same(self.kept.get(i).map_or(0, |(_, f)| f.0)),
            Err(_) => Err(LogError::TooOld {
                id,
                oldest: self.oldest_checked(),
            }),
        }
    }

    /// Records the event with the next id.
    fn record(&mut self, fingerprint: Fingerprint, retention: Retention) {
        let id = self.next;
        if retention == Retention::Kept {
            self.kept.push((id, fingerprint));
        }
        if let Some(i) = self.slot(id) {
            if let Some(f) = self.ring.get_mut(i) {
                *f = fingerprint.0;
            } else {
                self.ring.push(fingerprint.0);
            }
        }
        self.next = id.saturating_add(1);
    }
}

/// The stored form of a [`Log`]: the ring is written in id order, oldest first.
#[derive(Serialize, Deserialize)]
struct StoredLog {
    next: u64,
    checked_from: u64,
    kept: Vec<(u64, Fingerprint)>,
    window: usize,
    recent: Vec<Fingerprint>,
}

impl Serialize for Log {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredLog {
            next: self.next,
            checked_from: self.checked_from,
            kept: self.kept.clone(),
            window: self.window,
            recent: self.recent().map(Fingerprint).collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Log {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let s = StoredLog::deserialize(d)?;
        if s.checked_from > s.next {
            return Err(D::Error::custom(
                "the log checks from an id beyond its next one",
            ));
        }
        let n = s.recent.len() as u64;
        if n > s.window as u64 || n > s.next - s.checked_from {
            return Err(D::Error::custom(
                "the log's recent fingerprints outnumber its events or its window",
            ));
        }
        let sorted = s.kept.windows(2).all(|w| w[0].0 < w[1].0);
        if !sorted
            || s.kept
                .iter()
                .any(|(id, _)| *id >= s.next || *id < s.checked_from)
        {
            return Err(D::Error::custom(
                "the log's kept fingerprints are not sorted ids of applied events",
            ));
        }
        let mut log = Log {
            next: s.next - n,
            checked_from: s.checked_from,
            kept: Vec::new(),
            window: s.window,
            start: s.next - n,
            ring: Vec::with_capacity(s.recent.len()),
            scratch: Vec::new(),
        };
        for f in s.recent {
            log.record(f, Retention::Recent);
        }
        log.kept = s.kept;
        Ok(log)
    }
}

/// What an aggregate decided for a command: its events (ids given) and what else it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided<K, D> {
    /// The events, with ids from the log's next one.
    pub events: Vec<Event<K>>,
    /// The aggregate's answer beside the events (the ledger's call-home decision; `()` for the
    /// quota book).
    pub answer: D,
}

/// What [`Aggregate::decide`] returns: the kinds of the events a command causes (the kernel gives
/// them ids and the instant) and the aggregate's answer beside them.
pub type Decision<K, D> = (Vec<K>, D);

/// What an aggregate supplies to the kernel: its own rules, nothing of the protocol.
pub trait Aggregate {
    /// What happened (the payload of [`Event`]).
    type Kind: Serialize;
    /// What a caller asks.
    type Command;
    /// What a command answers beside its events.
    type Answer;
    /// A refused command.
    type CommandError;
    /// A refused event.
    type EventError: From<LogError>;

    /// The log the aggregate carries.
    fn log(&self) -> &Log;
    /// The log, to record in.
    fn log_mut(&mut self) -> &mut Log;
    /// The events a command causes (kinds; the kernel gives ids), or why it is refused. Pure.
    fn decide(
        &self,
        command: &Self::Command,
        now: DateTime<Utc>,
    ) -> Result<Decision<Self::Kind, Self::Answer>, Self::CommandError>;
    /// Whether an event from outside fits this state (refers to what exists, gives the next ids
    /// of what it creates), so that [`evolve`](Self::evolve) cannot misfire.
    fn check(&self, event: &Event<Self::Kind>) -> Result<(), Self::EventError>;
    /// Folds a decided or checked event in. Never fails.
    fn evolve(&mut self, event: &Event<Self::Kind>);
    /// How long the log keeps this event's fingerprint ([`Retention::Kept`] unless said).
    fn retention(_kind: &Self::Kind) -> Retention {
        Retention::Kept
    }
    /// Writes the kind's stored JSON for its fingerprint: [`write_json`] unless an aggregate
    /// writes its most frequent kind by hand (the same bytes, faster).
    fn encode(kind: &Self::Kind, out: &mut Vec<u8>) {
        write_json(kind, out);
    }
}

/// Decides a command: its events with ids from the log's next one. Changes nothing.
///
/// # Errors
/// The aggregate's refusal of the command.
pub fn decide<A: Aggregate>(
    aggregate: &A,
    command: &A::Command,
    now: DateTime<Utc>,
) -> Result<Decided<A::Kind, A::Answer>, A::CommandError> {
    let (kinds, answer) = aggregate.decide(command, now)?;
    let first = aggregate.log().next_id();
    let events = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            id: first.saturating_add(i as u64),
            at: now,
            kind,
        })
        .collect();
    Ok(Decided { events, answer })
}

/// Decides a command and applies its events: the aggregate changes only if the command is valid.
///
/// # Errors
/// The aggregate's refusal of the command; the aggregate is unchanged then.
pub fn execute<A: Aggregate>(
    aggregate: &mut A,
    command: &A::Command,
    now: DateTime<Utc>,
) -> Result<Decided<A::Kind, A::Answer>, A::CommandError> {
    let decided = decide(aggregate, command, now)?;
    for e in &decided.events {
        next(aggregate, e);
    }
    Ok(decided)
}

/// Folds in an event that has the next id and fits (decided here, or checked).
fn next<A: Aggregate>(aggregate: &mut A, event: &Event<A::Kind>) {
    let log = aggregate.log_mut();
    let f = Fingerprint::with_buffer(event, &mut log.scratch, A::encode);
    log.record(f, A::retention(&event.kind));
    aggregate.evolve(event);
}

/// Applies one event (from this aggregate's log or another copy's): the apply protocol.
///
/// # Errors
/// [`LogError::Conflict`], [`LogError::Gap`], [`LogError::TooOld`] (as the aggregate's error),
/// or the aggregate's [`check`](Aggregate::check). The aggregate is unchanged on error.
pub fn apply<A: Aggregate>(
    aggregate: &mut A,
    event: &Event<A::Kind>,
) -> Result<Applied, A::EventError> {
    let expected = aggregate.log().next_id();
    if event.id < expected {
        let f = Fingerprint::with_buffer(event, &mut Vec::new(), A::encode);
        return Ok(aggregate.log().recheck(event.id, f)?);
    }
    if event.id > expected {
        return Err(LogError::Gap {
            expected,
            found: event.id,
        }
        .into());
    }
    aggregate.check(event)?;
    next(aggregate, event);
    Ok(Applied::New)
}

/// Applies a log of events in order to an aggregate (a new one, for a replay).
///
/// # Errors
/// As [`apply`], for the first event refused.
pub fn replay<A: Aggregate>(
    mut aggregate: A,
    events: &[Event<A::Kind>],
) -> Result<A, A::EventError> {
    for e in events {
        apply(&mut aggregate, e)?;
    }
    Ok(aggregate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).single().unwrap_or_default()
    }

    /// A toy aggregate: a counter whose events add a number; odd numbers are "recent" only.
    #[derive(Default)]
    struct Sum {
        log: Log,
        total: u64,
    }

    impl Aggregate for Sum {
        type Kind = u64;
        type Command = u64;
        type Answer = ();
        type CommandError = LogError;
        type EventError = LogError;
        fn log(&self) -> &Log {
            &self.log
        }
        fn log_mut(&mut self) -> &mut Log {
            &mut self.log
        }
        fn decide(&self, c: &u64, _: DateTime<Utc>) -> Result<(Vec<u64>, ()), LogError> {
            Ok((vec![*c], ()))
        }
        fn check(&self, _: &Event<u64>) -> Result<(), LogError> {
            Ok(())
        }
        fn evolve(&mut self, e: &Event<u64>) {
            self.total += e.kind;
        }
        fn retention(kind: &u64) -> Retention {
            if kind % 2 == 1 {
                Retention::Recent
            } else {
                Retention::Kept
            }
        }
    }

    fn summed(window: usize, n: u64) -> (Sum, Vec<Event<u64>>) {
        let mut s = Sum {
            log: Log::with_window(window),
            total: 0,
        };
        let mut events = Vec::new();
        for i in 0..n {
            events.extend(execute(&mut s, &i, at(i as i64)).unwrap().events);
        }
        (s, events)
    }

    #[test]
    fn redeliveries_are_duplicates_conflicts_or_too_old_never_silent() {
        let (mut s, events) = summed(4, 10);
        let e = &events;
        // Recent ids (6..10): checked whatever their kind.
        assert_eq!(apply(&mut s, &e[7]), Ok(Applied::Duplicate));
        let other = Event {
            kind: 99,
            ..e[7].clone()
        };
        assert_eq!(apply(&mut s, &other), Err(LogError::Conflict { id: 7 }));
        // Older kept (even) ids: still checked.
        assert_eq!(apply(&mut s, &e[2]), Ok(Applied::Duplicate));
        let other = Event {
            kind: 3,
            ..e[2].clone()
        };
        assert_eq!(apply(&mut s, &other), Err(LogError::Conflict { id: 2 }));
        // Older recent-only (odd) ids: too old, whatever the payload.
        assert_eq!(
            apply(&mut s, &e[3]),
            Err(LogError::TooOld { id: 3, oldest: 6 })
        );
        let other = Event {
            kind: 4,
            ..e[3].clone()
        };
        assert_eq!(
            apply(&mut s, &other),
            Err(LogError::TooOld { id: 3, oldest: 6 })
        );
        // Beyond the next id: a gap.
        let far = Event {
            id: 12,
            ..e[0].clone()
        };
        assert_eq!(
            apply(&mut s, &far),
            Err(LogError::Gap {
                expected: 10,
                found: 12
            })
        );
        assert_eq!(s.total, 45);
    }

    #[test]
    fn the_stored_log_reads_back_equal_and_checks_the_same() {
        for (window, n) in [(0, 5), (4, 3), (4, 4), (4, 10), (16, 10)] {
            let (s, events) = summed(window, n);
            let text = serde_json::to_string(&s.log).unwrap();
            let back: Log = serde_json::from_str(&text).unwrap();
            assert_eq!(back, s.log, "window {window}, {n} events: {text}");
            for e in &events {
                assert_eq!(
                    back.recheck(e.id, Fingerprint::of(e)),
                    s.log.recheck(e.id, Fingerprint::of(e))
                );
            }
        }
    }

    #[test]
    fn a_stored_log_that_does_not_hold_is_refused() {
        for text in [
            r#"{"next":1,"checked_from":2,"kept":[],"window":4,"recent":[]}"#,
            r#"{"next":3,"checked_from":0,"kept":[[3,"0000000000000000"]],"window":4,"recent":[]}"#,
            r#"{"next":3,"checked_from":0,"kept":[[1,"0000000000000000"],[0,"0000000000000001"]],"window":0,"recent":[]}"#,
            r#"{"next":1,"checked_from":0,"kept":[],"window":4,"recent":["0000000000000000","0000000000000000"]}"#,
            r#"{"next":1,"checked_from":0,"kept":[],"window":4,"recent":["00"]}"#,
        ] {
            assert!(serde_json::from_str::<Log>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_resized_log_keeps_its_most_recent_fingerprints() {
        let (s, events) = summed(4, 10);
        let small = s.log.resized(2);
        let e = &events[8];
        assert_eq!(small.recheck(8, Fingerprint::of(e)), Ok(Applied::Duplicate));
        assert_eq!(
            small.recheck(7, Fingerprint::of(&events[7])),
            Err(LogError::TooOld { id: 7, oldest: 8 })
        );
        assert_eq!(
            small.recheck(6, Fingerprint::of(&events[6])),
            Ok(Applied::Duplicate)
        );
        let big = s.log.resized(100);
        for e in &events[6..] {
            assert_eq!(
                big.recheck(e.id, Fingerprint::of(e)),
                Ok(Applied::Duplicate)
            );
        }
        let text = serde_json::to_string(&big).unwrap();
        assert_eq!(serde_json::from_str::<Log>(&text).unwrap(), big);
    }

    #[test]
    fn a_version_1_log_checks_nothing_before_it() {
        let mut s = Sum {
            log: Log::continuing_at(3, 4),
            total: 0,
        };
        let e = Event {
            id: 1,
            at: at(0),
            kind: 2,
        };
        assert_eq!(
            apply(&mut s, &e),
            Err(LogError::TooOld { id: 1, oldest: 3 })
        );
        let e = Event {
            id: 3,
            at: at(0),
            kind: 2,
        };
        assert_eq!(apply(&mut s, &e), Ok(Applied::New));
        assert_eq!(apply(&mut s, &e), Ok(Applied::Duplicate));
    }
}
