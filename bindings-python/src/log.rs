//! The one execute/apply path of every event-sourced aggregate (the ledger, the quota book), over
//! the core's event-log kernel ([`keyledger::log`]): each binding's methods build the typed
//! command or take the typed event and call these; nothing of the protocol is written here twice.

use crate::errors::{instant, to_py};
use keyledger::log::{self, Aggregate, Applied, Decided, Event};
use pyo3::prelude::*;

/// Decides a command at `now` (an aware datetime) and applies its events: what it decided. A
/// refused command raises the aggregate's coded error and changes nothing.
pub(crate) fn execute<A>(
    aggregate: &mut A,
    command: A::Command,
    now: &Bound<'_, PyAny>,
) -> PyResult<Decided<A::Kind, A::Answer>>
where
    A: Aggregate,
    A::CommandError: Into<keyledger::Error>,
{
    let now = instant(now, "now")?;
    log::execute(aggregate, &command, now).map_err(to_py)
}

/// Applies one event: `True` if new, `False` if it was applied before with the same payload; the
/// protocol's refusals (`*.event_gap`, `*.event_conflict`, `*.event_too_old`) and the aggregate's
/// check raise, and change nothing.
pub(crate) fn apply<A>(aggregate: &mut A, event: &Event<A::Kind>) -> PyResult<bool>
where
    A: Aggregate,
    A::EventError: Into<keyledger::Error>,
{
    Ok(log::apply(aggregate, event).map_err(to_py)? == Applied::New)
}
