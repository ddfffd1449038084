//! Quota accounting: the seed's scenarios with hand-computed numbers, bad input, and property tests
//! over random operation sequences.

use chrono::{DateTime, TimeZone, Utc};
use keyledger::quota::*;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

/// Text (or a text id: a subscription, a login, a reseller) from a literal.
fn s<T: From<String>>(x: &str) -> T {
    T::from(x.to_string())
}

fn create_sub(
    book: &mut QuotaBook,
    id: &str,
    email: &str,
    model: SaleModel,
    limits: Limits,
) -> Vec<QuotaEvent> {
    book.execute(
        QuotaCommand::CreateSubscription {
            subscription: s(id),
            company: s("John Doe"),
            admin_name: s("John Doe"),
            email: s(email),
            model,
            limits,
        },
        now(),
    )
    .unwrap()
}

fn user(
    book: &mut QuotaBook,
    sub: &str,
    login: &str,
    licence: Option<(LicenceType, u64)>,
) -> Result<Vec<QuotaEvent>, QuotaError> {
    book.execute(
        QuotaCommand::CreateUser {
            subscription: s(sub),
            login: s(login),
            display_name: s("A user"),
            group: None,
            licence,
        },
        now(),
    )
}

fn direct_book() -> QuotaBook {
    let mut book = QuotaBook::new();
    create_sub(
        &mut book,
        "s",
        "john@doe.test",
        SaleModel::Direct,
        Limits::seats_and_gb(10, 100, 10, 100),
    );
    book
}

#[test]
fn pools_fill_exactly_to_the_limit_and_no_further() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", Some((LicenceType::Desktop, 60))).unwrap();
    user(&mut book, "s", "u2", Some((LicenceType::Desktop, 40))).unwrap();
    let v = book.account_view("s").unwrap();
    assert_eq!(
        (v.desktop.assigned_licences, v.desktop.assigned_gb),
        (2, 100)
    );
    assert_eq!((v.server.assigned_licences, v.server.assigned_gb), (0, 0));
    // One more GB does not fit: 100 of 100 in use, 0 free.
    let before = book.clone();
    let err = book
        .execute(
            QuotaCommand::AssignLicence {
                subscription: s("s"),
                login: s("u1"),
                kind: LicenceType::Desktop,
                quota_gb: 1,
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        QuotaError::LimitExceeded {
            subscription: s("s"),
            resource: Resource::DesktopGb,
            requested: 1,
            in_use: 100,
            limit: 100,
            free: 0
        }
    );
    assert_eq!(book, before);
    // A zero-GB desktop licence still fits (seats 2 of 10).
    book.execute(
        QuotaCommand::AssignLicence {
            subscription: s("s"),
            login: s("u1"),
            kind: LicenceType::Desktop,
            quota_gb: 0,
        },
        now(),
    )
    .unwrap();
    assert_eq!(book.account_view("s").unwrap().desktop.assigned_licences, 3);
}

#[test]
fn seat_limit_is_checked_before_gb() {
    let mut book = QuotaBook::new();
    create_sub(
        &mut book,
        "s",
        "a@b.test",
        SaleModel::Direct,
        Limits::seats_and_gb(1, 100, 0, 0),
    );
    user(&mut book, "s", "u1", Some((LicenceType::Desktop, 1))).unwrap();
    let err = user(&mut book, "s", "u2", Some((LicenceType::Desktop, 1))).unwrap_err();
    assert_eq!(
        err,
        QuotaError::LimitExceeded {
            subscription: s("s"),
            resource: Resource::DesktopLicences,
            requested: 1,
            in_use: 1,
            limit: 1,
            free: 0
        }
    );
    // The user was not created either: the command is atomic.
    assert!(!book.subscription("s").unwrap().users.contains_key("u2"));
    let err = user(&mut book, "s", "u3", Some((LicenceType::Server, 0))).unwrap_err();
    assert_eq!(err.code(), "quota.limit_exceeded");
}

