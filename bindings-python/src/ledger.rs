//! The licence ledger: typed methods for every command, native documents for every view.

use crate::doc::{document, py_enum};
use crate::errors::{
    bad_argument, bool_arg, i64_arg, instant, items, key as key_arg, key_text, opt_text, to_dict,
    to_json_text, to_py, u32_arg, u64_arg, u8_arg,
};
use crate::key::{catalog_ref, product_arg, PyCatalog, PyIssuer, PyKeyCheck, PyProductKey};
use chrono::{DateTime, Utc};
use keyledger::licence::{
    offline, CallHomeDecision, HistoryEntry, HistoryKind, JobUse, KeyStatus, Ledger, LedgerCommand,
    LedgerEvent, LicenceStatus, NameMismatch, NameReport, Outcome, RunningJob,
};
use keyledger::lifecycle::{
    JobSpan, LicenceHistory, LicenceState, LifecyclePolicy, Placement, StateSpan,
};
use keyledger::org::{Account, AccountId, Container, Org, Site, SiteId};
use pyo3::prelude::*;
use serde_json::Value;

py_enum!(PyLicenceState(LicenceState) as "LicenceState", "Where a licence is in its life cycle." {
    Unactivated = "UNACTIVATED" / "unactivated" => LicenceState::Unactivated => LicenceState::Unactivated,
    Active = "ACTIVE" / "active" => LicenceState::Active => LicenceState::Active,
    Late = "LATE" / "late" => LicenceState::Late => LicenceState::Late,
    Disabled = "DISABLED" / "disabled" => LicenceState::Disabled => LicenceState::Disabled,
    PendingDeactivation = "PENDING_DEACTIVATION" / "pending_deactivation" => LicenceState::PendingDeactivation => LicenceState::PendingDeactivation,
    Deactivated = "DEACTIVATED" / "deactivated" => LicenceState::Deactivated => LicenceState::Deactivated,
}
extra_stub "    @property\n    def billable(self) -> bool: ...\n    @property\n    def label(self) -> str: ...\n";
methods {
    /// Whether a licence in this state is billed (the core's rule).
    #[getter]
    fn billable(&self) -> bool {
        self.to_core().is_billable()
    }
    /// The console's label.
    #[getter]
    fn label(&self) -> &'static str {
        self.to_core().label()
    }
});

py_enum!(PyHistoryKind(HistoryKind) as "HistoryKind", "What a history entry records." {
    Generated = "GENERATED" / "generated" => HistoryKind::Generated => HistoryKind::Generated,
    Moved = "MOVED" / "moved" => HistoryKind::Moved => HistoryKind::Moved,
    Activated = "ACTIVATED" / "activated" => HistoryKind::Activated => HistoryKind::Activated,
    FirstCallHome = "FIRST_CALL_HOME" / "first_call_home" => HistoryKind::FirstCallHome => HistoryKind::FirstCallHome,
    LastCallHome = "LAST_CALL_HOME" / "last_call_home" => HistoryKind::LastCallHome => HistoryKind::LastCallHome,
    DeactivationRequested = "DEACTIVATION_REQUESTED" / "deactivation_requested" => HistoryKind::DeactivationRequested => HistoryKind::DeactivationRequested,
    DeactivationCancelled = "DEACTIVATION_CANCELLED" / "deactivation_cancelled" => HistoryKind::DeactivationCancelled => HistoryKind::DeactivationCancelled,
    Deactivated = "DEACTIVATED" / "deactivated" => HistoryKind::Deactivated => HistoryKind::Deactivated,
    Lapsed = "LAPSED" / "lapsed" => HistoryKind::Lapsed => HistoryKind::Lapsed,
    Reactivated = "REACTIVATED" / "reactivated" => HistoryKind::Reactivated => HistoryKind::Reactivated,
    LegacyActive = "LEGACY_ACTIVE" / "legacy_active" => HistoryKind::LegacyActive => HistoryKind::LegacyActive,
    LegacyDeactivated = "LEGACY_DEACTIVATED" / "legacy_deactivated" => HistoryKind::LegacyDeactivated => HistoryKind::LegacyDeactivated,
    LegacyMachine = "LEGACY_MACHINE" / "legacy_machine" => HistoryKind::LegacyMachine => HistoryKind::LegacyMachine,
    JobStarted = "JOB_STARTED" / "job_started" => HistoryKind::JobStarted => HistoryKind::JobStarted,
    JobEnded = "JOB_ENDED" / "job_ended" => HistoryKind::JobEnded => HistoryKind::JobEnded,
});

document!(PyRunningJob(RunningJob) as "RunningJob", "An ImageManager job running on a key." {
    job_name: String => "str" = |s| s.job_name.clone();
    machine: String => "str" = |s| s.machine.clone();
    started_at: DateTime<Utc> => "datetime" = |s| s.started_at;
});

document!(PyJobUse(JobUse) as "JobUse", "Job licences of one type on a key: how many, how many in use, which jobs." {
    job_type: String => "str" = |s| s.job_type.clone();
    licences: u32 => "int" = |s| s.licences;
    in_use: u32 => "int" = |s| s.in_use;
    running: Vec<PyRunningJob> => "list[RunningJob]" = |s| s.running.iter().cloned().map(Into::into).collect();
});

document!(PyPlacement(Placement) as "Placement", "Where a key was from an instant on (until the next placement)." {
    from_: DateTime<Utc> => "datetime" = |s| s.from;
    account: String => "str" = |s| s.account.clone();
    site: Option<String> => "str | None" = |s| s.site.clone();
});

