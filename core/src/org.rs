//! Accounts and sites: the containers that product keys live in.
//!
//! An [`Account`] is a client of the MSP; a [`Site`] is a geographic location inside one account. The
//! `Default Account` (id 0) always exists and cannot be deleted. Names are unique among siblings
//! (accounts among accounts, sites among the sites of one account), compared exactly after trimming.
//! Ids are assigned in order and never reused; a deleted container keeps its id as a tombstone.
//!
//! ```
//! use keyledger::org::{Org, AccountId};
//! let mut org = Org::default();
//! assert_eq!(org.account(AccountId::DEFAULT).unwrap().name, "Default Account");
//! let acme = org.check_new_account("Acme")?;
//! org.add_account(acme, "Acme".into(), None, None);
//! assert!(org.check_new_account("Acme").is_err());
//! # Ok::<(), keyledger::org::OrgError>(())
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// Id of an account. `AccountId::DEFAULT` is the Default Account.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountId(pub u32);

impl AccountId {
    /// The Default Account, which always exists.
    pub const DEFAULT: AccountId = AccountId(0);
}

/// Id of a site.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SiteId(pub u32);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account {}", self.0)
    }
}

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "site {}", self.0)
    }
}

/// Where a product key lives: an account, or a site of an account.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// Directly in an account.
    Account(AccountId),
    /// In a site (which is in an account).
    Site(SiteId),
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Container::Account(a) => a.fmt(f),
            Container::Site(s) => s.fmt(f),
        }
    }
}

crate::error::coded! {
/// Errors of the organisation module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub enum OrgError {
    /// No account with that id (or it was deleted).
    #[code = "org.unknown_account"]
    #[error("there is no {account}")]
    UnknownAccount {
        /// The id asked for.
        account: AccountId,
    },
    /// No site with that id (or it was deleted).
    #[code = "org.unknown_site"]
    #[error("there is no {site}")]
    UnknownSite {
        /// The id asked for.
        site: SiteId,
    },
    /// A sibling already has that name.
    #[code = "org.duplicate_name"]
    #[error("{parent} already has a {what} named \"{name}\"")]
    DuplicateName {
        /// "account" or "site".
        what: &'static str,
        /// The name.
        name: String,
        /// Where the clash is ("the organisation" or an account).
        parent: String,
    },
    /// Names must not be empty.
    #[code = "org.empty_name"]
    #[error("a {what} name must not be empty")]
    EmptyName {
        /// "account" or "site".
        what: &'static str,
    },
    /// Deleting a container that still holds something.
    #[code = "org.not_empty"]
    #[error("{container} still holds {keys} product key(s) and {sites} site(s); move or delete them first")]
    NotEmpty {
        /// The container.
        container: Container,
        /// Keys it holds.
        keys: usize,
        /// Sites it holds (accounts only).
        sites: usize,
    },
    /// The Default Account cannot be deleted.
    #[code = "org.default_account"]
    #[error("the Default Account cannot be deleted")]
    DefaultAccount,
}
}

impl OrgError {}

/// A client of the MSP.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Name as shown in the console.
    pub name: String,
    /// Optional address.
    pub address: Option<String>,
    /// Optional notes (contact, account number...).
    pub notes: Option<String>,
}

/// A geographic location inside an account.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Its id.
    pub id: SiteId,
    /// The account it belongs to.
    pub account: AccountId,
    /// Name as shown in the console.
    pub name: String,
    /// Optional address.
    pub address: Option<String>,
    /// Optional notes.
    pub notes: Option<String>,
}

/// Accounts and sites. Deleted entries stay as `None` so ids are never reused.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    accounts: Vec<Option<Account>>,
    sites: Vec<Option<Site>>,
}

impl Default for Org {
    /// An organisation with only the Default Account.
    fn default() -> Self {
        Org {
            accounts: vec![Some(Account {
                id: AccountId::DEFAULT,
                name: "Default Account".into(),
                address: None,
                notes: None,
            })],
            sites: Vec::new(),
        }
    }
}

fn clean(name: &str, what: &'static str) -> Result<String, OrgError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(OrgError::EmptyName { what });
    }
    Ok(n.to_string())
}