#[test]
fn quota_edits_stay_within_pool_and_above_usage() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", Some((LicenceType::Server, 30))).unwrap();
    user(&mut book, "s", "u2", Some((LicenceType::Server, 50))).unwrap();
    let ex = |book: &mut QuotaBook, c| book.execute(c, now());
    ex(
        &mut book,
        QuotaCommand::RecordUsage {
            subscription: s("s"),
            licence: LicenceId(1),
            used_gb: 25,
        },
    )
    .unwrap();
    // 30 → 50 needs 20 more; 80 of 100 in use: fits exactly.
    ex(
        &mut book,
        QuotaCommand::ChangeQuota {
            subscription: s("s"),
            licence: LicenceId(1),
            quota_gb: 50,
        },
    )
    .unwrap();
    let err = ex(
        &mut book,
        QuotaCommand::ChangeQuota {
            subscription: s("s"),
            licence: LicenceId(1),
            quota_gb: 51,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::LimitExceeded {
            subscription: s("s"),
            resource: Resource::ServerGb,
            requested: 1,
            in_use: 100,
            limit: 100,
            free: 0
        }
    );
    let err = ex(
        &mut book,
        QuotaCommand::ChangeQuota {
            subscription: s("s"),
            licence: LicenceId(1),
            quota_gb: 24,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::QuotaBelowUsage {
            subscription: s("s"),
            licence: LicenceId(1),
            quota_gb: 24,
            used_gb: 25
        }
    );
    ex(
        &mut book,
        QuotaCommand::ChangeQuota {
            subscription: s("s"),
            licence: LicenceId(1),
            quota_gb: 25,
        },
    )
    .unwrap();
    let err = ex(
        &mut book,
        QuotaCommand::RecordUsage {
            subscription: s("s"),
            licence: LicenceId(1),
            used_gb: 26,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::UsageAboveQuota {
            subscription: s("s"),
            licence: LicenceId(1),
            used_gb: 26,
            quota_gb: 25
        }
    );
    ex(
        &mut book,
        QuotaCommand::RecordActivation {
            subscription: s("s"),
            licence: LicenceId(2),
            activated: true,
        },
    )
    .unwrap();
    let v = book.account_view("s").unwrap().server;
    assert_eq!(
        v,
        TypeUsage {
            assigned_licences: 2,
            activated_licences: 1,
            licence_limit: Some(10),
            assigned_gb: 75,
            used_gb: 25,
            gb_limit: Some(100)
        }
    );
    // Removing the licence frees its seat, quota, usage and activation.
    ex(
        &mut book,
        QuotaCommand::RemoveLicence {
            subscription: s("s"),
            licence: LicenceId(2),
        },
    )
    .unwrap();
    let v = book.account_view("s").unwrap().server;
    assert_eq!(
        (
            v.assigned_licences,
            v.activated_licences,
            v.assigned_gb,
            v.used_gb
        ),
        (1, 0, 25, 25)
    );
    assert!(book.subscription("s").unwrap().users["u2"]
        .licences
        .is_empty());
}

#[test]
fn suspended_users_cannot_be_removed_or_managed_and_removal_frees_licences() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", Some((LicenceType::Desktop, 10))).unwrap();
    book.execute(
        QuotaCommand::AssignLicence {
            subscription: s("s"),
            login: s("u1"),
            kind: LicenceType::Server,
            quota_gb: 20,
        },
        now(),
    )
    .unwrap();
    book.execute(
        QuotaCommand::SuspendUser {
            subscription: s("s"),
            login: s("u1"),
        },
        now(),
    )
    .unwrap();
    let suspended = QuotaError::UserSuspended {
        subscription: s("s"),
        login: s("u1"),
    };
    for c in [
        QuotaCommand::RemoveUser {
            subscription: s("s"),
            login: s("u1"),
        },
        QuotaCommand::AssignLicence {
            subscription: s("s"),
            login: s("u1"),
            kind: LicenceType::Desktop,
            quota_gb: 1,
        },
        QuotaCommand::ChangeQuota {
            subscription: s("s"),
            licence: LicenceId(1),
            quota_gb: 11,
        },
        QuotaCommand::RemoveLicence {
            subscription: s("s"),
            licence: LicenceId(1),
        },
        QuotaCommand::MoveUser {
            subscription: s("s"),
            login: s("u1"),
            group: DEFAULT_GROUP,
        },
    ] {
        let before = book.clone();
        assert_eq!(book.execute(c, now()).unwrap_err(), suspended);
        assert_eq!(book, before);
    }
    // The service may still report usage of a suspended user's licence.
    book.execute(
        QuotaCommand::RecordUsage {
            subscription: s("s"),
            licence: LicenceId(1),
            used_gb: 3,
        },
        now(),
    )
    .unwrap();
    // Suspending twice is a no-op, not an error.
    assert!(book
        .execute(
            QuotaCommand::SuspendUser {
                subscription: s("s"),
                login: s("u1")
            },
            now()
        )
        .unwrap()
        .is_empty());
    book.execute(
        QuotaCommand::ActivateUser {
            subscription: s("s"),
            login: s("u1"),
        },
        now(),
    )
    .unwrap();
    book.execute(
        QuotaCommand::RemoveUser {
            subscription: s("s"),
            login: s("u1"),
        },
        now(),
    )
    .unwrap();
    let v = book.account_view("s").unwrap();
    assert_eq!(
        (
            v.users,
            v.desktop.assigned_licences,
            v.desktop.assigned_gb,
            v.desktop.used_gb
        ),
        (0, 0, 0, 0)
    );
    assert_eq!((v.server.assigned_licences, v.server.assigned_gb), (0, 0));
    assert!(book.subscription("s").unwrap().licences.is_empty());
    let err = book
        .execute(
            QuotaCommand::RemoveUser {
                subscription: s("s"),
                login: s("u1"),
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        QuotaError::UnknownUser {
            subscription: s("s"),
            login: s("u1")
        }
    );
}

#[test]
fn duplicate_logins_are_refused() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", None).unwrap();
    assert_eq!(
        user(&mut book, "s", "u1", None).unwrap_err(),
        QuotaError::DuplicateLogin {
            subscription: s("s"),
            login: s("u1")
        }
    );
    // Another subscription may use the same login.
    create_sub(
        &mut book,
        "t",
        "other@doe.test",
        SaleModel::Direct,
        Limits::unlimited(0),
    );
    user(&mut book, "t", "u1", None).unwrap();
}

#[test]
fn sync_needs_the_plan_then_the_subscription_then_the_user() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", None).unwrap();
    let ex = |book: &mut QuotaBook, c| book.execute(c, now());
    let err = ex(
        &mut book,
        QuotaCommand::SetSubscriptionSync {
            subscription: s("s"),
            enabled: true,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::SyncNotAvailable {
            subscription: s("s")
        }
    );
    ex(
        &mut book,
        QuotaCommand::ChangeLimits {
            subscription: s("s"),
            limits: Limits::seats_and_gb(10, 100, 10, 100).with_sync(5),
        },
    )
    .unwrap();
    let err = ex(
        &mut book,
        QuotaCommand::SetUserSync {
            subscription: s("s"),
            login: s("u1"),
            enabled: true,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::SyncNotEnabled {
            subscription: s("s")
        }
    );
    ex(
        &mut book,
        QuotaCommand::SetSubscriptionSync {
            subscription: s("s"),
            enabled: true,
        },
    )
    .unwrap();
    ex(
        &mut book,
        QuotaCommand::SetUserSync {
            subscription: s("s"),
            login: s("u1"),
            enabled: true,
        },
    )
    .unwrap();
    assert!(book.subscription("s").unwrap().users["u1"].sync);
    // Sync cannot leave the plan while enabled.
    let err = ex(
        &mut book,
        QuotaCommand::ChangeLimits {
            subscription: s("s"),
            limits: Limits::seats_and_gb(10, 100, 10, 100),
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::SyncInUse {
            subscription: s("s")
        }
    );
    // Disabling it for the subscription turns it off for every user.
    ex(
        &mut book,
        QuotaCommand::SetSubscriptionSync {
            subscription: s("s"),
            enabled: false,
        },
    )
    .unwrap();
    assert!(!book.subscription("s").unwrap().users["u1"].sync);
}

#[test]
fn groups_direct_sale_only_and_non_empty_groups_are_not_deleted() {
    let mut book = direct_book();
    let ex = |book: &mut QuotaBook, c| book.execute(c, now());
    let ev = ex(
        &mut book,
        QuotaCommand::CreateGroup {
            subscription: s("s"),
            name: s("Sales"),
        },
    )
    .unwrap();
    let QuotaEventKind::GroupCreated { group, .. } = ev[0].kind else {
        panic!("{ev:?}")
    };
    assert_ne!(group, DEFAULT_GROUP);
    let err = ex(
        &mut book,
        QuotaCommand::CreateGroup {
            subscription: s("s"),
            name: s("sales"),
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::DuplicateGroupName {
            subscription: s("s"),
            name: s("sales")
        }
    );
    let err = ex(
        &mut book,
        QuotaCommand::RenameGroup {
            subscription: s("s"),
            group: DEFAULT_GROUP,
            name: s("X"),
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "quota.default_group_fixed");
    ex(
        &mut book,
        QuotaCommand::RenameGroup {
            subscription: s("s"),
            group,
            name: s("Support"),
        },
    )
    .unwrap();
    assert_eq!(
        book.subscription("s").unwrap().group(group).unwrap().name,
        "Support"
    );
    user(&mut book, "s", "u1", None).unwrap();
    user(&mut book, "s", "u2", None).unwrap();
    ex(
        &mut book,
        QuotaCommand::MoveUser {
            subscription: s("s"),
            login: s("u1"),
            group,
        },
    )
    .unwrap();
    ex(
        &mut book,
        QuotaCommand::MoveUser {
            subscription: s("s"),
            login: s("u2"),
            group,
        },
    )
    .unwrap();
    let err = ex(
        &mut book,
        QuotaCommand::DeleteGroup {
            subscription: s("s"),
            group,
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::GroupNotEmpty {
            subscription: s("s"),
            group,
            users: 2
        }
    );
    let err = ex(
        &mut book,
        QuotaCommand::MoveUser {
            subscription: s("s"),
            login: s("u1"),
            group: GroupId(99),
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::UnknownGroup {
            subscription: s("s"),
            group: GroupId(99)
        }
    );
    ex(
        &mut book,
        QuotaCommand::MoveUser {
            subscription: s("s"),
            login: s("u1"),
            group: DEFAULT_GROUP,
        },
    )
    .unwrap();
    ex(
        &mut book,
        QuotaCommand::RemoveUser {
            subscription: s("s"),
            login: s("u2"),
        },
    )
    .unwrap();
    ex(
        &mut book,
        QuotaCommand::DeleteGroup {
            subscription: s("s"),
            group,
        },
    )
    .unwrap();
    assert!(book.subscription("s").unwrap().group(group).is_none());
    ex(
        &mut book,
        QuotaCommand::SetGroupsTab {
            subscription: s("s"),
            visible: false,
        },
    )
    .unwrap();
    assert!(!book.account_view("s").unwrap().groups_tab_visible);

    // Reseller model: no groups.
    ex(
        &mut book,
        QuotaCommand::RegisterReseller {
            reseller: s("r"),
            name: s("R"),
            email: s("r@r.test"),
        },
    )
    .unwrap();
    create_sub(
        &mut book,
        "c",
        "c@c.test",
        SaleModel::Reseller(s("r")),
        Limits::unlimited(0),
    );
    let err = ex(
        &mut book,
        QuotaCommand::CreateGroup {
            subscription: s("c"),
            name: s("G"),
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        QuotaError::GroupsNotAvailable {
            subscription: s("c")
        }
    );
}

#[test]
fn lowering_a_limit_below_what_is_assigned_names_the_numbers() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", Some((LicenceType::Desktop, 40))).unwrap();
    let mut limits = Limits::seats_and_gb(10, 39, 10, 100);
    let err = book
        .execute(
            QuotaCommand::ChangeLimits {
                subscription: s("s"),
                limits: limits.clone(),
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        QuotaError::LimitBelowAssigned {
            subscription: s("s"),
            resource: Resource::DesktopGb,
            limit: 39,
            assigned: 40
        }
    );
    assert!(
        err.to_string().contains("39") && err.to_string().contains("40"),
        "{err}"
    );
    limits.desktop_gb = Some(40);
    limits.desktop_licences = Some(1);
    book.execute(
        QuotaCommand::ChangeLimits {
            subscription: s("s"),
            limits,
        },
        now(),
    )
    .unwrap();
    // Upgrade to unlimited.
    book.execute(
        QuotaCommand::ChangeLimits {
            subscription: s("s"),
            limits: Limits::unlimited(0),
        },
        now(),
    )
    .unwrap();
    user(
        &mut book,
        "s",
        "u2",
        Some((LicenceType::Desktop, u64::MAX - 40)),
    )
    .unwrap();
    let err = user(&mut book, "s", "u3", Some((LicenceType::Desktop, 1))).unwrap_err();
    assert_eq!(
        err,
        QuotaError::Overflow {
            subscription: s("s"),
            resource: Resource::DesktopGb,
            in_use: u64::MAX,
            requested: 1
        }
    );
}

#[test]
fn partner_emails_are_unique_and_a_second_purchase_is_held() {
    let mut book = direct_book();
    let ev = create_sub(
        &mut book,
        "s2",
        " John@Doe.TEST ",
        SaleModel::Direct,
        Limits::unlimited(0),
    );
    assert!(matches!(
        ev[0].kind,
        QuotaEventKind::SubscriptionCreated {
            provisioned: false,
            ..
        }
    ));
    let err = user(&mut book, "s2", "u", None).unwrap_err();
    assert_eq!(
        err,
        QuotaError::SubscriptionHeld {
            subscription: s("s2"),
            email: s("john@doe.test")
        }
    );
    assert!(book
        .account_view("s2")
        .unwrap()
        .notice
        .unwrap()
        .contains("john@doe.test"));
    let err = book
        .execute(
            QuotaCommand::AssignAdmin {
                subscription: s("s2"),
                admin_name: s("X"),
                email: s("JOHN@doe.test"),
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        QuotaError::DuplicateEmail {
            email: s("john@doe.test"),
            holder: EmailHolder::Subscription(s("s"))
        }
    );
    book.execute(
        QuotaCommand::AssignAdmin {
            subscription: s("s2"),
            admin_name: s("Customer 002"),
            email: s("customer002@dominio.com"),
        },
        now(),
    )
    .unwrap();
    user(&mut book, "s2", "u", None).unwrap();
    assert_eq!(
        book.email_holder("customer002@DOMINIO.com"),
        Some(&EmailHolder::Subscription(s("s2")))
    );
    let err = book
        .execute(
            QuotaCommand::RegisterReseller {
                reseller: s("r"),
                name: s("R"),
                email: s("customer002@dominio.com"),
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "quota.duplicate_email");
    // Changing an admin frees the old email.
    book.execute(
        QuotaCommand::AssignAdmin {
            subscription: s("s2"),
            admin_name: s("C3"),
            email: s("c3@dominio.com"),
        },
        now(),
    )
    .unwrap();
    assert_eq!(book.email_holder("customer002@dominio.com"), None);
}

#[test]
fn reseller_view_matches_the_seed_and_cancellation_stops_customers() {
    let mut book = QuotaBook::new();
    book.execute(
        QuotaCommand::RegisterReseller {
            reseller: s("r"),
            name: s("Reseller Mozy Test"),
            email: s("resellermozy@sofcloudit.com"),
        },
        now(),
    )
    .unwrap();
    create_sub(
        &mut book,
        "c1",
        "johnsmithdoe@sofcloudit.com",
        SaleModel::Reseller(s("r")),
        Limits::seats_and_gb(10, 100, 10, 100),
    );
    let v = book.reseller_view("r").unwrap();
    assert_eq!(
        v.customers[0].gauges(),
        [
            "Desktop Quota: 0.00% (0 GB used of 100 GB)",
            "Desktop Keys: 0.00% (0 units used of 10 units)",
            "Server Quota: 0.00% (0 GB used of 100 GB)",
            "Server Keys: 0.00% (0 units used of 10 units)",
        ]
    );
    user(&mut book, "c1", "u", Some((LicenceType::Desktop, 30))).unwrap();
    book.execute(
        QuotaCommand::RecordUsage {
            subscription: s("c1"),
            licence: LicenceId(1),
            used_gb: 12,
        },
        now(),
    )
    .unwrap();
    let v = book.reseller_view("r").unwrap();
    // 12 of 100 GB = 12.00 %; 1 of 10 keys = 10.00 %.
    assert_eq!(
        v.customers[0].gauges()[0],
        "Desktop Quota: 12.00% (12 GB used of 100 GB)"
    );
    assert_eq!(
        v.customers[0].gauges()[1],
        "Desktop Keys: 10.00% (1 units used of 10 units)"
    );

    book.execute(QuotaCommand::CancelReseller { reseller: s("r") }, now())
        .unwrap();
    let sub = book.subscription("c1").unwrap();
    assert_eq!(
        sub.stopped,
        Some(StopReason::PartnerCancelled { reseller: s("r") })
    );
    // Not cancelled: users and licences are still there.
    assert_eq!(sub.licences.len(), 1);
    let err = user(&mut book, "c1", "u2", None).unwrap_err();
    assert_eq!(
        err,
        QuotaError::SubscriptionStopped {
            subscription: s("c1"),
            reseller: s("r")
        }
    );
    assert!(book
        .account_view("c1")
        .unwrap()
        .notice
        .unwrap()
        .contains("partner"));
    assert!(book
        .reseller_view("r")
        .unwrap()
        .text()
        .contains("cancelled the subscription"));
    let err = book
        .execute(
            QuotaCommand::CreateSubscription {
                subscription: s("c2"),
                company: s("C"),
                admin_name: s("A"),
                email: s("x@y.test"),
                model: SaleModel::Reseller(s("r")),
                limits: Limits::unlimited(0),
            },
            now(),
        )
        .unwrap_err();
    assert_eq!(err, QuotaError::ResellerCancelled { reseller: s("r") });
}

#[test]
fn unknown_ids_and_bad_text_are_typed_errors() {
    let mut book = direct_book();
    let cases: Vec<(QuotaCommand, &str)> = vec![
        (
            QuotaCommand::Refresh {
                subscription: s("nope"),
            },
            "quota.unknown_subscription",
        ),
        (
            QuotaCommand::SuspendUser {
                subscription: s("s"),
                login: s("nobody"),
            },
            "quota.unknown_user",
        ),
        (
            QuotaCommand::RemoveLicence {
                subscription: s("s"),
                licence: LicenceId(7),
            },
            "quota.unknown_licence",
        ),
        (
            QuotaCommand::DeleteGroup {
                subscription: s("s"),
                group: GroupId(3),
            },
            "quota.unknown_group",
        ),
        (
            QuotaCommand::CancelReseller {
                reseller: s("nope"),
            },
            "quota.unknown_reseller",
        ),
        (
            QuotaCommand::CreateUser {
                subscription: s("s"),
                login: s(""),
                display_name: s("x"),
                group: None,
                licence: None,
            },
            "quota.invalid_field",
        ),
        (
            QuotaCommand::CreateUser {
                subscription: s("s"),
                login: s(" u"),
                display_name: s("x"),
                group: None,
                licence: None,
            },
            "quota.invalid_field",
        ),
        (
            QuotaCommand::CreateUser {
                subscription: s("s"),
                login: "x".repeat(257).into(),
                display_name: s("x"),
                group: None,
                licence: None,
            },
            "quota.invalid_field",
        ),
        (
            QuotaCommand::RegisterReseller {
                reseller: s("r"),
                name: s("R"),
                email: s("no-at-sign"),
            },
            "quota.invalid_field",
        ),
        (
            QuotaCommand::CreateSubscription {
                subscription: s("s"),
                company: s("C"),
                admin_name: s("A"),
                email: s("q@q.test"),
                model: SaleModel::Direct,
                limits: Limits::unlimited(0),
            },
            "quota.duplicate_subscription",
        ),
    ];
    for (c, code) in cases {
        let before = book.clone();
        let err = book.execute(c.clone(), now()).unwrap_err();
        assert_eq!(err.code(), code, "{c:?}");
        assert_eq!(keyledger::Error::from(err).code(), code);
        assert_eq!(book, before);
    }
    assert_eq!(
        gb_from_i64("quota_gb", -1).unwrap_err().code(),
        "quota.negative"
    );
    assert_eq!(gb_from_i64("quota_gb", i64::MAX), Ok(i64::MAX as u64));
}

#[test]
fn apply_is_idempotent_and_detects_conflicts_and_gaps() {
    let mut book = direct_book();
    let mut events = book
        .execute(
            QuotaCommand::RegisterReseller {
                reseller: s("r"),
                name: s("R"),
                email: s("r@r.test"),
            },
            now(),
        )
        .unwrap();
    events.splice(
        0..0,
        QuotaBook::new()
            .decide(
                &QuotaCommand::CreateSubscription {
                    subscription: s("s"),
                    company: s("John Doe"),
                    admin_name: s("John Doe"),
                    email: s("john@doe.test"),
                    model: SaleModel::Direct,
                    limits: Limits::seats_and_gb(10, 100, 10, 100),
                },
                now(),
            )
            .unwrap(),
    );
    let mut copy = QuotaBook::replay(&events).unwrap();
    assert_eq!(copy, book);
    assert_eq!(copy.apply(&events[1]).unwrap(), Applied::Duplicate);
    let mut forged = events[1].clone();
    forged.kind = QuotaEventKind::ResellerCancelled { reseller: s("r") };
    assert_eq!(
        copy.apply(&forged).unwrap_err(),
        QuotaError::EventConflict { id: 1 }
    );
    let mut late = events[1].clone();
    late.at += chrono::Duration::seconds(1);
    assert_eq!(
        copy.apply(&late).unwrap_err().code(),
        "quota.event_conflict"
    );
    let mut gap = events[1].clone();
    gap.id = 5;
    assert_eq!(
        copy.apply(&gap).unwrap_err(),
        QuotaError::EventGap {
            expected: 2,
            found: 5
        }
    );
    assert_eq!(copy, book);
}

#[test]
fn json_round_trips_and_is_deterministic() {
    let mut book = direct_book();
    for i in 0..10 {
        user(
            &mut book,
            "s",
            &format!("user{i}"),
            Some((LicenceType::Desktop, 1)),
        )
        .unwrap();
    }
    let text = book.to_json().unwrap();
    let back = QuotaBook::from_json(&text).unwrap();
    assert_eq!(back, book);
    assert_eq!(back.to_json().unwrap(), text);
    // Fingerprints are hex strings (JavaScript numbers would lose bits); a bad one is corrupt.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kept = v["data"]["log"]["kept"].as_array().unwrap();
    assert_eq!(kept.len() as u64, book.next_event_id());
    let fps: Vec<&str> = kept.iter().map(|p| p[1].as_str().unwrap()).collect();
    assert!(fps.iter().all(|t| t.len() == 16));
    let first = fps[0];
    let bad = text.replacen(first, "zz", 1);
    assert_eq!(
        QuotaBook::from_json(&bad).unwrap_err().code(),
        "format.corrupt"
    );
    assert_eq!(
        QuotaBook::from_json(&text.replace("keyledger.quota", "keyledger.ledger"))
            .unwrap_err()
            .code(),
        "format.wrong_format"
    );
}

#[test]
fn refresh_reports_and_repairs_drift_in_a_tampered_book() {
    let mut book = direct_book();
    user(&mut book, "s", "u1", Some((LicenceType::Desktop, 10))).unwrap();
    assert!(book.refresh_report("s").unwrap().drift.is_empty());
    assert!(book
        .execute(
            QuotaCommand::Refresh {
                subscription: s("s")
            },
            now()
        )
        .unwrap()
        .is_empty());
    // Tamper with the stored JSON: the desktop assigned_gb counter says 7 instead of 10.
    let text = book
        .to_json()
        .unwrap()
        .replace(r#""assigned_gb":10"#, r#""assigned_gb":7"#);
    let mut tampered = QuotaBook::from_json(&text).unwrap();
    let report = tampered.refresh_report("s").unwrap();
    assert_eq!(
        report.drift,
        vec![Drift {
            counter: s("desktop.assigned_gb"),
            stored: 7,
            actual: 10
        }]
    );
    let ev = tampered
        .execute(
            QuotaCommand::Refresh {
                subscription: s("s"),
            },
            now(),
        )
        .unwrap();
    assert_eq!(ev.len(), 1);
    assert!(tampered.refresh_report("s").unwrap().drift.is_empty());
    assert_eq!(tampered.account_view("s").unwrap().desktop.assigned_gb, 10);
}

// ---------------------------------------------------------------------------------------------
// Property tests over random operation sequences.

const SUBS: [&str; 3] = ["d", "c", "h"];
const LOGINS: [&str; 4] = ["a", "b", "c", "d"];

/// Mostly the working direct subscription, sometimes the reseller customer, rarely the held one.
fn sub_id() -> impl Strategy<Value = SubscriptionId> {
    prop_oneof![6 => Just(SUBS[0]), 3 => Just(SUBS[1]), 1 => Just(SUBS[2])]
        .prop_map(SubscriptionId::from)
}
fn login() -> impl Strategy<Value = Login> {
    prop::sample::select(&LOGINS[..]).prop_map(Login::from)
}
fn kind() -> impl Strategy<Value = LicenceType> {
    prop_oneof![Just(LicenceType::Desktop), Just(LicenceType::Server)]
}
fn opt_limit() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![1 => Just(None), 4 => (0u64..120).prop_map(Some)]
}
fn limits() -> impl Strategy<Value = Limits> {
    (
        opt_limit(),
        opt_limit(),
        opt_limit(),
        opt_limit(),
        any::<bool>(),
        0u64..10,
    )
        .prop_map(|(a, b, c, d, sync, q)| Limits {
            desktop_licences: a,
            server_licences: b,
            desktop_gb: c,
            server_gb: d,
            sync_available: sync,
            sync_default_quota_gb: q,
        })
}

fn command() -> impl Strategy<Value = QuotaCommand> {
    use QuotaCommand as C;
    prop_oneof![
        3 => (sub_id(), login(), prop::option::of((0u32..3).prop_map(GroupId)), prop::option::of((kind(), 0u64..60)))
            .prop_map(|(subscription, login, group, licence)| C::CreateUser { subscription, display_name: login.as_str().to_uppercase(), login, group, licence }),
        4 => (sub_id(), login(), kind(), 0u64..60).prop_map(|(subscription, login, kind, quota_gb)| C::AssignLicence { subscription, login, kind, quota_gb }),
        4 => (sub_id(), (0u64..10).prop_map(LicenceId), 0u64..80).prop_map(|(subscription, licence, quota_gb)| C::ChangeQuota { subscription, licence, quota_gb }),
        2 => (sub_id(), (0u64..10).prop_map(LicenceId)).prop_map(|(subscription, licence)| C::RemoveLicence { subscription, licence }),
        4 => (sub_id(), (0u64..10).prop_map(LicenceId), 0u64..80).prop_map(|(subscription, licence, used_gb)| C::RecordUsage { subscription, licence, used_gb }),
        1 => (sub_id(), (0u64..10).prop_map(LicenceId), any::<bool>()).prop_map(|(subscription, licence, activated)| C::RecordActivation { subscription, licence, activated }),
        1 => (sub_id(), login()).prop_map(|(subscription, login)| C::SuspendUser { subscription, login }),
        1 => (sub_id(), login()).prop_map(|(subscription, login)| C::ActivateUser { subscription, login }),
        1 => (sub_id(), login()).prop_map(|(subscription, login)| C::RemoveUser { subscription, login }),
        1 => (sub_id(), login(), any::<bool>()).prop_map(|(subscription, login, enabled)| C::SetUserSync { subscription, login, enabled }),
        1 => (sub_id(), any::<bool>()).prop_map(|(subscription, enabled)| C::SetSubscriptionSync { subscription, enabled }),
        1 => (sub_id(), any::<bool>()).prop_map(|(subscription, visible)| C::SetGroupsTab { subscription, visible }),
        1 => (sub_id(), login(), (0u32..3).prop_map(GroupId)).prop_map(|(subscription, login, group)| C::MoveUser { subscription, login, group }),
        1 => (sub_id(), prop::sample::select(vec!["G1", "G2", "default"])).prop_map(|(subscription, n)| C::CreateGroup { subscription, name: n.to_string() }),
        1 => (sub_id(), (0u32..3).prop_map(GroupId), prop::sample::select(vec!["G1", "G3"])).prop_map(|(subscription, group, n)| C::RenameGroup { subscription, group, name: n.to_string() }),
        1 => (sub_id(), (0u32..3).prop_map(GroupId)).prop_map(|(subscription, group)| C::DeleteGroup { subscription, group }),
        2 => (sub_id(), limits()).prop_map(|(subscription, limits)| C::ChangeLimits { subscription, limits }),
        1 => (sub_id(), prop::sample::select(vec!["d@x.test", "h@x.test", "new@x.test", "r@x.test"]))
            .prop_map(|(subscription, email)| C::AssignAdmin { subscription, admin_name: s("Admin"), email: email.to_string() }),
        1 => sub_id().prop_map(|subscription| C::Refresh { subscription }),
        // Cancelling stops "c" for the rest of the run: keep it rare.
        1 => prop::bool::weighted(0.1).prop_map(|cancel| if cancel {
            C::CancelReseller { reseller: s("r") }
        } else {
            C::Refresh { subscription: s("c") }
        }),
    ]
}

/// The starting book: a direct subscription "d", a reseller customer "c", and "h" held because its
/// email is the same as d's; d and c have users with licences.
fn start() -> (QuotaBook, Vec<QuotaEvent>) {
    let mut book = QuotaBook::new();
    let mut events = book
        .execute(
            QuotaCommand::RegisterReseller {
                reseller: s("r"),
                name: s("R"),
                email: s("r@x.test"),
            },
            now(),
        )
        .unwrap();
    events.extend(create_sub(
        &mut book,
        "d",
        "d@x.test",
        SaleModel::Direct,
        Limits::seats_and_gb(3, 100, 2, 50).with_sync(5),
    ));
    events.extend(create_sub(
        &mut book,
        "c",
        "c@x.test",
        SaleModel::Reseller(s("r")),
        Limits::seats_and_gb(2, 40, 2, 40),
    ));
    events.extend(create_sub(
        &mut book,
        "h",
        "D@x.test",
        SaleModel::Direct,
        Limits::seats_and_gb(2, 40, 2, 40),
    ));
    for (sub, login, licence) in [
        ("d", "a", (LicenceType::Desktop, 10)),
        ("d", "b", (LicenceType::Server, 5)),
        ("c", "a", (LicenceType::Desktop, 5)),
    ] {
        events.extend(user(&mut book, sub, login, Some(licence)).unwrap());
    }
    (book, events)
}

fn check_invariants(book: &QuotaBook) -> Result<(), TestCaseError> {
    for id in book.subscription_ids() {
        let sub = book.subscription(id).unwrap();
        for r in [
            Resource::DesktopLicences,
            Resource::ServerLicences,
            Resource::DesktopGb,
            Resource::ServerGb,
        ] {
            if let Some(limit) = sub.limits.limit(r) {
                prop_assert!(
                    sub.counters.in_use(r) <= limit,
                    "{id} {r}: {} > {limit}",
                    sub.counters.in_use(r)
                );
            }
        }
        for c in [sub.counters.desktop, sub.counters.server] {
            prop_assert!(c.used_gb <= c.assigned_gb && c.activated_licences <= c.assigned_licences);
        }
        let report = book.refresh_report(id).unwrap();
        prop_assert!(report.drift.is_empty(), "{report:?}");
        for l in sub.licences.values() {
            prop_assert!(l.used_gb <= l.quota_gb);
            let holder = sub.users.get(&l.login);
            prop_assert!(holder.is_some_and(|u| u.licences.contains(&l.id)));
        }
        for u in sub.users.values() {
            prop_assert!(sub.group(u.group).is_some());
            prop_assert!(!u.sync || sub.sync_enabled);
        }
        prop_assert!(!sub.sync_enabled || sub.limits.sync_available);
        if let Some(a) = &sub.admin {
            prop_assert_eq!(
                book.email_holder(&a.email),
                Some(&EmailHolder::Subscription(id.into()))
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_every_invariant(commands in prop::collection::vec(command(), 1..80)) {
        let (mut book, mut log) = start();
        for c in commands {
            let before = book.clone();
            let before_text = book.to_json().unwrap();
            match book.execute(c.clone(), now()) {
                Ok(events) => {
                    // decide on the old state gives the same events, and replaying them on it gives the new state.
                    prop_assert_eq!(&before.decide(&c, now()).unwrap(), &events);
                    log.extend(events);
                }
                Err(e) => {
                    prop_assert_eq!(&book, &before, "failed {:?} ({}) changed the book", c, e);
                    prop_assert_eq!(book.to_json().unwrap(), before_text);
                    prop_assert!(e.code().starts_with("quota."));
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            check_invariants(&book)?;
        }
        let replayed = QuotaBook::replay(&log).unwrap();
        prop_assert_eq!(&replayed, &book);
        // Any prefix applied twice changes nothing; the rest then gives the same book.
        for cut in [0, log.len() / 3, log.len() / 2, log.len()] {
            let mut b = QuotaBook::new();
            for e in &log[..cut] {
                prop_assert_eq!(b.apply(e), Ok(Applied::New));
            }
            let once = b.to_json().unwrap();
            for e in &log[..cut] {
                prop_assert_eq!(b.apply(e), Ok(Applied::Duplicate));
            }
            prop_assert_eq!(b.to_json().unwrap(), once);
            for e in &log[cut..] {
                prop_assert_eq!(b.apply(e), Ok(Applied::New));
            }
            prop_assert_eq!(&b, &book);
        }
        // The same id with any other payload is a conflict and changes nothing.
        let mut b = book.clone();
        let text = b.to_json().unwrap();
        for (i, e) in log.iter().enumerate() {
            let later = QuotaEvent { at: e.at + chrono::Duration::milliseconds(1), ..e.clone() };
            prop_assert_eq!(b.apply(&later), Err(QuotaError::EventConflict { id: e.id }));
            let other = &log[(i + 1) % log.len()];
            if other.kind != e.kind {
                let swapped = QuotaEvent { kind: other.kind.clone(), ..e.clone() };
                prop_assert_eq!(b.apply(&swapped), Err(QuotaError::EventConflict { id: e.id }));
            }
        }
        prop_assert_eq!(b.to_json().unwrap(), text);
        // Applying the whole log again changes nothing.
        let mut again = replayed.clone();
        for e in &log {
            prop_assert_eq!(again.apply(e).unwrap(), Applied::Duplicate);
        }
        prop_assert_eq!(&again, &book);
        let text = book.to_json().unwrap();
        prop_assert_eq!(&QuotaBook::from_json(&text).unwrap(), &book);
        let log_text = serde_json::to_string(&log).unwrap();
        let log_back: Vec<QuotaEvent> = serde_json::from_str(&log_text).unwrap();
        prop_assert_eq!(&log_back, &log);
    }

    #[test]
    fn reseller_percentages_are_hundredths_rounded_half_up(used in 0u64..1_000_000, extra in 0u64..1_000_000) {
        let limit = used + extra;
        let g = Gauge { used, limit: Some(limit) };
        let p = g.percent().unwrap();
        let (int, frac) = p.split_once('.').unwrap();
        prop_assert_eq!(frac.len(), 2);
        let hundredths: u128 = int.parse::<u128>().unwrap() * 100 + frac.parse::<u128>().unwrap();
        if limit > 0 {
            // |hundredths/10000 - used/limit| <= 1/20000, checked in integers.
            let diff = (hundredths * u128::from(limit)).abs_diff(u128::from(used) * 10_000);
            prop_assert!(diff * 2 <= u128::from(limit), "{used}/{limit} -> {p}");
        }
        prop_assert!(hundredths <= 10_000);
    }
}

// ---------------------------------------------------------------------------------------------
// What comes from outside: foreign events and stored documents.

#[test]
fn foreign_events_that_do_not_fit_are_refused_and_change_nothing() {
    let (mut book, log) = start();
    let text = book.to_json().unwrap();
    let next = book.next_event_id();
    let at = now();
    let ev = |kind: QuotaEventKind| QuotaEvent { id: next, at, kind };
    let cases = [
        QuotaEventKind::UserCreated {
            subscription: s("nope"),
            login: s("x"),
            display_name: s("X"),
            group: GroupId(0),
        },
        QuotaEventKind::UserCreated {
            subscription: s("d"),
            login: s("a"),
            display_name: s("A"),
            group: GroupId(0),
        },
        QuotaEventKind::UserCreated {
            subscription: s("d"),
            login: s("z"),
            display_name: s("Z"),
            group: GroupId(9),
        },
        QuotaEventKind::UserSuspended {
            subscription: s("d"),
            login: s("ghost"),
        },
        QuotaEventKind::QuotaChanged {
            subscription: s("d"),
            licence: LicenceId(99),
            quota_gb: 1,
        },
        QuotaEventKind::LicenceAssigned {
            subscription: s("d"),
            licence: LicenceId(1),
            login: s("a"),
            kind: LicenceType::Desktop,
            quota_gb: 1,
        },
        QuotaEventKind::LicenceAssigned {
            subscription: s("d"),
            licence: LicenceId(7),
            login: s("ghost"),
            kind: LicenceType::Desktop,
            quota_gb: 1,
        },
        QuotaEventKind::GroupCreated {
            subscription: s("d"),
            group: GroupId(0),
            name: s("G"),
        },
        QuotaEventKind::GroupDeleted {
            subscription: s("d"),
            group: GroupId(0),
        },
        QuotaEventKind::ResellerCancelled {
            reseller: s("ghost"),
        },
        QuotaEventKind::ResellerRegistered {
            reseller: s("r"),
            name: s("R"),
            email: s("new@x.test"),
        },
        QuotaEventKind::ResellerRegistered {
            reseller: s("r2"),
            name: s("R"),
            email: s("d@x.test"),
        },
        QuotaEventKind::SubscriptionCreated {
            subscription: s("d"),
            company: s("D"),
            model: SaleModel::Direct,
            limits: Limits::unlimited(0),
            requested_admin: Admin {
                name: s("A"),
                email: s("fresh@x.test"),
            },
            provisioned: true,
        },
        QuotaEventKind::SubscriptionCreated {
            subscription: s("n"),
            company: s("N"),
            model: SaleModel::Reseller(s("ghost")),
            limits: Limits::unlimited(0),
            requested_admin: Admin {
                name: s("A"),
                email: s("fresh@x.test"),
            },
            provisioned: true,
        },
    ];
    for kind in cases {
        let e = ev(kind.clone());
        let err = book.apply(&e).unwrap_err();
        assert_eq!(err.code(), "quota.invalid_event", "{kind:?}: {err}");
        assert!(matches!(err, QuotaError::InvalidEvent { id, .. } if id == next));
        assert_eq!(book.to_json().unwrap(), text, "{kind:?} changed the book");
    }
    // What fits is applied.
    let fits = ev(QuotaEventKind::UserCreated {
        subscription: s("d"),
        login: s("z"),
        display_name: s("Z"),
        group: GroupId(0),
    });
    assert_eq!(book.apply(&fits), Ok(Applied::New));
    assert_eq!(
        QuotaBook::replay(&[log, vec![fits]].concat()).unwrap(),
        book
    );
    // A group that still has users cannot be deleted from outside either (the book would not
    // read back: its users would be in a group that does not exist).
    for kind in [
        QuotaEventKind::GroupCreated {
            subscription: s("d"),
            group: GroupId(1),
            name: s("G"),
        },
        QuotaEventKind::UserMoved {
            subscription: s("d"),
            login: s("a"),
            group: GroupId(1),
        },
    ] {
        let e = QuotaEvent {
            id: book.next_event_id(),
            at,
            kind,
        };
        assert_eq!(book.apply(&e), Ok(Applied::New));
    }
    let text = book.to_json().unwrap();
    let delete = QuotaEvent {
        id: book.next_event_id(),
        at,
        kind: QuotaEventKind::GroupDeleted {
            subscription: s("d"),
            group: GroupId(1),
        },
    };
    let err = book.apply(&delete).unwrap_err();
    assert_eq!(err.code(), "quota.invalid_event", "{err}");
    assert_eq!(book.to_json().unwrap(), text);
    assert_eq!(QuotaBook::from_json(&text).unwrap(), book);
}

#[test]
fn from_json_refuses_a_book_whose_references_do_not_hold() {
    let (book, _) = start();
    let text = book.to_json().unwrap();
    assert_eq!(QuotaBook::from_json(&text).unwrap(), book);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 7] = [
        ("a licence whose user is gone", |d| {
            d["subscriptions"]["d"]["users"]
                .as_object_mut()
                .unwrap()
                .remove("a");
        }),
        ("a user in a missing group", |d| {
            d["subscriptions"]["d"]["users"]["a"]["group"] = 7.into()
        }),
        ("a licence id at or past next_licence", |d| {
            d["subscriptions"]["d"]["next_licence"] = 1.into()
        }),
        ("a subscription stored under another id", |d| {
            d["subscriptions"]["d"]["id"] = "x".into()
        }),
        ("a reseller listing a missing customer", |d| {
            d["resellers"]["r"]["customers"]
                .as_array_mut()
                .unwrap()
                .push("ghost".into())
        }),
        ("an email held by nobody", |d| {
            d["emails"]["ghost@x.test"] = serde_json::json!({"kind": "subscription", "id": "ghost"})
        }),
        ("a log with recent fingerprints beyond its events", |d| {
            d["log"]["next"] = 0.into()
        }),
    ];
    for (what, edit) in edits {
        let mut broken = v.clone();
        edit(&mut broken["data"]);
        let err = QuotaBook::from_json(&broken.to_string()).unwrap_err();
        assert_eq!(err.code(), "format.corrupt", "{what}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Foreign events, at random: what names a missing subscription, user or licence is refused and
// changes nothing; what is taken leaves a book that holds together (it reads back).

const FOREIGN_SUBS: [&str; 4] = ["d", "c", "h", "x"];
const FOREIGN_LOGINS: [&str; 4] = ["a", "b", "c", "z"];

/// Mostly the direct subscription (so that events build on each other), sometimes the others or
/// one that does not exist.
fn foreign_sub() -> impl Strategy<Value = SubscriptionId> {
    prop_oneof![5 => Just(FOREIGN_SUBS[0]), 1 => Just(FOREIGN_SUBS[1]), 1 => Just(FOREIGN_SUBS[2]), 1 => Just(FOREIGN_SUBS[3])]
        .prop_map(SubscriptionId::from)
}
fn foreign_login() -> impl Strategy<Value = Login> {
    prop::sample::select(&FOREIGN_LOGINS[..]).prop_map(Login::from)
}
fn foreign_licence() -> impl Strategy<Value = LicenceId> {
    (0u64..8).prop_map(LicenceId)
}
fn foreign_group() -> impl Strategy<Value = GroupId> {
    (0u32..2).prop_map(GroupId)
}

fn foreign_kind() -> impl Strategy<Value = QuotaEventKind> {
    use QuotaEventKind as E;
    prop_oneof![
        1 => (foreign_sub(), foreign_login(), foreign_group()).prop_map(|(subscription, login, group)| E::UserCreated { subscription, display_name: s("U"), login, group }),
        1 => (foreign_sub(), foreign_login()).prop_map(|(subscription, login)| E::UserSuspended { subscription, login }),
        1 => (foreign_sub(), foreign_login()).prop_map(|(subscription, login)| E::UserActivated { subscription, login }),
        1 => (foreign_sub(), foreign_login()).prop_map(|(subscription, login)| E::UserRemoved { subscription, login }),
        1 => (foreign_sub(), foreign_login(), any::<bool>()).prop_map(|(subscription, login, enabled)| E::UserSyncSet { subscription, login, enabled }),
        3 => (foreign_sub(), foreign_login(), foreign_group()).prop_map(|(subscription, login, group)| E::UserMoved { subscription, login, group }),
        1 => (foreign_sub(), foreign_licence(), foreign_login(), kind(), 0u64..30).prop_map(|(subscription, licence, login, kind, quota_gb)| E::LicenceAssigned { subscription, licence, login, kind, quota_gb }),
        1 => (foreign_sub(), foreign_licence(), 0u64..30).prop_map(|(subscription, licence, quota_gb)| E::QuotaChanged { subscription, licence, quota_gb }),
        1 => (foreign_sub(), foreign_licence()).prop_map(|(subscription, licence)| E::LicenceRemoved { subscription, licence }),
        1 => (foreign_sub(), foreign_licence(), 0u64..30).prop_map(|(subscription, licence, used_gb)| E::UsageRecorded { subscription, licence, used_gb }),
        1 => (foreign_sub(), foreign_licence(), any::<bool>()).prop_map(|(subscription, licence, activated)| E::ActivationRecorded { subscription, licence, activated }),
        3 => (foreign_sub(), foreign_group()).prop_map(|(subscription, group)| E::GroupCreated { subscription, group, name: s("G") }),
        1 => (foreign_sub(), foreign_group()).prop_map(|(subscription, group)| E::GroupRenamed { subscription, group, name: s("H") }),
        3 => (foreign_sub(), foreign_group()).prop_map(|(subscription, group)| E::GroupDeleted { subscription, group }),
        1 => (foreign_sub(), any::<bool>()).prop_map(|(subscription, enabled)| E::SubscriptionSyncSet { subscription, enabled }),
        1 => (foreign_sub(), prop::sample::select(vec!["d@x.test", "c@x.test", "r@x.test", "new@x.test"])).prop_map(|(subscription, email)| E::AdminAssigned { subscription, admin: Admin { name: s("A"), email: s(email) } }),
        1 => (prop::sample::select(vec!["r", "q"]), prop::sample::select(vec!["r@x.test", "q@x.test"])).prop_map(|(reseller, email)| E::ResellerRegistered { reseller: s(reseller), name: s("Q"), email: s(email) }),
        1 => prop::sample::select(vec!["r", "q"]).prop_map(|reseller| E::ResellerCancelled { reseller: s(reseller) }),
    ]
}

/// What a foreign event names that must exist before it: its subscription, its user (except
/// for the event that creates the user) and its licence (except for the one that assigns it).
fn names_something_missing(book: &QuotaBook, kind: &QuotaEventKind) -> Option<String> {
    use QuotaEventKind as E;
    let sub = kind.subscription().or(match kind {
        E::AdminAssigned { subscription, .. } => Some(subscription),
        _ => None,
    })?;
    let Some(s) = book.subscription(sub.as_str()) else {
        return Some(format!("subscription {sub}"));
    };
    let login = match kind {
        E::UserSuspended { login, .. }
        | E::UserActivated { login, .. }
        | E::UserRemoved { login, .. }
        | E::UserSyncSet { login, .. }
        | E::UserMoved { login, .. }
        | E::LicenceAssigned { login, .. } => Some(login),
        _ => None,
    };
    if let Some(login) = login.filter(|l| !s.users.contains_key(*l)) {
        return Some(format!("user {login}"));
    }
    let licence = match kind {
        E::QuotaChanged { licence, .. }
        | E::LicenceRemoved { licence, .. }
        | E::UsageRecorded { licence, .. }
        | E::ActivationRecorded { licence, .. } => Some(licence),
        _ => None,
    };
    licence
        .filter(|l| !s.licences.contains_key(*l))
        .map(|l| format!("licence {l}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn foreign_events_fit_or_are_refused_and_change_nothing(kinds in prop::collection::vec(foreign_kind(), 1..24)) {
        let (mut book, mut log) = start();
        for kind in kinds {
            let e = QuotaEvent { id: book.next_event_id(), at: now(), kind };
            let missing = names_something_missing(&book, &e.kind);
            let before = book.to_json().unwrap();
            match book.apply(&e) {
                Ok(applied) => {
                    prop_assert_eq!(applied, Applied::New);
                    prop_assert!(missing.is_none(), "{:?} names a missing {:?} but was taken", e.kind, missing);
                    log.push(e);
                    // A book that took the event still holds together: it reads back.
                    let text = book.to_json().unwrap();
                    let back = QuotaBook::from_json(&text);
                    prop_assert!(back.is_ok(), "after {:?}: {:?}", log.last(), back.err());
                    prop_assert_eq!(&back.unwrap(), &book);
                }
                Err(err) => {
                    prop_assert_eq!(err.code(), "quota.invalid_event", "{:?}: {}", e.kind, err);
                    prop_assert_eq!(book.to_json().unwrap(), before, "refused {:?} changed the book", e.kind);
                }
            }
        }
        // The log of what was taken replays to the same book.
        prop_assert_eq!(&QuotaBook::replay(&log).unwrap(), &book);
    }
}