document!(PyJobSpan(JobSpan) as "JobSpan", "One ImageManager job from its start until its end (None: still running)." {
    job_type: String => "str" = |s| s.job_type.clone();
    job_name: String => "str" = |s| s.job_name.clone();
    machine: String => "str" = |s| s.machine.clone();
    from_: DateTime<Utc> => "datetime" = |s| s.from;
    until: Option<DateTime<Utc>> => "datetime | None" = |s| s.until;
});

/// The action a product takes after a call-home.
#[pyclass(
    eq,
    eq_int,
    frozen,
    hash,
    name = "CallHomeAction",
    module = "keyledger"
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum PyCallHomeAction {
    #[pyo3(name = "RUN")]
    Run,
    #[pyo3(name = "RUN_WITH_WARNING")]
    RunWithWarning,
    #[pyo3(name = "FUNCTIONS_DISABLED")]
    FunctionsDisabled,
    #[pyo3(name = "DEACTIVATED")]
    Deactivated,
}

#[pymethods]
impl PyCallHomeAction {
    #[getter]
    fn value(&self) -> &'static str {
        match self {
            PyCallHomeAction::Run => "run",
            PyCallHomeAction::RunWithWarning => "run_with_warning",
            PyCallHomeAction::FunctionsDisabled => "functions_disabled",
            PyCallHomeAction::Deactivated => "deactivated",
        }
    }
    fn __str__(&self) -> &'static str {
        self.value()
    }
}

const ACTION_STUB: &str = "class CallHomeAction:\n    \"\"\"The action a product takes after a call-home.\"\"\"\n    RUN: ClassVar[CallHomeAction]\n    RUN_WITH_WARNING: ClassVar[CallHomeAction]\n    FUNCTIONS_DISABLED: ClassVar[CallHomeAction]\n    DEACTIVATED: ClassVar[CallHomeAction]\n    @property\n    def value(self) -> str: ...\n";

fn action(d: &CallHomeDecision) -> PyCallHomeAction {
    match d {
        CallHomeDecision::Run => PyCallHomeAction::Run,
        CallHomeDecision::RunWithWarning { .. } => PyCallHomeAction::RunWithWarning,
        CallHomeDecision::FunctionsDisabled { .. } => PyCallHomeAction::FunctionsDisabled,
        CallHomeDecision::Deactivated => PyCallHomeAction::Deactivated,
    }
}

fn terminates(d: &CallHomeDecision) -> Option<DateTime<Utc>> {
    match d {
        CallHomeDecision::RunWithWarning { terminates_at }
        | CallHomeDecision::FunctionsDisabled { terminates_at } => Some(*terminates_at),
        _ => None,
    }
}

/// A field of an event's payload by name (events are many kinds; the common fields are typed).
fn event_field(kind: &impl serde::Serialize, name: &str) -> Option<Value> {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.get(name).cloned())
}

document!(PyLedgerEvent(LedgerEvent) as "LedgerEvent", "One ledger event: what happened, when, with its id (replay and apply are idempotent by id)." {
    id: u64 => "int" = |s| s.id;
    at: DateTime<Utc> => "datetime" = |s| s.at;
    kind: String => "str" = |s| event_field(&s.kind, "type").and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    licence: Option<u64> => "int | None" = |s| event_field(&s.kind, "licence").and_then(|v| v.as_u64());
    key: Option<PyProductKey> => "ProductKey | None" = |s| event_field(&s.kind, "key").and_then(|v| serde_json::from_value::<keyledger::key::ProductKey>(v).ok()).map(PyProductKey::from);
}
extra_stub "    @staticmethod\n    def from_json(text: str) -> LedgerEvent: ...\n    def __eq__(self, other: object, /) -> bool: ...\n";
methods {
    /// Reads one event from :meth:`to_json` text.
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let t = crate::errors::text(text, "text")?;
        serde_json::from_str::<LedgerEvent>(&t)
            .map(Self::from)
            .map_err(|e| to_py(keyledger::format::FormatError::from_json_error(&e)))
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().map(|o| o.get().inner == self.inner).unwrap_or(false)
    }
});

document!(PyCallHomeDecision(Outcome) as "CallHomeDecision", "What a product does after a call-home (run, warn, disable, deactivated), and the events the call-home caused." {
    action: PyCallHomeAction => "CallHomeAction" = |s| s.decision.as_ref().map(action).unwrap_or(PyCallHomeAction::Run);
    terminates_at: Option<DateTime<Utc>> => "datetime | None" = |s| s.decision.as_ref().and_then(terminates);
    events: Vec<PyLedgerEvent> => "list[LedgerEvent]" = |s| s.events.iter().cloned().map(Into::into).collect();
});

document!(PyOutcome(Outcome) as "Outcome", "What a ledger command did: its events (already applied)." {
    events: Vec<PyLedgerEvent> => "list[LedgerEvent]" = |s| s.events.iter().cloned().map(Into::into).collect();
});

document!(PyHistoryEntry(HistoryEntry) as "HistoryEntry", "One line of a key's activation history." {
    at: DateTime<Utc> => "datetime" = |s| s.at;
    kind: PyHistoryKind => "HistoryKind" = |s| s.kind.into();
    machine: Option<String> => "str | None" = |s| s.machine.clone();
    detail: Option<String> => "str | None" = |s| s.detail.clone();
});