impl Org {
    /// The account with this id, if it exists.
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId};
    /// assert!(Org::default().account(AccountId(7)).is_none());
    /// ```
    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// The site with this id, if it exists.
    ///
    /// ```
    /// # use keyledger::org::{Org, SiteId};
    /// assert!(Org::default().site(SiteId(0)).is_none());
    /// ```
    pub fn site(&self, id: SiteId) -> Option<&Site> {
        self.sites.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// All live accounts, by id.
    ///
    /// ```
    /// # use keyledger::org::Org;
    /// assert_eq!(Org::default().accounts().count(), 1);
    /// ```
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter().flatten()
    }

    /// All live sites, by id.
    ///
    /// ```
    /// # use keyledger::org::Org;
    /// assert_eq!(Org::default().sites().count(), 0);
    /// ```
    pub fn sites(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().flatten()
    }

    /// The account a container belongs to.
    ///
    /// # Errors
    /// [`OrgError::UnknownAccount`] / [`OrgError::UnknownSite`].
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId, Container};
    /// let org = Org::default();
    /// assert_eq!(org.account_of(Container::Account(AccountId::DEFAULT))?, AccountId::DEFAULT);
    /// # Ok::<(), keyledger::org::OrgError>(())
    /// ```
    pub fn account_of(&self, c: Container) -> Result<AccountId, OrgError> {
        match c {
            Container::Account(a) => self
                .account(a)
                .map(|x| x.id)
                .ok_or(OrgError::UnknownAccount { account: a }),
            Container::Site(s) => self
                .site(s)
                .map(|x| x.account)
                .ok_or(OrgError::UnknownSite { site: s }),
        }
    }

    /// Account and site names of a container, for reports.
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId, Container};
    /// let (a, s) = Org::default().names_of(Container::Account(AccountId::DEFAULT));
    /// assert_eq!((a.as_str(), s), ("Default Account", None));
    /// ```
    pub fn names_of(&self, c: Container) -> (String, Option<String>) {
        match c {
            Container::Account(a) => (
                self.account(a).map(|x| x.name.clone()).unwrap_or_default(),
                None,
            ),
            Container::Site(s) => match self.site(s) {
                Some(site) => (
                    self.account(site.account)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    Some(site.name.clone()),
                ),
                None => (String::new(), None),
            },
        }
    }

    /// The id the next account gets.
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId};
    /// assert_eq!(Org::default().next_account_id(), AccountId(1));
    /// ```
    pub fn next_account_id(&self) -> AccountId {
        AccountId(self.accounts.len() as u32)
    }

    /// The id the next site gets.
    ///
    /// ```
    /// # use keyledger::org::{Org, SiteId};
    /// assert_eq!(Org::default().next_site_id(), SiteId(0));
    /// ```
    pub fn next_site_id(&self) -> SiteId {
        SiteId(self.sites.len() as u32)
    }

    /// Checks a new account name; returns the id the account will get.
    ///
    /// # Errors
    /// [`OrgError::EmptyName`], [`OrgError::DuplicateName`].
    ///
    /// ```
    /// # use keyledger::org::Org;
    /// assert_eq!(Org::default().check_new_account(" ").unwrap_err().code(), "org.empty_name");
    /// ```
    pub fn check_new_account(&self, name: &str) -> Result<AccountId, OrgError> {
        let name = clean(name, "account")?;
        if self.accounts().any(|a| a.name == name) {
            return Err(OrgError::DuplicateName {
                what: "account",
                name,
                parent: "the organisation".into(),
            });
        }
        Ok(self.next_account_id())
    }

    /// Adds an account (after [`check_new_account`](Self::check_new_account)).
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId};
    /// let mut org = Org::default();
    /// org.add_account(AccountId(1), "Acme".into(), None, None);
    /// assert_eq!(org.account(AccountId(1)).unwrap().name, "Acme");
    /// ```
    pub fn add_account(
        &mut self,
        id: AccountId,
        name: String,
        address: Option<String>,
        notes: Option<String>,
    ) {
        let i = id.0 as usize;
        if self.accounts.len() <= i {
            self.accounts.resize(i + 1, None);
        }
        if let Some(slot) = self.accounts.get_mut(i) {
            *slot = Some(Account {
                id,
                name: name.trim().to_string(),
                address,
                notes,
            });
        }
    }

    /// Checks a new site name in an account; returns the id the site will get.
    ///
    /// # Errors
    /// [`OrgError::UnknownAccount`], [`OrgError::EmptyName`], [`OrgError::DuplicateName`].
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId};
    /// assert!(Org::default().check_new_site(AccountId(9), "Berlin").is_err());
    /// ```
    pub fn check_new_site(&self, account: AccountId, name: &str) -> Result<SiteId, OrgError> {
        let acc = self
            .account(account)
            .ok_or(OrgError::UnknownAccount { account })?;
        let name = clean(name, "site")?;
        self.check_site_name_free(account, &name, &acc.name)?;
        Ok(self.next_site_id())
    }

    fn check_site_name_free(
        &self,
        account: AccountId,
        name: &str,
        account_name: &str,
    ) -> Result<(), OrgError> {
        if self.sites().any(|s| s.account == account && s.name == name) {
            return Err(OrgError::DuplicateName {
                what: "site",
                name: name.to_string(),
                parent: format!("account \"{account_name}\""),
            });
        }
        Ok(())
    }

    /// Adds a site (after [`check_new_site`](Self::check_new_site)).
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId, SiteId};
    /// let mut org = Org::default();
    /// org.add_site(SiteId(0), AccountId::DEFAULT, "HQ".into(), None, None);
    /// assert_eq!(org.site(SiteId(0)).unwrap().account, AccountId::DEFAULT);
    /// ```
    pub fn add_site(
        &mut self,
        id: SiteId,
        account: AccountId,
        name: String,
        address: Option<String>,
        notes: Option<String>,
    ) {
        let i = id.0 as usize;
        if self.sites.len() <= i {
            self.sites.resize(i + 1, None);
        }
        if let Some(slot) = self.sites.get_mut(i) {
            *slot = Some(Site {
                id,
                account,
                name: name.trim().to_string(),
                address,
                notes,
            });
        }
    }

    /// Checks that a site can move to another account (the name must be free there).
    ///
    /// # Errors
    /// [`OrgError::UnknownSite`], [`OrgError::UnknownAccount`], [`OrgError::DuplicateName`].
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId, SiteId};
    /// assert!(Org::default().check_move_site(SiteId(0), AccountId::DEFAULT).is_err());
    /// ```
    pub fn check_move_site(&self, site: SiteId, to: AccountId) -> Result<(), OrgError> {
        let s = self.site(site).ok_or(OrgError::UnknownSite { site })?;
        let acc = self
            .account(to)
            .ok_or(OrgError::UnknownAccount { account: to })?;
        if s.account == to {
            return Ok(());
        }
        self.check_site_name_free(to, &s.name, &acc.name)
    }

    /// Moves a site (after [`check_move_site`](Self::check_move_site)).
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId, SiteId};
    /// let mut org = Org::default();
    /// org.add_account(AccountId(1), "Acme".into(), None, None);
    /// org.add_site(SiteId(0), AccountId::DEFAULT, "HQ".into(), None, None);
    /// org.move_site(SiteId(0), AccountId(1));
    /// assert_eq!(org.site(SiteId(0)).unwrap().account, AccountId(1));
    /// ```
    pub fn move_site(&mut self, site: SiteId, to: AccountId) {
        if let Some(Some(s)) = self.sites.get_mut(site.0 as usize) {
            s.account = to;
        }
    }

    /// Sites of an account.
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId};
    /// assert_eq!(Org::default().sites_of(AccountId::DEFAULT).count(), 0);
    /// ```
    pub fn sites_of(&self, account: AccountId) -> impl Iterator<Item = &Site> {
        self.sites().filter(move |s| s.account == account)
    }

    /// Removes a container (the caller has checked it is empty).
    ///
    /// ```
    /// # use keyledger::org::{Org, AccountId, Container};
    /// let mut org = Org::default();
    /// org.add_account(AccountId(1), "Acme".into(), None, None);
    /// org.remove(Container::Account(AccountId(1)));
    /// assert!(org.account(AccountId(1)).is_none());
    /// ```
    pub fn remove(&mut self, c: Container) {
        match c {
            Container::Account(a) => {
                if a != AccountId::DEFAULT {
                    if let Some(slot) = self.accounts.get_mut(a.0 as usize) {
                        *slot = None;
                    }
                }
            }
            Container::Site(s) => {
                if let Some(slot) = self.sites.get_mut(s.0 as usize) {
                    *slot = None;
                }
            }
        }
    }
}
