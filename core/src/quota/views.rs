//! Read-only views: the account tab, the reseller's customer list, the refresh report.

use super::{
    Counters, LicenceType, QuotaBook, QuotaError, ResellerId, StopReason, Subscription,
    SubscriptionId, TypeCounters,
};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One licence type of the account view: assigned/limit licences, activated/limit licences,
/// assigned/limit GB, used/limit GB. A `None` limit is unlimited.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeUsage {
    /// Licences assigned.
    pub assigned_licences: u64,
    /// Licences activated.
    pub activated_licences: u64,
    /// Licence limit.
    pub licence_limit: Option<u64>,
    /// GB assigned (sum of quotas).
    pub assigned_gb: u64,
    /// GB used (sum of reported usage).
    pub used_gb: u64,
    /// GB limit.
    pub gb_limit: Option<u64>,
}

fn limit_text(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".to_string(), |l| l.to_string())
}

impl TypeUsage {
    fn new(c: &TypeCounters, licence_limit: Option<u64>, gb_limit: Option<u64>) -> Self {
        TypeUsage {
            assigned_licences: c.assigned_licences,
            activated_licences: c.activated_licences,
            licence_limit,
            assigned_gb: c.assigned_gb,
            used_gb: c.used_gb,
            gb_limit,
        }
    }

    /// The two lines the account tab shows for this type.
    ///
    /// ```
    /// # use keyledger::quota::TypeUsage;
    /// let u = TypeUsage { assigned_licences: 1, activated_licences: 0, licence_limit: Some(10),
    ///     assigned_gb: 10, used_gb: 0, gb_limit: None };
    /// assert_eq!(u.lines(), [
    ///     "Assigned: 1 / 10 Licenses   Used: 0 / unlimited GB".to_string(),
    ///     "Activated: 0 / 10 Licenses   Assigned: 10 / unlimited GB".to_string(),
    /// ]);
    /// ```
    pub fn lines(&self) -> [String; 2] {
        let ll = limit_text(self.licence_limit);
        let gl = limit_text(self.gb_limit);
        [
            format!(
                "Assigned: {} / {ll} Licenses   Used: {} / {gl} GB",
                self.assigned_licences, self.used_gb
            ),
            format!(
                "Activated: {} / {ll} Licenses   Assigned: {} / {gl} GB",
                self.activated_licences, self.assigned_gb
            ),
        ]
    }
}

/// The customer's Account tab.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Subscription id.
    pub subscription: SubscriptionId,
    /// Company name.
    pub company: String,
    /// The admin's name and email, if provisioned.
    pub admin: Option<(String, String)>,
    /// Why it cannot be used, if it cannot: held for an email, or stopped by the partner.
    pub notice: Option<String>,
    /// Sync offered by the plan.
    pub sync_available: bool,
    /// Sync enabled for the subscription.
    pub sync_enabled: bool,
    /// Default sync quota in GB.
    pub sync_default_quota_gb: u64,
    /// Groups tab shown.
    pub groups_tab_visible: bool,
    /// Number of users.
    pub users: u64,
    /// Desktop backup.
    pub desktop: TypeUsage,
    /// Server backup.
    pub server: TypeUsage,
}

impl AccountView {
    /// The account tab as text.
    ///
    /// ```
    /// # use keyledger::quota::*;
    /// # use chrono::{TimeZone, Utc};
    /// # let mut book = QuotaBook::new();
    /// # book.execute(QuotaCommand::CreateSubscription { subscription: "s".into(), company: "John Doe".into(),
    /// #   admin_name: "John Doe".into(), email: "johndoe@x.com".into(), model: SaleModel::Direct,
    /// #   limits: Limits::seats_and_gb(10, 100, 10, 100) }, Utc.timestamp_opt(0, 0).unwrap())?;
    /// let text = book.account_view("s")?.text();
    /// assert!(text.contains("Desktop Backup\nAssigned: 0 / 10 Licenses   Used: 0 / 100 GB"));
    /// # Ok::<(), QuotaError>(())
    /// ```
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Company name: {}", self.company);
        if let Some((name, email)) = &self.admin {
            let _ = writeln!(out, "User Full Name: {name}\nUser name: {email}");
        }
        if let Some(n) = &self.notice {
            let _ = writeln!(out, "Notice: {n}");
        }
        let sync = match (self.sync_available, self.sync_enabled) {
            (false, _) => "Sync Service Not Available".to_string(),
            (true, false) => "Sync Service Disabled".to_string(),
            (true, true) => format!(
                "Sync Service Enabled (default quota {} GB)",
                self.sync_default_quota_gb
            ),
        };
        let _ = writeln!(out, "{sync}");
        for (title, u) in [
            ("Desktop Backup", &self.desktop),
            ("Server Backup", &self.server),
        ] {
            let [a, b] = u.lines();
            let _ = writeln!(out, "\n{title}\n{a}\n{b}");
        }
        out
    }
}

