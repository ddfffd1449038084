//! Quota accounting: the subscription control panel's book, with a method per command.

use crate::doc::{document, py_enum};
use crate::errors::{bad_argument, bool_arg, items, opt_text, opt_u64, to_py, u32_arg, u64_arg};
use chrono::{DateTime, Utc};
use keyledger::quota::{
    AccountView, Counters, CustomerLine, Drift, Gauge, GroupId, LicenceId, LicenceType, Limits,
    QuotaBook, QuotaCommand, QuotaEvent, RefreshReport, ResellerView, SaleModel, TypeCounters,
    TypeUsage,
};
use pyo3::prelude::*;

py_enum!(PyQuotaLicenceType(LicenceType) as "QuotaLicenceType", "A quota licence's type: desktop or server backup." {
    Desktop = "DESKTOP" / "desktop" => LicenceType::Desktop => LicenceType::Desktop,
    Server = "SERVER" / "server" => LicenceType::Server => LicenceType::Server,
});

fn kind_arg(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<LicenceType> {
    obj.cast::<PyQuotaLicenceType>()
        .map(|k| k.get().to_core())
        .map_err(|_| bad_argument(argument, "expected a QuotaLicenceType"))
}

document!(PyLimits(Limits) as "Limits", "What a subscription may use (None: unlimited)." {
    desktop_licences: Option<u64> => "int | None" = |s| s.desktop_licences;
    server_licences: Option<u64> => "int | None" = |s| s.server_licences;
    desktop_gb: Option<u64> => "int | None" = |s| s.desktop_gb;
    server_gb: Option<u64> => "int | None" = |s| s.server_gb;
    sync_available: bool => "bool" = |s| s.sync_available;
    sync_default_quota_gb: u64 => "int" = |s| s.sync_default_quota_gb;
}
extra_stub "    def __new__(cls, *, desktop_licences: int | None = None, server_licences: int | None = None, desktop_gb: int | None = None, server_gb: int | None = None, sync_available: bool | None = None, sync_default_quota_gb: int | None = None) -> Self: ...\n    @staticmethod\n    def seed_plan() -> Limits: ...\n";
methods {
    #[new]
    #[pyo3(signature = (*, desktop_licences=None, server_licences=None, desktop_gb=None, server_gb=None, sync_available=None, sync_default_quota_gb=None))]
    fn new(
        desktop_licences: Option<&Bound<'_, PyAny>>,
        server_licences: Option<&Bound<'_, PyAny>>,
        desktop_gb: Option<&Bound<'_, PyAny>>,
        server_gb: Option<&Bound<'_, PyAny>>,
        sync_available: Option<&Bound<'_, PyAny>>,
        sync_default_quota_gb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(Limits {
            desktop_licences: opt_u64(desktop_licences, "desktop_licences")?,
            server_licences: opt_u64(server_licences, "server_licences")?,
            desktop_gb: opt_u64(desktop_gb, "desktop_gb")?,
            server_gb: opt_u64(server_gb, "server_gb")?,
            sync_available: match sync_available {
                Some(b) if !b.is_none() => bool_arg(b, "sync_available")?,
                _ => false,
            },
            sync_default_quota_gb: opt_u64(sync_default_quota_gb, "sync_default_quota_gb")?.unwrap_or(0),
        }
        .into())
    }
    /// The seed's plan (the core's preset).
    #[staticmethod]
    fn seed_plan() -> Self {
        Limits::seed_plan().into()
    }
});

fn limits_arg(obj: &Bound<'_, PyAny>) -> PyResult<Limits> {
    obj.cast::<PyLimits>()
        .map(|l| l.get().inner.clone())
        .map_err(|_| bad_argument("limits", "expected a Limits"))
}

document!(PyQuotaEvent(QuotaEvent) as "QuotaEvent", "One quota event: what happened, when, with its id." {
    id: u64 => "int" = |s| s.id;
    at: DateTime<Utc> => "datetime" = |s| s.at;
    kind: String => "str" = |s| field(&s.kind, "type").and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    subscription: Option<String> => "str | None" = |s| field(&s.kind, "subscription").and_then(|v| v.as_str().map(String::from));
    licence: Option<u64> => "int | None" = |s| field(&s.kind, "licence").and_then(|v| v.as_u64());
    login: Option<String> => "str | None" = |s| field(&s.kind, "login").and_then(|v| v.as_str().map(String::from));
}
extra_stub "    def __eq__(self, other: object, /) -> bool: ...\n";
methods {
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().map(|o| o.get().inner == self.inner).unwrap_or(false)
    }
});

