//! The licence ledger.

use crate::errors::{bad_argument, from_json, instant, policy_arg, to_json, to_py};
use crate::key::{catalog_arg, key_arg, product_arg, NativeIssuer};
use keyledger::licence::{offline, Applied, Ledger, LedgerCommand, LedgerEvent};
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
        let policy = policy_arg(policy)?;
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
        let policy = policy_arg(policy)?;
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

    fn issue_certificate(
        &self,
        signer: &NativeCertificateIssuer,
        key: &str,
        machine: &str,
        now: &str,
        validity_seconds: i64,
        nonce: u64,
    ) -> PyResult<String> {
        let c = self
            .inner
            .issue_certificate(
                &signer.inner,
                &key_arg(key)?,
                machine,
                instant("now", now)?,
                validity_seconds,
                nonce,
            )
            .map_err(to_py)?;
        Ok(c.to_text())
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
    register_offline(m)
}

/// Signs offline call-home certificates (Ed25519).
#[pyclass(name = "NativeCertificateIssuer", module = "keyledger._keyledger")]
pub(crate) struct NativeCertificateIssuer {
    inner: offline::CertificateIssuer,
}

#[pymethods]
impl NativeCertificateIssuer {
    #[new]
    fn new(key_id: u8, secret: &[u8]) -> PyResult<Self> {
        Ok(NativeCertificateIssuer {
            inner: offline::CertificateIssuer::from_slice(key_id, secret).map_err(to_py)?,
        })
    }

    fn key_id(&self) -> u8 {
        self.inner.key_id()
    }

    fn verifying_key(&self) -> Vec<u8> {
        self.inner.verifying_key().to_vec()
    }

    fn issue(
        &self,
        key: &str,
        machine: &str,
        now: &str,
        validity_seconds: i64,
        nonce: u64,
    ) -> PyResult<String> {
        let c = self
            .inner
            .issue(
                key_arg(key)?,
                machine,
                instant("now", now)?,
                validity_seconds,
                nonce,
            )
            .map_err(to_py)?;
        Ok(c.to_text())
    }

    fn __repr__(&self) -> String {
        format!(
            "CertificateIssuer(key_id={}, signing_key=<redacted>)",
            self.inner.key_id()
        )
    }
}

/// Verifies a certificate text with public keys `[(key_id, 32 bytes)]`: the certificate's JSON.
#[pyfunction]
fn verify_certificate(
    public_keys: Vec<(u8, Vec<u8>)>,
    text: &str,
    machine: &str,
    now: &str,
) -> PyResult<String> {
    let keys = public_keys
        .into_iter()
        .map(|(id, k)| {
            <[u8; 32]>::try_from(k.as_slice())
                .map(|k| (id, k))
                .map_err(|_| bad_argument("public_keys", format!("key {id} is not 32 bytes")))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let c =
        offline::verify_certificate(&keys, text, machine, instant("now", now)?).map_err(to_py)?;
    to_json(&c)
}

/// Clock-rollback check: the new high-water mark (RFC 3339) or an OfflineError.
#[pyfunction]
#[pyo3(signature = (high_water, now, tolerance_seconds=offline::DEFAULT_ROLLBACK_TOLERANCE_SECONDS))]
fn check_clock(high_water: Option<&str>, now: &str, tolerance_seconds: i64) -> PyResult<String> {
    let hw = high_water.map(|h| instant("high_water", h)).transpose()?;
    let t = offline::check_clock(hw, instant("now", now)?, tolerance_seconds).map_err(to_py)?;
    Ok(t.to_rfc3339())
}

pub(crate) fn register_offline(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeCertificateIssuer>()?;
    m.add_function(wrap_pyfunction!(verify_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(check_clock, m)?)?;
    Ok(())
}