document!(PyLicenceStatus(LicenceStatus) as "LicenceStatus", "One run (activation) of a key on a machine." {
    licence: u32 => "int" = |s| s.licence.0;
    machine: String => "str" = |s| s.machine.clone();
    msp_name: String => "str" = |s| s.msp_name.clone();
    customer_name: String => "str" = |s| s.customer_name.clone();
    computer_role: Option<String> => "str | None" = |s| s.computer_role.clone();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    state: PyLicenceState => "LicenceState" = |s| s.state.into();
    activated_at: DateTime<Utc> => "datetime" = |s| s.activated_at;
    last_call_home: DateTime<Utc> => "datetime" = |s| s.last_call_home;
    terminates_at: Option<DateTime<Utc>> => "datetime | None" = |s| s.terminates_at;
    next_change: Option<DateTime<Utc>> => "datetime | None" = |s| s.next_change;
    ended_at: Option<DateTime<Utc>> => "datetime | None" = |s| s.ended_at;
    action: PyCallHomeAction => "CallHomeAction" = |s| action(&s.decision);
});

document!(PyKeyStatus(KeyStatus) as "KeyStatus", "The console's Product Key Detail at an instant." {
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    product: String => "str" = |s| s.product.clone();
    product_type: String => "str" = |s| s.product_type.clone();
    licence_type: String => "str" = |s| s.licence_type.clone();
    licences: u32 => "int" = |s| s.licences;
    licences_in_use: u32 => "int" = |s| s.licences_in_use;
    account: String => "str" = |s| s.account.clone();
    site: Option<String> => "str | None" = |s| s.site.clone();
    state: PyLicenceState => "LicenceState" = |s| s.state.into();
    detail: String => "str" = |s| s.detail.clone();
    next_change: Option<DateTime<Utc>> => "datetime | None" = |s| s.next_change;
    runs: Vec<PyLicenceStatus> => "list[LicenceStatus]" = |s| s.runs.iter().cloned().map(Into::into).collect();
    jobs: Vec<PyJobUse> => "list[JobUse]" = |s| s.jobs.iter().cloned().map(Into::into).collect();
});

document!(PyNameMismatch(NameMismatch) as "NameMismatch", "A key whose MSP or customer name differs from the rest." {
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    machine: String => "str" = |s| s.machine.clone();
    account: String => "str" = |s| s.account.clone();
    found: String => "str" = |s| s.found.clone();
    expected: String => "str" = |s| s.expected.clone();
});

document!(PyNameReport(NameReport) as "NameReport", "Keys whose MSP or customer name differs from the rest." {
    msp_name: Option<String> => "str | None" = |s| s.msp_name.clone();
    msp_mismatches: Vec<PyNameMismatch> => "list[NameMismatch]" = |s| s.msp_mismatches.iter().cloned().map(Into::into).collect();
    customer_mismatches: Vec<PyNameMismatch> => "list[NameMismatch]" = |s| s.customer_mismatches.iter().cloned().map(Into::into).collect();
});

document!(PyStateSpan(StateSpan) as "StateSpan", "A licence's state from an instant until another (None: still)." {
    from_: DateTime<Utc> => "datetime" = |s| s.from;
    until: Option<DateTime<Utc>> => "datetime | None" = |s| s.until;
    state: PyLicenceState => "LicenceState" = |s| s.state.into();
});

document!(PyLicenceHistory(LicenceHistory) as "LicenceHistory", "One licence's states over time: what billing reads." {
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    product: u8 => "int" = |s| s.product.get();
    edition: Option<String> => "str | None" = |s| s.edition.clone();
    account: String => "str" = |s| s.account.clone();
    site: Option<String> => "str | None" = |s| s.site.clone();
    machine: String => "str" = |s| s.machine.clone();
    spans: Vec<PyStateSpan> => "list[StateSpan]" = |s| s.spans.clone().into_iter().map(Into::into).collect();
    activations: Vec<DateTime<Utc>> => "list[datetime]" = |s| s.activations.clone();
    deactivations: Vec<DateTime<Utc>> => "list[datetime]" = |s| s.deactivations.clone();
    placements: Vec<PyPlacement> => "list[Placement]" = |s| s.placements.iter().cloned().map(Into::into).collect();
    jobs: Vec<PyJobSpan> => "list[JobSpan]" = |s| s.jobs.iter().cloned().map(Into::into).collect();
}
extra_stub "    @staticmethod\n    def from_json(text: str) -> LicenceHistory: ...\n";
methods {
    /// Reads one history from :meth:`to_json` text.
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let t = crate::errors::text(text, "text")?;
        serde_json::from_str::<LicenceHistory>(&t)
            .map(Self::from)
            .map_err(|e| to_py(keyledger::format::FormatError::from_json_error(&e)))
    }
});

document!(PyAccount(Account) as "Account", "An account (customer) of the MSP." {
    id: u32 => "int" = |s| s.id.0;
    name: String => "str" = |s| s.name.clone();
    address: Option<String> => "str | None" = |s| s.address.clone();
    notes: Option<String> => "str | None" = |s| s.notes.clone();
});

document!(PySite(Site) as "Site", "A site of an account." {
    id: u32 => "int" = |s| s.id.0;
    account: u32 => "int" = |s| s.account.0;
    name: String => "str" = |s| s.name.clone();
    address: Option<String> => "str | None" = |s| s.address.clone();
    notes: Option<String> => "str | None" = |s| s.notes.clone();
});