fn field(kind: &impl serde::Serialize, name: &str) -> Option<serde_json::Value> {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.get(name).cloned())
}

document!(PyTypeUsage(TypeUsage) as "TypeUsage", "Licences and GB of one licence type: assigned, activated, used, limits." {
    assigned_licences: u64 => "int" = |s| s.assigned_licences;
    activated_licences: u64 => "int" = |s| s.activated_licences;
    licence_limit: Option<u64> => "int | None" = |s| s.licence_limit;
    assigned_gb: u64 => "int" = |s| s.assigned_gb;
    used_gb: u64 => "int" = |s| s.used_gb;
    gb_limit: Option<u64> => "int | None" = |s| s.gb_limit;
});

document!(PyAccountView(AccountView) as "AccountView", "The customer's Account tab." {
    subscription: String => "str" = |s| s.subscription.to_string();
    company: String => "str" = |s| s.company.clone();
    admin_name: Option<String> => "str | None" = |s| s.admin.as_ref().map(|a| a.0.clone());
    admin_email: Option<String> => "str | None" = |s| s.admin.as_ref().map(|a| a.1.clone());
    notice: Option<String> => "str | None" = |s| s.notice.clone();
    sync_available: bool => "bool" = |s| s.sync_available;
    sync_enabled: bool => "bool" = |s| s.sync_enabled;
    sync_default_quota_gb: u64 => "int" = |s| s.sync_default_quota_gb;
    groups_tab_visible: bool => "bool" = |s| s.groups_tab_visible;
    users: u64 => "int" = |s| s.users;
    desktop: PyTypeUsage => "TypeUsage" = |s| s.desktop.clone().into();
    server: PyTypeUsage => "TypeUsage" = |s| s.server.clone().into();
    text: String => "str" = |s| s.text();
});

document!(PyGauge(Gauge) as "Gauge", "A used / limit gauge." {
    used: u64 => "int" = |s| s.used;
    limit: Option<u64> => "int | None" = |s| s.limit;
    percent: Option<String> => "str | None" = |s| s.percent();
});

document!(PyCustomerLine(CustomerLine) as "CustomerLine", "One customer in a reseller's view." {
    subscription: String => "str" = |s| s.subscription.to_string();
    company: String => "str" = |s| s.company.clone();
    email: Option<String> => "str | None" = |s| s.email.clone();
    notice: Option<String> => "str | None" = |s| s.notice.clone();
    desktop_quota: PyGauge => "Gauge" = |s| s.desktop_quota.into();
    desktop_keys: PyGauge => "Gauge" = |s| s.desktop_keys.into();
    server_quota: PyGauge => "Gauge" = |s| s.server_quota.into();
    server_keys: PyGauge => "Gauge" = |s| s.server_keys.into();
});

document!(PyResellerView(ResellerView) as "ResellerView", "The reseller's customers with their gauges." {
    reseller: String => "str" = |s| s.reseller.to_string();
    name: String => "str" = |s| s.name.clone();
    email: String => "str" = |s| s.email.clone();
    cancelled: bool => "bool" = |s| s.cancelled;
    customers: Vec<PyCustomerLine> => "list[CustomerLine]" = |s| s.customers.iter().cloned().map(Into::into).collect();
    text: String => "str" = |s| s.text();
});

document!(PyTypeCounters(TypeCounters) as "TypeCounters", "Stored counters of one licence type." {
    assigned_licences: u64 => "int" = |s| s.assigned_licences;
    activated_licences: u64 => "int" = |s| s.activated_licences;
    assigned_gb: u64 => "int" = |s| s.assigned_gb;
    used_gb: u64 => "int" = |s| s.used_gb;
});

document!(PyCounters(Counters) as "Counters", "A subscription's counters." {
    desktop: PyTypeCounters => "TypeCounters" = |s| s.desktop.into();
    server: PyTypeCounters => "TypeCounters" = |s| s.server.into();
    suspended_users: u64 => "int" = |s| s.suspended_users;
});

document!(PyDrift(Drift) as "Drift", "A counter whose stored value differs from the recomputed one." {
    counter: String => "str" = |s| s.counter.clone();
    stored: u64 => "int" = |s| s.stored;
    actual: u64 => "int" = |s| s.actual;
});

document!(PyRefreshReport(RefreshReport) as "RefreshReport", "Counters recomputed from the licences, with any drift." {
    subscription: String => "str" = |s| s.subscription.to_string();
    stored: PyCounters => "Counters" = |s| s.stored.into();
    recomputed: PyCounters => "Counters" = |s| s.recomputed.into();
    drift: Vec<PyDrift> => "list[Drift]" = |s| s.drift.iter().cloned().map(Into::into).collect();
});

