//! Roles and the audit log: the role transaction (`RoleStore`, `RoleTx`)
//! by hand, and the use case that writes through it (`App::change_role`),
//! its refusals and its race.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use csp_upgrades::app::{App, Policy, RoleChangeOutcome};
use csp_upgrades::clock::SystemClock;
use csp_upgrades::domain::audit::{
    Actor, AuditAction, AuditOutcome, AuditRecord, AuditTarget, RoleAction, RoleChange,
};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::roles::{Caller, Permission, Principal};
use csp_upgrades::storage::{PageRequest, Store, TimeRange};
use tokio::sync::Barrier;

use super::common::db::TestDb;
use super::fixtures::*;
use super::{all_pages, connect};

fn record(partner: &Partner, by: &PartnerUser, target: &PartnerUser, minute: u32) -> AuditRecord {
    AuditRecord {
        id: AuditRecordId::new_v4(),
        partner_id: partner.id,
        at: at(9, i64::from(minute) * 60_000_000),
        actor: Actor::User {
            id: by.id,
            upn: by.upn.to_lowercase(),
        },
        action: AuditAction::GrantRole,
        target: AuditTarget::User(target.id),
        role: Some(Role::SalesAgent),
        outcome: AuditOutcome::Succeeded,
        refusal: None,
        details: [("roles_after".to_owned(), "SALES_AGENT".to_owned())].into(),
    }
}

/// Grants and revokes say whether they changed anything, the count of
/// global admins follows, and what commits is what the store reads back.
pub async fn roles_and_audit_records_are_written_in_one_transaction(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let p = &demo.partner;
    let admin = demo.data.partner_users[0].clone();
    let agent = demo.data.partner_users[1].clone();

    let mut tx = store.lock_partner(p.id).await.unwrap();
    assert_eq!(tx.count_global_admins(p.id).await.unwrap(), 1);
    assert!(tx.grant(agent.id, Role::GlobalAdmin).await.unwrap());
    assert!(!tx.grant(agent.id, Role::GlobalAdmin).await.unwrap());
    assert_eq!(tx.count_global_admins(p.id).await.unwrap(), 2);
    assert!(tx.revoke(agent.id, Role::SalesAgent).await.unwrap());
    assert!(!tx.revoke(agent.id, Role::SalesAgent).await.unwrap());
    let seen = tx.partner_user(p.id, agent.id).await.unwrap().unwrap();
    assert_eq!(seen.roles, BTreeSet::from([Role::GlobalAdmin]));
    assert!(
        tx.partner_user(demo.other.id, agent.id)
            .await
            .unwrap()
            .is_none(),
        "not the other partner's user"
    );
    let granted = record(p, &admin, &agent, 1);
    tx.insert_audit(&granted).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        store
            .partner_user(p.id, agent.id)
            .await
            .unwrap()
            .unwrap()
            .roles,
        BTreeSet::from([Role::GlobalAdmin])
    );
    let mut refused = record(p, &admin, &agent, 2);
    refused.outcome = AuditOutcome::Refused;
    refused.refusal = Some(csp_upgrades::domain::audit::Refusal::LastGlobalAdmin);
    refused.action = AuditAction::RevokeRole;
    store.record_audit(&refused).await.unwrap();

    let all = store
        .list_audit_records(p.id, &TimeRange::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(all.items, vec![refused.clone(), granted.clone()]);
    let early = TimeRange {
        start: None,
        end: Some(at(9, 2 * 60_000_000)),
    };
    let listed = store
        .list_audit_records(p.id, &early, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(listed.items, vec![granted]);
    let other = store
        .list_audit_records(
            demo.other.id,
            &TimeRange::default(),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(other.items.is_empty());
}

/// Audit records page newest first, each exactly once.
pub async fn audit_records_page_newest_first(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let admin = demo.data.partner_users[0].clone();
    let mut written: Vec<_> = (0..23)
        .map(|i| record(&demo.partner, &admin, &admin, i % 5))
        .collect();
    for r in &written {
        store.record_audit(r).await.unwrap();
    }
    let seen = all_pages(4, |req| {
        let store = Arc::clone(&store);
        let partner = demo.partner.id;
        async move {
            store
                .list_audit_records(partner, &TimeRange::default(), &req)
                .await
                .unwrap()
        }
    })
    .await;
    written.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
    assert_eq!(seen, written);
}

/// A role transaction dropped before its commit writes nothing.
pub async fn a_dropped_role_transaction_writes_nothing(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let agent = demo.data.partner_users[1].clone();
    {
        let mut tx = store.lock_partner(demo.partner.id).await.unwrap();
        assert!(tx.grant(agent.id, Role::GlobalAdmin).await.unwrap());
    }
    let read = store
        .partner_user(demo.partner.id, agent.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.roles, agent.roles);
}

/// A second role change of the partner waits for the first to commit.
pub async fn a_partner_lock_holds_off_other_role_changes(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let partner = demo.partner.id;
    let first = store.lock_partner(partner).await.unwrap();
    let second = {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.lock_partner(partner).await.map(drop) })
    };
    // Proving a wait takes a wait: a quarter second in which it must not
    // get the lock.
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!second.is_finished(), "the second role change waited");
    first.commit().await.unwrap();
    second.await.unwrap().unwrap();
}