document!(PyOrg(Org) as "Org", "Accounts and sites." {
    accounts: Vec<PyAccount> => "list[Account]" = |s| s.accounts().cloned().map(Into::into).collect();
    sites: Vec<PySite> => "list[Site]" = |s| s.sites().cloned().map(Into::into).collect();
});

document!(PyLifecyclePolicy(LifecyclePolicy) as "LifecyclePolicy", "The thresholds of the life cycle (the seed's 7, 14 and 30 days by default)." {
    late_after_seconds: i64 => "int" = |s| s.late_after_seconds;
    disabled_after_seconds: i64 => "int" = |s| s.disabled_after_seconds;
    lapse_after_seconds: i64 => "int" = |s| s.lapse_after_seconds;
}
extra_stub "    def __new__(cls, late_after_seconds: int | None = None, disabled_after_seconds: int | None = None, lapse_after_seconds: int | None = None) -> Self: ...\n";
methods {
    #[new]
    #[pyo3(signature = (late_after_seconds=None, disabled_after_seconds=None, lapse_after_seconds=None))]
    fn new(
        late_after_seconds: Option<&Bound<'_, PyAny>>,
        disabled_after_seconds: Option<&Bound<'_, PyAny>>,
        lapse_after_seconds: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let d = LifecyclePolicy::default();
        let pick = |o: Option<&Bound<'_, PyAny>>, name: &str, dflt: i64| match o {
            Some(v) if !v.is_none() => i64_arg(v, name),
            _ => Ok(dflt),
        };
        Ok(LifecyclePolicy {
            late_after_seconds: pick(late_after_seconds, "late_after_seconds", d.late_after_seconds)?,
            disabled_after_seconds: pick(disabled_after_seconds, "disabled_after_seconds", d.disabled_after_seconds)?,
            lapse_after_seconds: pick(lapse_after_seconds, "lapse_after_seconds", d.lapse_after_seconds)?,
        }
        .into())
    }
});

document!(PyContainer(Container) as "Container", "Where a key lives: an account, or a site of an account." {
    account: Option<u32> => "int | None" = |s| match s { Container::Account(a) => Some(a.0), Container::Site(_) => None };
    site: Option<u32> => "int | None" = |s| match s { Container::Site(x) => Some(x.0), Container::Account(_) => None };
}
extra_stub "    @staticmethod\n    def in_account(account: int) -> Container: ...\n    @staticmethod\n    def in_site(site: int) -> Container: ...\n    def __eq__(self, other: object, /) -> bool: ...\n";
methods {
    /// Directly in an account (0 is the Default Account).
    #[staticmethod]
    fn in_account(account: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Container::Account(AccountId(u32_arg(account, "account")?)).into())
    }
    /// In a site.
    #[staticmethod]
    fn in_site(site: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Container::Site(SiteId(u32_arg(site, "site")?)).into())
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().map(|o| o.get().inner == self.inner).unwrap_or(false)
    }
});

/// A container: directly in an account (0 is the Default Account).
#[pyfunction]
fn account(account_id: &Bound<'_, PyAny>) -> PyResult<PyContainer> {
    Ok(Container::Account(AccountId(u32_arg(account_id, "account_id")?)).into())
}

/// A container: a site.
#[pyfunction]
fn site(site_id: &Bound<'_, PyAny>) -> PyResult<PyContainer> {
    Ok(Container::Site(SiteId(u32_arg(site_id, "site_id")?)).into())
}

fn container_arg(obj: Option<&Bound<'_, PyAny>>, argument: &str) -> PyResult<Container> {
    match obj {
        None => Ok(Container::Account(AccountId(0))),
        Some(o) if o.is_none() => Ok(Container::Account(AccountId(0))),
        Some(o) => o.cast::<PyContainer>().map(|c| c.get().inner).map_err(|_| {
            bad_argument(
                argument,
                "expected a Container (keyledger.account(id) or keyledger.site(id))",
            )
        }),
    }
}

pub(crate) fn policy_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<LifecyclePolicy> {
    match obj {
        None => Ok(LifecyclePolicy::default()),
        Some(o) if o.is_none() => Ok(LifecyclePolicy::default()),
        Some(o) => o
            .cast::<PyLifecyclePolicy>()
            .map(|p| p.get().inner)
            .map_err(|_| bad_argument("policy", "expected a LifecyclePolicy or None")),
    }
}

fn events_arg(obj: &Bound<'_, PyAny>) -> PyResult<Vec<LedgerEvent>> {
    items(obj, "events", |x| {
        x.cast::<PyLedgerEvent>()
            .map(|e| e.get().inner.clone())
            .map_err(|_| bad_argument("events", "expected LedgerEvent items"))
    })
}

/// The licence ledger: accounts, sites, keys and the life of every licence.
///
/// Every command takes ``now`` (an aware datetime) and either returns what happened or raises,
/// leaving the ledger exactly as it was.
#[pyclass(name = "Ledger", module = "keyledger")]
pub(crate) struct PyLedger {
    inner: Ledger,
}

impl PyLedger {
    fn run(&mut self, command: LedgerCommand, now: &Bound<'_, PyAny>) -> PyResult<Outcome> {
        crate::log::execute(&mut self.inner, command, now).map(Outcome::from)
    }
}