/// The subscription control panel's book: limits, users, licences, groups, partners, resellers.
///
/// Each command is a method with keyword arguments; it returns its events or raises
/// :class:`QuotaError` with nothing changed.
#[pyclass(name = "QuotaBook", module = "keyledger")]
pub(crate) struct PyQuotaBook {
    inner: QuotaBook,
}

type Events = PyResult<Vec<PyQuotaEvent>>;

impl PyQuotaBook {
    fn run(&mut self, command: QuotaCommand, now: &Bound<'_, PyAny>) -> Events {
        let decided = crate::log::execute(&mut self.inner, command, now)?;
        Ok(decided.events.into_iter().map(Into::into).collect())
    }
}

/// A text argument, as text or as a text id (a subscription, a login, a reseller).
fn s<T: From<String>>(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<T> {
    crate::errors::text(obj, argument).map(|t| T::from(t.into_owned()))
}

#[pymethods]
impl PyQuotaBook {
    #[new]
    fn new() -> Self {
        PyQuotaBook {
            inner: QuotaBook::new(),
        }
    }

    /// Reads a book written by :meth:`to_json`.
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyQuotaBook {
            inner: QuotaBook::from_json(&crate::errors::text(text, "text")?).map_err(to_py)?,
        })
    }

    /// The book as a versioned JSON document.
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py)
    }

    /// Rebuilds a book from its events.
    #[staticmethod]
    fn replay(events: &Bound<'_, PyAny>) -> PyResult<Self> {
        let events = items(events, "events", |x| {
            x.cast::<PyQuotaEvent>()
                .map(|e| e.get().inner.clone())
                .map_err(|_| bad_argument("events", "expected QuotaEvent items"))
        })?;
        Ok(PyQuotaBook {
            inner: QuotaBook::replay(&events).map_err(to_py)?,
        })
    }

    /// Applies one event: True if new, False if applied before.
    fn apply(&mut self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        let e = event
            .cast::<PyQuotaEvent>()
            .map_err(|_| bad_argument("event", "expected a QuotaEvent"))?;
        crate::log::apply(&mut self.inner, &e.get().inner)
    }

    /// The id the next event gets.
    #[getter]
    fn next_event_id(&self) -> u64 {
        self.inner.next_event_id()
    }

    /// Every subscription's id.
    #[getter]
    fn subscription_ids(&self) -> Vec<String> {
        self.inner
            .subscription_ids()
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// Creates a subscription, sold directly (``reseller=None``) or by a reseller.
    #[pyo3(signature = (subscription, *, company, admin_name, email, limits, now, reseller=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_subscription(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        company: &Bound<'_, PyAny>,
        admin_name: &Bound<'_, PyAny>,
        email: &Bound<'_, PyAny>,
        limits: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        reseller: Option<&Bound<'_, PyAny>>,
    ) -> Events {
        let model = match opt_text(reseller, "reseller")? {
            None => SaleModel::Direct,
            Some(r) => SaleModel::Reseller(r.into()),
        };
        let cmd = QuotaCommand::CreateSubscription {
            subscription: s(subscription, "subscription")?,
            company: s(company, "company")?,
            admin_name: s(admin_name, "admin_name")?,
            email: s(email, "email")?,
            model,
            limits: limits_arg(limits)?,
        };
        self.run(cmd, now)
    }

    /// Assigns the subscription's admin (staff member).
    #[pyo3(signature = (subscription, *, admin_name, email, now))]
    fn assign_admin(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        admin_name: &Bound<'_, PyAny>,
        email: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::AssignAdmin {
            subscription: s(subscription, "subscription")?,
            admin_name: s(admin_name, "admin_name")?,
            email: s(email, "email")?,
        };
        self.run(cmd, now)
    }

    /// Changes the limits (never below what is assigned).
    #[pyo3(signature = (subscription, *, limits, now))]
    fn change_limits(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        limits: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::ChangeLimits {
            subscription: s(subscription, "subscription")?,
            limits: limits_arg(limits)?,
        };
        self.run(cmd, now)
    }

    /// Enables or disables sync for the subscription.
    #[pyo3(signature = (subscription, *, enabled, now))]
    fn set_subscription_sync(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        enabled: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::SetSubscriptionSync {
            subscription: s(subscription, "subscription")?,
            enabled: bool_arg(enabled, "enabled")?,
        };
        self.run(cmd, now)
    }

    /// Shows or hides the Groups tab.
    #[pyo3(signature = (subscription, *, visible, now))]
    fn set_groups_tab(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        visible: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::SetGroupsTab {
            subscription: s(subscription, "subscription")?,
            visible: bool_arg(visible, "visible")?,
        };
        self.run(cmd, now)
    }

    /// Creates a user, optionally in a group and with a licence of ``kind`` and ``quota_gb``.
    #[pyo3(signature = (subscription, login, *, display_name, now, group=None, kind=None, quota_gb=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_user(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        display_name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        group: Option<&Bound<'_, PyAny>>,
        kind: Option<&Bound<'_, PyAny>>,
        quota_gb: Option<&Bound<'_, PyAny>>,
    ) -> Events {
        let group = match group {
            Some(g) if !g.is_none() => Some(GroupId(u32_arg(g, "group")?)),
            _ => None,
        };
        let licence = match (
            kind.filter(|k| !k.is_none()),
            opt_u64(quota_gb, "quota_gb")?,
        ) {
            (None, None) => None,
            (Some(k), Some(gb)) => Some((kind_arg(k, "kind")?, gb)),
            _ => {
                return Err(bad_argument(
                    "kind",
                    "give both kind and quota_gb for a licence, or neither",
                ))
            }
        };
        let cmd = QuotaCommand::CreateUser {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
            display_name: s(display_name, "display_name")?,
            group,
            licence,
        };
        self.run(cmd, now)
    }

    /// Suspends a user.
    #[pyo3(signature = (subscription, login, *, now))]
    fn suspend_user(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::SuspendUser {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
        };
        self.run(cmd, now)
    }

    /// Activates a suspended user.
    #[pyo3(signature = (subscription, login, *, now))]
    fn activate_user(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::ActivateUser {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
        };
        self.run(cmd, now)
    }

    /// Removes a user and their licences.
    #[pyo3(signature = (subscription, login, *, now))]
    fn remove_user(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::RemoveUser {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
        };
        self.run(cmd, now)
    }

    /// Enables or disables sync for one user.
    #[pyo3(signature = (subscription, login, *, enabled, now))]
    fn set_user_sync(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        enabled: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::SetUserSync {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
            enabled: bool_arg(enabled, "enabled")?,
        };
        self.run(cmd, now)
    }

    /// Moves a user to another group.
    #[pyo3(signature = (subscription, login, *, group, now))]
    fn move_user(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        group: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::MoveUser {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
            group: GroupId(u32_arg(group, "group")?),
        };
        self.run(cmd, now)
    }

    /// Assigns a licence of ``kind`` with ``quota_gb`` to a user.
    #[pyo3(signature = (subscription, login, *, kind, quota_gb, now))]
    fn assign_licence(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        login: &Bound<'_, PyAny>,
        kind: &Bound<'_, PyAny>,
        quota_gb: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::AssignLicence {
            subscription: s(subscription, "subscription")?,
            login: s(login, "login")?,
            kind: kind_arg(kind, "kind")?,
            quota_gb: u64_arg(quota_gb, "quota_gb")?,
        };
        self.run(cmd, now)
    }

    /// Changes a licence's quota.
    #[pyo3(signature = (subscription, licence, *, quota_gb, now))]
    fn change_quota(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        licence: &Bound<'_, PyAny>,
        quota_gb: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::ChangeQuota {
            subscription: s(subscription, "subscription")?,
            licence: LicenceId(u64_arg(licence, "licence")?),
            quota_gb: u64_arg(quota_gb, "quota_gb")?,
        };
        self.run(cmd, now)
    }

    /// Removes a licence.
    #[pyo3(signature = (subscription, licence, *, now))]
    fn remove_licence(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        licence: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::RemoveLicence {
            subscription: s(subscription, "subscription")?,
            licence: LicenceId(u64_arg(licence, "licence")?),
        };
        self.run(cmd, now)
    }

    /// Records a licence's used GB.
    #[pyo3(signature = (subscription, licence, *, used_gb, now))]
    fn record_usage(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        licence: &Bound<'_, PyAny>,
        used_gb: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::RecordUsage {
            subscription: s(subscription, "subscription")?,
            licence: LicenceId(u64_arg(licence, "licence")?),
            used_gb: u64_arg(used_gb, "used_gb")?,
        };
        self.run(cmd, now)
    }

    /// Records whether a licence is activated on a machine.
    #[pyo3(signature = (subscription, licence, *, activated, now))]
    fn record_activation(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        licence: &Bound<'_, PyAny>,
        activated: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::RecordActivation {
            subscription: s(subscription, "subscription")?,
            licence: LicenceId(u64_arg(licence, "licence")?),
            activated: bool_arg(activated, "activated")?,
        };
        self.run(cmd, now)
    }

    /// Creates a user group (direct sales only).
    #[pyo3(signature = (subscription, name, *, now))]
    fn create_group(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::CreateGroup {
            subscription: s(subscription, "subscription")?,
            name: s(name, "name")?,
        };
        self.run(cmd, now)
    }

    /// Renames a group.
    #[pyo3(signature = (subscription, group, *, name, now))]
    fn rename_group(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        group: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::RenameGroup {
            subscription: s(subscription, "subscription")?,
            group: GroupId(u32_arg(group, "group")?),
            name: s(name, "name")?,
        };
        self.run(cmd, now)
    }

    /// Deletes an empty group.
    #[pyo3(signature = (subscription, group, *, now))]
    fn delete_group(
        &mut self,
        subscription: &Bound<'_, PyAny>,
        group: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::DeleteGroup {
            subscription: s(subscription, "subscription")?,
            group: GroupId(u32_arg(group, "group")?),
        };
        self.run(cmd, now)
    }

    /// Recomputes the counters from the licences (the panel's Refresh).
    #[pyo3(signature = (subscription, *, now))]
    fn refresh(&mut self, subscription: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> Events {
        let cmd = QuotaCommand::Refresh {
            subscription: s(subscription, "subscription")?,
        };
        self.run(cmd, now)
    }

    /// Registers a reseller (partner).
    #[pyo3(signature = (reseller, *, name, email, now))]
    fn register_reseller(
        &mut self,
        reseller: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        email: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
    ) -> Events {
        let cmd = QuotaCommand::RegisterReseller {
            reseller: s(reseller, "reseller")?,
            name: s(name, "name")?,
            email: s(email, "email")?,
        };
        self.run(cmd, now)
    }

    /// A reseller cancels its own subscription: its customers' subscriptions stop.
    #[pyo3(signature = (reseller, *, now))]
    fn cancel_reseller(&mut self, reseller: &Bound<'_, PyAny>, now: &Bound<'_, PyAny>) -> Events {
        let cmd = QuotaCommand::CancelReseller {
            reseller: s(reseller, "reseller")?,
        };
        self.run(cmd, now)
    }

    /// The customer's Account tab.
    fn account_view(&self, subscription: &Bound<'_, PyAny>) -> PyResult<PyAccountView> {
        self.inner
            .account_view(&crate::errors::text(subscription, "subscription")?)
            .map(Into::into)
            .map_err(to_py)
    }

    /// The reseller's customers with percentages.
    fn reseller_view(&self, reseller: &Bound<'_, PyAny>) -> PyResult<PyResellerView> {
        self.inner
            .reseller_view(&crate::errors::text(reseller, "reseller")?)
            .map(Into::into)
            .map_err(to_py)
    }

    /// Counters recomputed from the licences, with any drift (changes nothing).
    fn refresh_report(&self, subscription: &Bound<'_, PyAny>) -> PyResult<PyRefreshReport> {
        self.inner
            .refresh_report(&crate::errors::text(subscription, "subscription")?)
            .map(Into::into)
            .map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!(
            "QuotaBook(subscriptions={}, next_event_id={})",
            self.inner.subscription_ids().len(),
            self.inner.next_event_id()
        )
    }
}

pub(crate) const STUBS: &[&str] = &[
    PyQuotaLicenceType::STUB,
    PyLimits::STUB,
    PyQuotaEvent::STUB,
    PyTypeUsage::STUB,
    PyAccountView::STUB,
    PyGauge::STUB,
    PyCustomerLine::STUB,
    PyResellerView::STUB,
    PyTypeCounters::STUB,
    PyCounters::STUB,
    PyDrift::STUB,
    PyRefreshReport::STUB,
];

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyQuotaBook>()?;
    m.add_class::<PyQuotaLicenceType>()?;
    m.add_class::<PyLimits>()?;
    m.add_class::<PyQuotaEvent>()?;
    m.add_class::<PyTypeUsage>()?;
    m.add_class::<PyAccountView>()?;
    m.add_class::<PyGauge>()?;
    m.add_class::<PyCustomerLine>()?;
    m.add_class::<PyResellerView>()?;
    m.add_class::<PyTypeCounters>()?;
    m.add_class::<PyCounters>()?;
    m.add_class::<PyDrift>()?;
    m.add_class::<PyRefreshReport>()?;
    Ok(())
}
