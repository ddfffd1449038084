//! Quota accounting: the subscription control panel's book.

use crate::errors::{from_json, instant, to_json, to_py};
use keyledger::quota::{Applied, QuotaBook, QuotaCommand, QuotaEvent};
use pyo3::prelude::*;
use serde_json::json;

/// A quota book: subscriptions, users, licences, groups, partners and resellers.
#[pyclass(name = "NativeQuotaBook", module = "keyledger._keyledger")]
pub(crate) struct NativeQuotaBook {
    inner: QuotaBook,
}

#[pymethods]
impl NativeQuotaBook {
    #[new]
    fn new() -> Self {
        NativeQuotaBook {
            inner: QuotaBook::new(),
        }
    }

    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(NativeQuotaBook {
            inner: QuotaBook::from_json(text).map_err(to_py)?,
        })
    }

    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py)
    }

    #[staticmethod]
    fn replay(events: &str) -> PyResult<Self> {
        let events: Vec<QuotaEvent> = from_json("events", events)?;
        Ok(NativeQuotaBook {
            inner: QuotaBook::replay(&events).map_err(to_py)?,
        })
    }

    /// Executes a command (JSON); returns its events (JSON list).
    fn execute(&mut self, command: &str, now: &str) -> PyResult<String> {
        let command: QuotaCommand = from_json("command", command)?;
        let events = self
            .inner
            .execute(command, instant("now", now)?)
            .map_err(to_py)?;
        to_json(&events)
    }

    /// The events a command would cause, without applying them.
    fn decide(&self, command: &str, now: &str) -> PyResult<String> {
        let command: QuotaCommand = from_json("command", command)?;
        let events = self
            .inner
            .decide(&command, instant("now", now)?)
            .map_err(to_py)?;
        to_json(&events)
    }

    /// Applies one event (JSON); returns "new" or "duplicate".
    fn apply(&mut self, event: &str) -> PyResult<&'static str> {
        let event: QuotaEvent = from_json("event", event)?;
        match self.inner.apply(&event).map_err(to_py)? {
            Applied::New => Ok("new"),
            Applied::Duplicate => Ok("duplicate"),
        }
    }

    fn next_event_id(&self) -> u64 {
        self.inner.next_event_id()
    }

    fn subscription_ids(&self) -> Vec<String> {
        self.inner
            .subscription_ids()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// The customer's account view: JSON `{view, text}`.
    fn account_view(&self, subscription: &str) -> PyResult<String> {
        let v = self.inner.account_view(subscription).map_err(to_py)?;
        to_json(&json!({ "view": v, "text": v.text() }))
    }

    /// The reseller's view of its customers: JSON `{view, text}`.
    fn reseller_view(&self, reseller: &str) -> PyResult<String> {
        let v = self.inner.reseller_view(reseller).map_err(to_py)?;
        to_json(&json!({ "view": v, "text": v.text() }))
    }

    /// Counters recomputed from the licences, with any drift: JSON RefreshReport.
    fn refresh_report(&self, subscription: &str) -> PyResult<String> {
        let r = self.inner.refresh_report(subscription).map_err(to_py)?;
        to_json(&r)
    }

    fn __repr__(&self) -> String {
        format!(
            "QuotaBook(subscriptions={}, next_event_id={})",
            self.inner.subscription_ids().len(),
            self.inner.next_event_id()
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeQuotaBook>()?;
    Ok(())
}
