//! The licence ledger.

use crate::errors::{bad_argument, from_json, instant, to_json, to_py};
use crate::key::{catalog_arg, key_arg, product_arg, NativeIssuer};
use keyledger::license::{Applied, Ledger, LedgerCommand, LedgerEvent};
use keyledger::lifecycle::LifecyclePolicy;
use keyledger::org::Container;
use pyo3::prelude::*;

/// A licence ledger.
#[pyclass(name = "NativeLedger", module = "keyledger._keyledger")]
pub(crate) struct NativeLedger {
    inner: Ledger,
}

#[pymethods]
impl NativeLedger {
    #[new]
    #[pyo3(signature = (catalog=None, policy=None))]
    fn new(catalog: Option<&str>, policy: Option<&str>) -> PyResult<Self> {
        let policy: LifecyclePolicy = match policy {
            Some(p) => from_json("policy", p)?,
            None => LifecyclePolicy::default(),
        };
        let inner = Ledger::with_policy(catalog_arg(catalog)?, policy).map_err(to_py)?;
        Ok(NativeLedger { inner })
    }

    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(NativeLedger {
            inner: Ledger::from_json(text).map_err(to_py)?,
        })
    }

    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py)
    }

    #[staticmethod]
    fn replay(catalog: Option<&str>, policy: Option<&str>, events: &str) -> PyResult<Self> {
        let policy: LifecyclePolicy = match policy {
            Some(p) => from_json("policy", p)?,
            None => LifecyclePolicy::default(),
        };
        let events: Vec<LedgerEvent> = from_json("events", events)?;
        let inner = Ledger::replay(catalog_arg(catalog)?, policy, &events).map_err(to_py)?;
        Ok(NativeLedger { inner })
    }

    /// Executes a command (JSON); returns the outcome JSON `{events, decision}`.
    fn execute(&mut self, command: &str, now: &str) -> PyResult<String> {
        let command: LedgerCommand = from_json("command", command)?;
        let out = self
            .inner
            .execute(command, instant("now", now)?)
            .map_err(to_py)?;
        to_json(&out)
    }

    /// The events a command would cause, without applying them.
    fn decide(&self, command: &str, now: &str) -> PyResult<String> {
        let command: LedgerCommand = from_json("command", command)?;
        let events = self
            .inner
            .decide(&command, instant("now", now)?)
            .map_err(to_py)?;
        to_json(&events)
    }

    /// Applies one event (JSON); returns "new" or "duplicate".
    fn apply(&mut self, event: &str) -> PyResult<&'static str> {
        let event: LedgerEvent = from_json("event", event)?;
        match self.inner.apply(&event).map_err(to_py)? {
            Applied::New => Ok("new"),
            Applied::Duplicate => Ok("duplicate"),
        }
    }

    fn next_event_id(&self) -> u64 {
        self.inner.next_event_id()
    }

    fn catalog(&self) -> PyResult<String> {
        to_json(self.inner.catalog())
    }

    fn org(&self) -> PyResult<String> {
        to_json(self.inner.org())
    }

    fn keys(&self) -> Vec<String> {
        self.inner.keys().map(|k| k.to_string()).collect()
    }

    fn generate_keys(
        &mut self,
        issuer: &NativeIssuer,
        product: u32,
        quantity: u32,
        container: &str,
        now: &str,
    ) -> PyResult<String> {
        let container: Container = from_json("container", container)?;
        let out = self
            .inner
            .generate_keys(
                &issuer.inner,
                product_arg(product)?,
                quantity,
                container,
                instant("now", now)?,
            )
            .map_err(to_py)?;
        to_json(&out)
    }

    fn status(&self, key: &str, now: &str) -> PyResult<String> {
        let s = self
            .inner
            .status(&key_arg(key)?, instant("now", now)?)
            .map_err(to_py)?;
        to_json(&s)
    }

    fn statuses(&self, now: &str) -> PyResult<String> {
        to_json(&self.inner.statuses(instant("now", now)?))
    }

    fn state_counts(&self, now: &str) -> PyResult<String> {
        to_json(&self.inner.state_counts(instant("now", now)?))
    }

    fn history(&self, key: &str, now: &str) -> PyResult<String> {
        let h = self
            .inner
            .history(&key_arg(key)?, instant("now", now)?)
            .map_err(to_py)?;
        to_json(&h)
    }

    fn name_consistency(&self) -> PyResult<String> {
        to_json(&self.inner.name_consistency())
    }

    fn validate(&self, issuer: &NativeIssuer, text: &str, now: &str) -> PyResult<String> {
        to_json(
            &self
                .inner
                .validate(&issuer.inner, text, instant("now", now)?),
        )
    }

    fn licence_histories(&self, until: &str) -> PyResult<String> {
        to_json(&self.inner.licence_histories(instant("until", until)?))
    }

    #[staticmethod]
    fn events_to_json(events: &str) -> PyResult<String> {
        let events: Vec<LedgerEvent> = from_json("events", events)?;
        Ledger::events_to_json(&events).map_err(to_py)
    }

    #[staticmethod]
    fn events_from_json(text: &str) -> PyResult<String> {
        let events = Ledger::events_from_json(text).map_err(to_py)?;
        to_json(&events)
    }

    fn __repr__(&self) -> String {
        format!(
            "Ledger(keys={}, licences={}, next_event_id={})",
            self.inner.keys().count(),
            self.inner.licence_count(),
            self.inner.next_event_id()
        )
    }
}

/// Refuses an unknown JSON shape early with a clear message (used by tests of the boundary).
#[pyfunction]
fn check_command(command: &str) -> PyResult<()> {
    serde_json::from_str::<LedgerCommand>(command)
        .map(|_| ())
        .map_err(|e| bad_argument("command", e))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeLedger>()?;
    m.add_function(wrap_pyfunction!(check_command, m)?)?;
    Ok(())
}