/// A used/limit gauge of the reseller view.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gauge {
    /// Used (GB or units).
    pub used: u64,
    /// Limit; `None` is unlimited.
    pub limit: Option<u64>,
}

impl Gauge {
    /// The percentage with two decimals, rounded half up, computed in integers (`None` when
    /// unlimited). A limit of 0 with nothing used is `0.00`.
    ///
    /// ```
    /// # use keyledger::quota::Gauge;
    /// assert_eq!(Gauge { used: 1, limit: Some(3) }.percent().as_deref(), Some("33.33"));
    /// assert_eq!(Gauge { used: 2, limit: Some(3) }.percent().as_deref(), Some("66.67"));
    /// assert_eq!(Gauge { used: 0, limit: Some(0) }.percent().as_deref(), Some("0.00"));
    /// assert_eq!(Gauge { used: 5, limit: None }.percent(), None);
    /// ```
    pub fn percent(&self) -> Option<String> {
        let limit = self.limit?;
        if limit == 0 {
            return Some("0.00".to_string());
        }
        let l = u128::from(limit);
        let hundredths = (u128::from(self.used) * 10_000 + l / 2) / l;
        Some(format!("{}.{:02}", hundredths / 100, hundredths % 100))
    }

    /// The seed's text: `{label}: {percent}% ({used} {unit} used of {limit} {unit})`; unlimited
    /// shows `n/a` and `unlimited`.
    ///
    /// ```
    /// # use keyledger::quota::Gauge;
    /// let g = Gauge { used: 0, limit: Some(100) };
    /// assert_eq!(g.text("Desktop Quota", "GB"), "Desktop Quota: 0.00% (0 GB used of 100 GB)");
    /// let g = Gauge { used: 3, limit: None };
    /// assert_eq!(g.text("Server Keys", "units"), "Server Keys: n/a (3 units used of unlimited)");
    /// ```
    pub fn text(&self, label: &str, unit: &str) -> String {
        match (self.percent(), self.limit) {
            (Some(p), Some(l)) => {
                format!("{label}: {p}% ({} {unit} used of {l} {unit})", self.used)
            }
            _ => format!("{label}: n/a ({} {unit} used of unlimited)", self.used),
        }
    }
}

/// One customer of the reseller view.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLine {
    /// Subscription id.
    pub subscription: SubscriptionId,
    /// Company name.
    pub company: String,
    /// Admin email (`None` while held).
    pub email: Option<String>,
    /// Why the subscription does not work, if it does not.
    pub notice: Option<String>,
    /// Desktop GB used of the desktop pool.
    pub desktop_quota: Gauge,
    /// Desktop licences assigned of the desktop licence limit.
    pub desktop_keys: Gauge,
    /// Server GB used of the server pool.
    pub server_quota: Gauge,
    /// Server licences assigned of the server licence limit.
    pub server_keys: Gauge,
}

impl CustomerLine {
    /// The four gauges as the seed shows them.
    ///
    /// ```
    /// # use keyledger::quota::{CustomerLine, Gauge};
    /// let g = Gauge { used: 0, limit: Some(10) };
    /// let c = CustomerLine { subscription: "s".into(), company: "C".into(), email: None, notice: None,
    ///     desktop_quota: g, desktop_keys: g, server_quota: g, server_keys: g };
    /// assert_eq!(c.gauges()[1], "Desktop Keys: 0.00% (0 units used of 10 units)");
    /// ```
    pub fn gauges(&self) -> [String; 4] {
        [
            self.desktop_quota.text("Desktop Quota", "GB"),
            self.desktop_keys.text("Desktop Keys", "units"),
            self.server_quota.text("Server Quota", "GB"),
            self.server_keys.text("Server Keys", "units"),
        ]
    }
}