fn caller_of(user: &PartnerUser) -> Caller {
    Caller {
        partner_id: user.partner_id,
        principal: Principal::User {
            id: user.id,
            upn: user.upn.to_lowercase(),
            display_name: user.display_name.clone(),
        },
        roles: user.roles.clone(),
    }
}

fn change(caller: &Caller, action: RoleAction, user: PartnerUserId, role: Role) -> RoleChange {
    RoleChange {
        caller: caller.clone(),
        action,
        user,
        role,
        audit_id: AuditRecordId::new_v4(),
        at: chrono::Utc::now(),
    }
}

async fn app_over(store: &Arc<dyn Store>) -> App {
    App::new(
        Arc::clone(store),
        Arc::new(Catalog::builtin().unwrap()),
        Arc::new(SystemClock),
        Policy::default(),
        Default::default(),
    )
}

/// Every refusal is audited; an allowed change is applied and audited.
pub async fn role_changes_and_their_refusals_are_audited(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let app = app_over(&store).await;
    let admin = caller_of(&demo.data.partner_users[0]);
    let agent = demo.data.partner_users[1].clone();
    let as_agent = caller_of(&agent);

    let outcomes = [
        app.change_role(&change(
            &as_agent,
            RoleAction::Grant,
            agent.id,
            Role::GlobalAdmin,
        ))
        .await
        .unwrap(),
        app.change_role(&change(
            &admin,
            RoleAction::Grant,
            PartnerUserId::new_v4(),
            Role::SalesAgent,
        ))
        .await
        .unwrap(),
        app.change_role(&change(
            &admin,
            RoleAction::Revoke,
            demo.data.partner_users[0].id,
            Role::GlobalAdmin,
        ))
        .await
        .unwrap(),
    ];
    assert_eq!(
        outcomes,
        [
            RoleChangeOutcome::Denied(Permission::ManageRoles),
            RoleChangeOutcome::UserNotFound,
            RoleChangeOutcome::LastGlobalAdmin,
        ]
    );
    let applied = app
        .change_role(&change(
            &admin,
            RoleAction::Grant,
            agent.id,
            Role::HelpdeskAgent,
        ))
        .await
        .unwrap();
    let RoleChangeOutcome::Applied { user, changed } = applied else {
        panic!("{applied:?}")
    };
    assert!(changed);
    assert!(user.roles.contains(&Role::HelpdeskAgent));

    let audit = store
        .list_audit_records(
            demo.partner.id,
            &TimeRange::default(),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    let outcomes: Vec<_> = audit.items.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            AuditOutcome::Succeeded,
            AuditOutcome::Refused,
            AuditOutcome::Refused,
            AuditOutcome::Refused,
        ]
    );
}

/// Two global admins revoking each other at once: one wins, the partner
/// keeps exactly one.
pub async fn mutual_revokes_leave_one_global_admin(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let app = Arc::new(app_over(&store).await);
    let first = demo.data.partner_users[0].clone();
    let mut second = demo.data.partner_users[1].clone();
    let ga = caller_of(&first);
    let granted = app
        .change_role(&change(
            &ga,
            RoleAction::Grant,
            second.id,
            Role::GlobalAdmin,
        ))
        .await
        .unwrap();
    assert!(matches!(
        granted,
        RoleChangeOutcome::Applied { changed: true, .. }
    ));
    second.roles.insert(Role::GlobalAdmin);

    let barrier = Arc::new(Barrier::new(2));
    let run = |by: &PartnerUser, of: PartnerUserId| {
        let (app, barrier) = (Arc::clone(&app), Arc::clone(&barrier));
        let revoke = change(&caller_of(by), RoleAction::Revoke, of, Role::GlobalAdmin);
        tokio::spawn(async move {
            barrier.wait().await;
            app.change_role(&revoke).await.unwrap()
        })
    };
    let a = run(&first, second.id);
    let b = run(&second, first.id);
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let applied =
        |o: &RoleChangeOutcome| matches!(o, RoleChangeOutcome::Applied { changed: true, .. });
    assert!(applied(&a) ^ applied(&b), "{a:?} / {b:?}");
    let loser = if applied(&a) { &b } else { &a };
    assert_eq!(*loser, RoleChangeOutcome::LastGlobalAdmin);
    let mut tx = store.lock_partner(demo.partner.id).await.unwrap();
    assert_eq!(tx.count_global_admins(demo.partner.id).await.unwrap(), 1);
}
