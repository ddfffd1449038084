//! The one execute/decide/apply path of every event-sourced aggregate (the ledger, the quota
//! book), over the core's event-log kernel: commands and events cross as plain JS objects in
//! the Rust serde form.

use crate::args::document;
use crate::errors::{output, to_js};
use crate::time::instant;
use keyledger::log::{self, Aggregate, Decided, Event};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

/// Decides a command at `now` and applies its events; what it decided. `expected` describes the
/// command's shape for `js.bad_argument`.
///
/// # Errors
/// `js.bad_argument` for a command of the wrong shape or a bad `now`; the aggregate's refusal.
pub fn execute<A>(
    aggregate: &mut A,
    command: &JsValue,
    now: &JsValue,
    expected: &'static str,
) -> Result<Decided<A::Kind, A::Answer>, JsValue>
where
    A: Aggregate,
    A::Command: DeserializeOwned,
    A::CommandError: Into<keyledger::Error>,
{
    let command: A::Command = document(command, "command", expected)?;
    let now = instant(now, "now")?;
    log::execute(aggregate, &command, now).map_err(to_js)
}

/// The events a command would cause (a plain list), without applying them.
///
/// # Errors
/// As [`execute`].
pub fn decide<A>(
    aggregate: &A,
    command: &JsValue,
    now: &JsValue,
    expected: &'static str,
) -> Result<JsValue, JsValue>
where
    A: Aggregate,
    A::Command: DeserializeOwned,
    A::CommandError: Into<keyledger::Error>,
{
    let command: A::Command = document(command, "command", expected)?;
    let now = instant(now, "now")?;
    output(&log::decide(aggregate, &command, now).map_err(to_js)?.events)
}

/// Applies one event: `"new"` or `"duplicate"`.
///
/// # Errors
/// `js.bad_argument` for an event of the wrong shape; the apply protocol's refusals
/// (`*.event_gap`, `*.event_conflict`, `*.event_too_old`) and the aggregate's check.
pub fn apply<A>(
    aggregate: &mut A,
    event: &JsValue,
    expected: &'static str,
) -> Result<JsValue, JsValue>
where
    A: Aggregate,
    Event<A::Kind>: DeserializeOwned,
    A::EventError: Into<keyledger::Error>,
{
    let event: Event<A::Kind> = document(event, "event", expected)?;
    Ok(log::apply(aggregate, &event)
        .map_err(to_js)?
        .as_str()
        .into())
}