/// The reseller's view: its info and each customer with percentages.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResellerView {
    /// Reseller id.
    pub reseller: ResellerId,
    /// Name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// Whether the reseller cancelled.
    pub cancelled: bool,
    /// Customers in the order they bought.
    pub customers: Vec<CustomerLine>,
}

impl ResellerView {
    /// The reseller page as text.
    ///
    /// ```
    /// # use keyledger::quota::*;
    /// # use chrono::{TimeZone, Utc};
    /// # let mut book = QuotaBook::new();
    /// # let now = Utc.timestamp_opt(0, 0).unwrap();
    /// book.execute(QuotaCommand::RegisterReseller { reseller: "r".into(),
    ///     name: "Reseller Mozy Test".into(), email: "resellermozy@example.com".into() }, now)?;
    /// let text = book.reseller_view("r")?.text();
    /// assert!(text.contains("Username Reseller Mozy Test"));
    /// # Ok::<(), QuotaError>(())
    /// ```
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Reseller Info\nUsername {}\nLogin {}",
            self.name, self.email
        );
        if self.cancelled {
            let _ = writeln!(out, "Cancelled");
        }
        let _ = writeln!(out, "\nReseller customers");
        for c in &self.customers {
            let _ = writeln!(out, "{}", c.company);
            if let Some(e) = &c.email {
                let _ = writeln!(out, "{e}");
            }
            if let Some(n) = &c.notice {
                let _ = writeln!(out, "{n}");
            }
            let _ = writeln!(out, "{}", c.gauges().join("   "));
        }
        out
    }
}

/// One counter whose stored value differs from the value recomputed from the licences.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// Which counter, e.g. `desktop.assigned_gb`.
    pub counter: String,
    /// The stored value.
    pub stored: u64,
    /// The value recomputed from the licences.
    pub actual: u64,
}

/// The result of recomputing a subscription's counters from its licences.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    /// Subscription id.
    pub subscription: SubscriptionId,
    /// Stored counters.
    pub stored: Counters,
    /// Counters recomputed from the licences.
    pub recomputed: Counters,
    /// Every counter that differs (empty: no drift).
    pub drift: Vec<Drift>,
}

fn notice(sub: &Subscription) -> Option<String> {
    if let Some(r @ StopReason::PartnerCancelled { .. }) = &sub.stopped {
        return Some(r.message());
    }
    if sub.admin.is_none() {
        return Some(format!(
            "The staff member's email used to create the subscription ({}) is already in use; \
             assign a staff member with another email.",
            sub.requested_admin.email
        ));
    }
    None
}

impl QuotaBook {
    /// The customer's Account tab of a subscription (available even when stopped or held).
    ///
    /// # Errors
    /// [`QuotaError::UnknownSubscription`].
    ///
    /// ```
    /// # use keyledger::quota::QuotaBook;
    /// assert_eq!(QuotaBook::new().account_view("x").unwrap_err().code(), "quota.unknown_subscription");
    /// ```
    pub fn account_view(&self, subscription: &str) -> Result<AccountView, QuotaError> {
        let sub = self.sub_ref(subscription)?;
        let l = &sub.limits;
        Ok(AccountView {
            subscription: sub.id.clone(),
            company: sub.company.clone(),
            admin: sub
                .admin
                .as_ref()
                .map(|a| (a.name.clone(), a.email.clone())),
            notice: notice(sub),
            sync_available: l.sync_available,
            sync_enabled: sub.sync_enabled,
            sync_default_quota_gb: l.sync_default_quota_gb,
            groups_tab_visible: sub.groups_tab_visible,
            users: u64::try_from(sub.users.len()).unwrap_or(u64::MAX),
            desktop: TypeUsage::new(
                sub.counters.of(LicenceType::Desktop),
                l.desktop_licences,
                l.desktop_gb,
            ),
            server: TypeUsage::new(
                sub.counters.of(LicenceType::Server),
                l.server_licences,
                l.server_gb,
            ),
        })
    }