#[pymethods]
impl PyLedger {
    #[new]
    #[pyo3(signature = (catalog=None, policy=None))]
    fn new(
        catalog: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let c = catalog_ref(catalog, "catalog")?.clone();
        let inner = Ledger::with_policy(c, policy_arg(policy)?).map_err(to_py)?;
        Ok(PyLedger { inner })
    }

    /// Reads a ledger written by :meth:`to_json` (raises FormatError).
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let t = crate::errors::text(text, "text")?;
        Ok(PyLedger {
            inner: Ledger::from_json(&t).map_err(to_py)?,
        })
    }

    /// The ledger as a versioned JSON document.
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py)
    }

    /// Rebuilds a ledger from its events.
    #[staticmethod]
    #[pyo3(signature = (events, catalog=None, policy=None))]
    fn replay(
        events: &Bound<'_, PyAny>,
        catalog: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let c = catalog_ref(catalog, "catalog")?.clone();
        let inner = Ledger::replay(c, policy_arg(policy)?, &events_arg(events)?).map_err(to_py)?;
        Ok(PyLedger { inner })
    }

    /// Applies one event: True if new, False if it was applied before (idempotent by id).
    fn apply(&mut self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        let e = event
            .cast::<PyLedgerEvent>()
            .map_err(|_| bad_argument("event", "expected a LedgerEvent"))?;
        crate::log::apply(&mut self.inner, &e.get().inner)
    }

    /// Events as JSON text (storage).
    #[staticmethod]
    fn events_to_json(events: &Bound<'_, PyAny>) -> PyResult<String> {
        Ledger::events_to_json(&events_arg(events)?).map_err(to_py)
    }

    /// Events from JSON text written by :meth:`events_to_json`.
    #[staticmethod]
    fn events_from_json(text: &Bound<'_, PyAny>) -> PyResult<Vec<PyLedgerEvent>> {
        let t = crate::errors::text(text, "text")?;
        let events = Ledger::events_from_json(&t).map_err(to_py)?;
        Ok(events.into_iter().map(Into::into).collect())
    }

    /// The id the next event gets.
    #[getter]
    fn next_event_id(&self) -> u64 {
        self.inner.next_event_id()
    }

    /// The catalog the ledger knows.
    #[getter]
    fn catalog(&self) -> PyCatalog {
        PyCatalog {
            inner: self.inner.catalog().clone(),
        }
    }

    /// Every key, in generation order.
    #[getter]
    fn keys(&self) -> Vec<PyProductKey> {
        self.inner.keys().map(Into::into).collect()
    }

    /// Accounts and sites.
    fn org(&self) -> PyOrg {
        self.inner.org().clone().into()
    }

    /// Creates an account; returns its id.
    #[pyo3(signature = (name, *, now, address=None, notes=None))]
    fn create_account(
        &mut self,
        name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        address: Option<&Bound<'_, PyAny>>,
        notes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u32> {
        let cmd = LedgerCommand::CreateAccount {
            name: crate::errors::text(name, "name")?.into_owned(),
            address: opt_text(address, "address")?,
            notes: opt_text(notes, "notes")?,
        };
        let out = self.run(cmd, now)?;
        Ok(out.created_account().map_or(0, |a| a.0))
    }

    /// Deletes an empty account.
    #[pyo3(signature = (account, *, now))]
    fn delete_account(
        &mut self,
        account: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::DeleteAccount {
            account: AccountId(u32_arg(account, "account")?),
        };
        self.run(cmd, now).map(Into::into)
    }

    /// Creates a site in an account; returns its id.
    #[pyo3(signature = (account, name, *, now, address=None, notes=None))]
    fn create_site(
        &mut self,
        account: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        address: Option<&Bound<'_, PyAny>>,
        notes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u32> {
        let cmd = LedgerCommand::CreateSite {
            account: AccountId(u32_arg(account, "account")?),
            name: crate::errors::text(name, "name")?.into_owned(),
            address: opt_text(address, "address")?,
            notes: opt_text(notes, "notes")?,
        };
        let out = self.run(cmd, now)?;
        Ok(out.created_site().map_or(0, |s| s.0))
    }

    /// Moves a site (with its keys) to another account.
    #[pyo3(signature = (site, to, *, now))]
    fn move_site(
        &mut self,
        site: &Bound<'_, PyAny>,
        to: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::MoveSite {
            site: SiteId(u32_arg(site, "site")?),
            to: AccountId(u32_arg(to, "to")?),
        };
        self.run(cmd, now).map(Into::into)
    }

    /// Deletes an empty site.
    #[pyo3(signature = (site, *, now))]
    fn delete_site(
        &mut self,
        site: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::DeleteSite {
            site: SiteId(u32_arg(site, "site")?),
        };
        self.run(cmd, now).map(Into::into)
    }

    /// Records keys made elsewhere (by an issuer) in a container.
    #[pyo3(signature = (product, keys, container=None, *, now))]
    fn record_keys(
        &mut self,
        product: &Bound<'_, PyAny>,
        keys: &Bound<'_, PyAny>,
        container: Option<&Bound<'_, PyAny>>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::RecordKeys {
            product: product_arg(product)?,
            container: container_arg(container, "container")?,
            keys: items(keys, "keys", |k| key_arg(k, "keys"))?,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// Makes keys with the issuer (next serials) and records them in a container.
    #[pyo3(signature = (issuer, product, quantity, container=None, *, now))]
    fn generate_keys(
        &mut self,
        issuer: &Bound<'_, PyAny>,
        product: &Bound<'_, PyAny>,
        quantity: &Bound<'_, PyAny>,
        container: Option<&Bound<'_, PyAny>>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyProductKey>> {
        let issuer = issuer
            .cast::<PyIssuer>()
            .map_err(|_| bad_argument("issuer", "expected an Issuer"))?
            .try_borrow()
            .map_err(|e| bad_argument("issuer", e))?;
        let out = self
            .inner
            .generate_keys(
                &issuer.inner,
                product_arg(product)?,
                u32_arg(quantity, "quantity")?,
                container_arg(container, "container")?,
                instant(now, "now")?,
            )
            .map_err(to_py)?;
        Ok(out.keys.into_iter().map(Into::into).collect())
    }

    /// Moves a key to another account or site.
    #[pyo3(signature = (key, to, *, now))]
    fn move_key(
        &mut self,
        key: &Bound<'_, PyAny>,
        to: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::MoveKey {
            key: key_arg(key, "key")?,
            to: container_arg(Some(to), "to")?,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// A product activates a key on a machine.
    #[pyo3(signature = (key, machine, msp_name, customer_name, *, now, edition=None, computer_role=None))]
    #[allow(clippy::too_many_arguments)]
    fn activate(
        &mut self,
        key: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        msp_name: &Bound<'_, PyAny>,
        customer_name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        edition: Option<&Bound<'_, PyAny>>,
        computer_role: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::Activate {
            key: key_arg(key, "key")?,
            machine: crate::errors::text(machine, "machine")?.into_owned(),
            msp_name: crate::errors::text(msp_name, "msp_name")?.into_owned(),
            customer_name: crate::errors::text(customer_name, "customer_name")?.into_owned(),
            computer_role: opt_text(computer_role, "computer_role")?,
            edition: opt_text(edition, "edition")?,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// The daily call-home: the decision the product acts on (with the events it caused).
    #[pyo3(signature = (key, machine, *, now))]
    fn call_home(
        &mut self,
        key: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyCallHomeDecision> {
        let cmd = LedgerCommand::CallHome {
            key: key_arg(key, "key")?,
            machine: crate::errors::text(machine, "machine")?.into_owned(),
        };
        self.run(cmd, now).map(Into::into)
    }

    /// The MSP clicks Deactivate: pending until the next call-home.
    #[pyo3(signature = (key, machine=None, *, now))]
    fn deactivate(
        &mut self,
        key: &Bound<'_, PyAny>,
        machine: Option<&Bound<'_, PyAny>>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::Deactivate {
            key: key_arg(key, "key")?,
            machine: opt_text(machine, "machine")?,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// The MSP clicks Reactivate.
    #[pyo3(signature = (key, machine=None, *, now))]
    fn reactivate(
        &mut self,
        key: &Bound<'_, PyAny>,
        machine: Option<&Bound<'_, PyAny>>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::Reactivate {
            key: key_arg(key, "key")?,
            machine: opt_text(machine, "machine")?,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// Sets a legacy key's static status.
    #[pyo3(signature = (key, active, *, now))]
    fn set_legacy_status(
        &mut self,
        key: &Bound<'_, PyAny>,
        active: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::SetLegacyStatus {
            key: key_arg(key, "key")?,
            active: bool_arg(active, "active")?,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// Records the machine a legacy licence is installed on.
    #[pyo3(signature = (key, machine, *, now))]
    fn set_legacy_machine(
        &mut self,
        key: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let cmd = LedgerCommand::SetLegacyMachine {
            key: key_arg(key, "key")?,
            machine: crate::errors::text(machine, "machine")?.into_owned(),
        };
        self.run(cmd, now).map(Into::into)
    }

    /// An ImageManager job of ``job_type`` starts on a key (refused with the numbers past the
    /// type's job licences).
    #[pyo3(signature = (key, job_type, job_name, machine, *, now))]
    fn start_job(
        &mut self,
        key: &Bound<'_, PyAny>,
        job_type: &Bound<'_, PyAny>,
        job_name: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let (key, job_type, job_name, machine) = job_args(key, job_type, job_name, machine)?;
        let cmd = LedgerCommand::StartJob {
            key,
            job_type,
            job_name,
            machine,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// An ImageManager job ends.
    #[pyo3(signature = (key, job_type, job_name, machine, *, now))]
    fn end_job(
        &mut self,
        key: &Bound<'_, PyAny>,
        job_type: &Bound<'_, PyAny>,
        job_name: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyOutcome> {
        let (key, job_type, job_name, machine) = job_args(key, job_type, job_name, machine)?;
        let cmd = LedgerCommand::EndJob {
            key,
            job_type,
            job_name,
            machine,
        };
        self.run(cmd, now).map(Into::into)
    }

    /// The console's Product Key Detail at ``now``.
    fn status(&self, key: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<PyKeyStatus> {
        let k = key_arg(key, "key")?;
        self.inner
            .status(&k, instant(now, "now")?)
            .map(Into::into)
            .map_err(to_py)
    }

    /// Just the key's state at ``now``.
    fn state(&self, key: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> PyResult<PyLicenceState> {
        let k = key_arg(key, "key")?;
        self.inner
            .status(&k, instant(now, "now")?)
            .map(|s| s.state.into())
            .map_err(to_py)
    }

    /// The status of every key.
    fn statuses(&self, now: &Bound<'_, PyAny>) -> PyResult<Vec<PyKeyStatus>> {
        Ok(self
            .inner
            .statuses(instant(now, "now")?)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many licences are in each state at ``now``.
    fn state_counts(&self, now: &Bound<'_, PyAny>) -> PyResult<Vec<(PyLicenceState, usize)>> {
        Ok(self
            .inner
            .state_counts(instant(now, "now")?)
            .into_iter()
            .map(|(s, n)| (s.into(), n))
            .collect())
    }

    /// A key's activation history up to ``now``.
    fn history(
        &self,
        key: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyHistoryEntry>> {
        let k = key_arg(key, "key")?;
        Ok(self
            .inner
            .history(&k, instant(now, "now")?)
            .map_err(to_py)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Keys whose MSP or customer name differs from the rest.
    fn name_consistency(&self) -> PyNameReport {
        self.inner.name_consistency().into()
    }

    /// Checks a key against the issuer and the ledger (unknown, late, disabled, deactivated...).
    fn validate(
        &self,
        issuer: &Bound<'_, PyAny>,
        text: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<PyKeyCheck> {
        let issuer = issuer
            .cast::<PyIssuer>()
            .map_err(|_| bad_argument("issuer", "expected an Issuer"))?
            .try_borrow()
            .map_err(|e| bad_argument("issuer", e))?;
        let t = key_text(text, "text")?;
        let now = instant(now, "now")?;
        Ok(PyKeyCheck::new(
            self.inner.validate(&issuer.inner, t.as_str(), now),
            &t,
        ))
    }

    /// One history per licence (states over time), for billing.
    fn licence_histories(&self, until: &Bound<'_, PyAny>) -> PyResult<Vec<PyLicenceHistory>> {
        Ok(self
            .inner
            .licence_histories(instant(until, "until")?)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Signs an offline call-home certificate for a live licence; returns its one-line text.
    #[pyo3(signature = (signer, key, machine, *, now, validity_seconds=None, nonce=None))]
    #[allow(clippy::too_many_arguments)]
    fn issue_certificate(
        &self,
        signer: &Bound<'_, PyAny>,
        key: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        validity_seconds: Option<&Bound<'_, PyAny>>,
        nonce: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let signer = signer
            .cast::<PyCertificateIssuer>()
            .map_err(|_| bad_argument("signer", "expected a CertificateIssuer"))?;
        let (validity, nonce) = validity_nonce(validity_seconds, nonce)?;
        let c = self
            .inner
            .issue_certificate(
                &signer.get().inner,
                &key_arg(key, "key")?,
                &crate::errors::text(machine, "machine")?,
                instant(now, "now")?,
                validity,
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

const DEFAULT_VALIDITY: i64 = 7 * 86_400;

fn validity_nonce(
    validity_seconds: Option<&Bound<'_, PyAny>>,
    nonce: Option<&Bound<'_, PyAny>>,
) -> PyResult<(i64, u64)> {
    let validity = match validity_seconds {
        Some(v) if !v.is_none() => i64_arg(v, "validity_seconds")?,
        _ => DEFAULT_VALIDITY,
    };
    let nonce = match nonce {
        Some(n) if !n.is_none() => u64_arg(n, "nonce")?,
        _ => 0,
    };
    Ok((validity, nonce))
}

document!(PyCertificate(offline::CallHomeCertificate) as "CallHomeCertificate", "A verified offline call-home certificate." {
    key: PyProductKey => "ProductKey" = |s| s.key.into();
    machine: String => "str" = |s| s.machine.clone();
    not_before: DateTime<Utc> => "datetime" = |s| s.not_before;
    not_after: DateTime<Utc> => "datetime" = |s| s.not_after;
    issued_at: DateTime<Utc> => "datetime" = |s| s.issued_at;
    signing_key_id: u8 => "int" = |s| s.signing_key_id;
    nonce: u64 => "int" = |s| s.nonce;
});

/// Signs offline call-home certificates with an Ed25519 key (32 secret bytes; never shown).
#[pyclass(frozen, name = "CertificateIssuer", module = "keyledger")]
pub(crate) struct PyCertificateIssuer {
    inner: offline::CertificateIssuer,
}

#[pymethods]
impl PyCertificateIssuer {
    #[new]
    #[pyo3(signature = (secret, key_id=None))]
    fn new(secret: &Bound<'_, PyAny>, key_id: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let id = match key_id {
            Some(k) if !k.is_none() => u8_arg(k, "key_id")?,
            _ => 0,
        };
        let secret = crate::errors::bytes_arg(secret, "secret")?;
        Ok(PyCertificateIssuer {
            inner: offline::CertificateIssuer::from_slice(id, &secret).map_err(to_py)?,
        })
    }

    /// The id written into certificates.
    #[getter]
    fn key_id(&self) -> u8 {
        self.inner.key_id()
    }

    /// The 32-byte public key products verify with.
    #[getter]
    fn verifying_key<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        pyo3::types::PyBytes::new(py, &self.inner.verifying_key())
    }

    /// A certificate for ``key`` on ``machine`` valid from ``now``: its one-line text.
    #[pyo3(signature = (key, machine, *, now, validity_seconds=None, nonce=None))]
    fn issue(
        &self,
        key: &Bound<'_, PyAny>,
        machine: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        validity_seconds: Option<&Bound<'_, PyAny>>,
        nonce: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let (validity, nonce) = validity_nonce(validity_seconds, nonce)?;
        let c = self
            .inner
            .issue(
                key_arg(key, "key")?,
                &crate::errors::text(machine, "machine")?,
                instant(now, "now")?,
                validity,
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

/// Verifies a certificate with the public keys alone (``{key_id: 32 bytes}``); raises OfflineError.
#[pyfunction]
fn verify_certificate(
    public_keys: &Bound<'_, PyAny>,
    text: &Bound<'_, PyAny>,
    machine: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
) -> PyResult<PyCertificate> {
    let d = public_keys
        .cast::<pyo3::types::PyDict>()
        .map_err(|_| bad_argument("public_keys", "expected a dict {key_id: 32 bytes}"))?;
    let mut keys = Vec::new();
    for (k, v) in d.iter() {
        let id = u8_arg(&k, "public_keys")?;
        let bytes = crate::errors::bytes_arg(&v, "public_keys")?;
        let arr = <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| bad_argument("public_keys", format!("key {id} is not 32 bytes")))?;
        keys.push((id, arr));
    }
    let c = offline::verify_certificate(
        &keys,
        &crate::errors::text(text, "text")?,
        &crate::errors::text(machine, "machine")?,
        instant(now, "now")?,
    )
    .map_err(to_py)?;
    Ok(c.into())
}

/// Raises OfflineError (``offline.clock_rollback``) if ``now`` is more than the tolerance before
/// ``high_water``; returns the new high-water mark.
#[pyfunction]
#[pyo3(signature = (high_water, now, tolerance_seconds=None))]
fn check_clock(
    high_water: Option<&Bound<'_, PyAny>>,
    now: &Bound<'_, PyAny>,
    tolerance_seconds: Option<&Bound<'_, PyAny>>,
) -> PyResult<DateTime<Utc>> {
    let hw = crate::errors::opt_instant(high_water, "high_water")?;
    let tol = match tolerance_seconds {
        Some(t) if !t.is_none() => i64_arg(t, "tolerance_seconds")?,
        _ => offline::DEFAULT_ROLLBACK_TOLERANCE_SECONDS,
    };
    offline::check_clock(hw, instant(now, "now")?, tol).map_err(to_py)
}

pub(crate) const STUBS: &[&str] = &[
    PyLicenceState::STUB,
    PyHistoryKind::STUB,
    PyRunningJob::STUB,
    PyJobUse::STUB,
    PyPlacement::STUB,
    PyJobSpan::STUB,
    ACTION_STUB,
    PyLedgerEvent::STUB,
    PyCallHomeDecision::STUB,
    PyOutcome::STUB,
    PyHistoryEntry::STUB,
    PyLicenceStatus::STUB,
    PyKeyStatus::STUB,
    PyNameMismatch::STUB,
    PyNameReport::STUB,
    PyStateSpan::STUB,
    PyLicenceHistory::STUB,
    PyAccount::STUB,
    PySite::STUB,
    PyOrg::STUB,
    PyLifecyclePolicy::STUB,
    PyContainer::STUB,
    PyCertificate::STUB,
];

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLedger>()?;
    m.add_class::<PyLicenceState>()?;
    m.add_class::<PyHistoryKind>()?;
    m.add_class::<PyRunningJob>()?;
    m.add_class::<PyJobUse>()?;
    m.add_class::<PyPlacement>()?;
    m.add_class::<PyJobSpan>()?;
    m.add_class::<PyCallHomeAction>()?;
    m.add_class::<PyLedgerEvent>()?;
    m.add_class::<PyCallHomeDecision>()?;
    m.add_class::<PyOutcome>()?;
    m.add_class::<PyHistoryEntry>()?;
    m.add_class::<PyLicenceStatus>()?;
    m.add_class::<PyKeyStatus>()?;
    m.add_class::<PyNameMismatch>()?;
    m.add_class::<PyNameReport>()?;
    m.add_class::<PyStateSpan>()?;
    m.add_class::<PyLicenceHistory>()?;
    m.add_class::<PyAccount>()?;
    m.add_class::<PySite>()?;
    m.add_class::<PyOrg>()?;
    m.add_class::<PyLifecyclePolicy>()?;
    m.add_class::<PyContainer>()?;
    m.add_class::<PyCertificateIssuer>()?;
    m.add_class::<PyCertificate>()?;
    m.add_function(wrap_pyfunction!(account, m)?)?;
    m.add_function(wrap_pyfunction!(site, m)?)?;
    m.add_function(wrap_pyfunction!(verify_certificate, m)?)?;
    m.add_function(wrap_pyfunction!(check_clock, m)?)?;
    m.add(
        "DEFAULT_ROLLBACK_TOLERANCE_SECONDS",
        offline::DEFAULT_ROLLBACK_TOLERANCE_SECONDS,
    )?;
    let _ = to_dict::<()>;
    let _ = to_json_text::<()>;
    Ok(())
}

/// The arguments of `start_job` / `end_job`: the key, the job type, the job name and the machine.
fn job_args(
    key: &Bound<'_, PyAny>,
    job_type: &Bound<'_, PyAny>,
    job_name: &Bound<'_, PyAny>,
    machine: &Bound<'_, PyAny>,
) -> PyResult<(keyledger::key::ProductKey, String, String, String)> {
    Ok((
        key_arg(key, "key")?,
        crate::errors::text(job_type, "job_type")?.into_owned(),
        crate::errors::text(job_name, "job_name")?.into_owned(),
        crate::errors::text(machine, "machine")?.into_owned(),
    ))
}