    /// The reseller's view of its customers. Keys "used" are licences assigned; quota "used" is GB
    /// used as reported by the service.
    ///
    /// # Errors
    /// [`QuotaError::UnknownReseller`].
    ///
    /// ```
    /// # use keyledger::quota::QuotaBook;
    /// assert_eq!(QuotaBook::new().reseller_view("x").unwrap_err().code(), "quota.unknown_reseller");
    /// ```
    pub fn reseller_view(&self, reseller: &str) -> Result<ResellerView, QuotaError> {
        let r = self
            .resellers
            .get(reseller)
            .ok_or_else(|| QuotaError::UnknownReseller {
                reseller: reseller.to_string(),
            })?;
        let customers = r
            .customers
            .iter()
            .filter_map(|id| self.subscriptions.get(id))
            .map(|sub| {
                let l = &sub.limits;
                let c = &sub.counters;
                CustomerLine {
                    subscription: sub.id.clone(),
                    company: sub.company.clone(),
                    email: sub.admin.as_ref().map(|a| a.email.clone()),
                    notice: notice(sub),
                    desktop_quota: Gauge {
                        used: c.desktop.used_gb,
                        limit: l.desktop_gb,
                    },
                    desktop_keys: Gauge {
                        used: c.desktop.assigned_licences,
                        limit: l.desktop_licences,
                    },
                    server_quota: Gauge {
                        used: c.server.used_gb,
                        limit: l.server_gb,
                    },
                    server_keys: Gauge {
                        used: c.server.assigned_licences,
                        limit: l.server_licences,
                    },
                }
            })
            .collect();
        Ok(ResellerView {
            reseller: r.id.clone(),
            name: r.name.clone(),
            email: r.email.clone(),
            cancelled: r.cancelled,
            customers,
        })
    }

    /// Recomputes every counter of a subscription from its licences and reports any drift. To
    /// correct drift in the book, execute [`QuotaCommand::Refresh`](super::QuotaCommand::Refresh).
    ///
    /// # Errors
    /// [`QuotaError::UnknownSubscription`].
    ///
    /// ```
    /// # use keyledger::quota::QuotaBook;
    /// assert_eq!(QuotaBook::new().refresh_report("x").unwrap_err().code(), "quota.unknown_subscription");
    /// ```
    pub fn refresh_report(&self, subscription: &str) -> Result<RefreshReport, QuotaError> {
        let sub = self.sub_ref(subscription)?;
        let stored = sub.counters;
        let recomputed = sub.recompute_counters();
        let mut drift = Vec::new();
        for (name, s, a) in [
            ("desktop", stored.desktop, recomputed.desktop),
            ("server", stored.server, recomputed.server),
        ] {
            for (field, sv, av) in [
                (
                    "assigned_licences",
                    s.assigned_licences,
                    a.assigned_licences,
                ),
                (
                    "activated_licences",
                    s.activated_licences,
                    a.activated_licences,
                ),
                ("assigned_gb", s.assigned_gb, a.assigned_gb),
                ("used_gb", s.used_gb, a.used_gb),
            ] {
                if sv != av {
                    drift.push(Drift {
                        counter: format!("{name}.{field}"),
                        stored: sv,
                        actual: av,
                    });
                }
            }
        }
        if stored.suspended_users != recomputed.suspended_users {
            drift.push(Drift {
                counter: "suspended_users".to_string(),
                stored: stored.suspended_users,
                actual: recomputed.suspended_users,
            });
        }
        Ok(RefreshReport {
            subscription: sub.id.clone(),
            stored,
            recomputed,
            drift,
        })
    }

    fn sub_ref(&self, id: &str) -> Result<&Subscription, QuotaError> {
        self.subscriptions
            .get(id)
            .ok_or_else(|| QuotaError::UnknownSubscription {
                subscription: id.to_string(),
            })
    }
}
