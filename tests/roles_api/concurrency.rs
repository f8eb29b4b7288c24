//! Two global admins revoking each other at the same moment: one wins, the
//! partner keeps exactly one global admin. Proven through gRPC and, with a
//! barrier so that both transactions start together, on the use case itself.

use std::collections::BTreeSet;
use std::sync::Arc;

use csp_upgrades::app::RoleChangeOutcome;
use csp_upgrades::domain::audit::{RoleAction, RoleChange};
use csp_upgrades::domain::ids::{AuditRecordId, PartnerId, PartnerUserId};
use csp_upgrades::domain::model::Role;
use csp_upgrades::domain::roles::{Caller, Principal};
use csp_upgrades::grpc::pb;
use pb::PartnerRole as R;
use tokio::sync::Barrier;
use tonic::Code;

use super::*;

const ROUNDS: usize = 20;

async fn global_admins(server: &TestServer, token: &str) -> Vec<String> {
    staff(server, token, 100)
        .await
        .into_iter()
        .filter(|u| roles_of(u).contains(&R::GlobalAdmin))
        .map(|u| u.user_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mutual_revokes_through_grpc_leave_one_global_admin() {
    let server = TestServer::start().await;
    let ga = server.token(GLOBAL_ADMIN).await;
    let uma = server.token(USER_MANAGEMENT_ADMIN).await;
    grant(&server, &ga, UMA_ID, R::GlobalAdmin).await.unwrap();
    let mut refusals = BTreeSet::new();
    for round in 0..ROUNDS {
        let (a, b) = tokio::join!(
            revoke(&server, &ga, UMA_ID, R::GlobalAdmin),
            revoke(&server, &uma, GA_ID, R::GlobalAdmin),
        );
        let (winner, loser) = match (&a, &b) {
            (Ok(_), Err(s)) => ((&ga, GA_ID), (s, UMA_ID)),
            (Err(s), Ok(_)) => ((&uma, UMA_ID), (s, GA_ID)),
            _ => panic!("round {round}: exactly one may succeed: {a:?} {b:?}"),
        };
        // The loser either raced into the last-admin check, or its call
        // started after the winner's commit and found its role gone.
        let refusal = match loser.0.code() {
            Code::FailedPrecondition => error_info(loser.0).0,
            Code::PermissionDenied => "PERMISSION_DENIED".to_owned(),
            other => panic!("round {round}: loser answered {other:?}: {:?}", loser.0),
        };
        refusals.insert(refusal);
        assert_eq!(
            global_admins(&server, winner.0).await,
            [winner.1],
            "round {round}"
        );
        // Back to two global admins for the next round.
        assert!(
            grant(&server, winner.0, loser.1, R::GlobalAdmin)
                .await
                .unwrap()
                .changed
        );
    }
    println!("losers' refusals over {ROUNDS} rounds: {refusals:?}");
}

fn global_admin(id: &str, upn: &str) -> Caller {
    Caller {
        partner_id: PartnerId::parse(CONTOSO).unwrap(),
        principal: Principal::User {
            id: PartnerUserId::parse(id).unwrap(),
            upn: upn.into(),
            display_name: upn.into(),
        },
        roles: [Role::GlobalAdmin].into(),
    }
}

fn revoke_global_admin(caller: &Caller, of: &str) -> RoleChange {
    RoleChange {
        caller: caller.clone(),
        action: RoleAction::Revoke,
        user: PartnerUserId::parse(of).unwrap(),
        role: Role::GlobalAdmin,
        audit_id: AuditRecordId::new_v4(),
        at: chrono::Utc::now(),
    }
}

/// Both transactions are started at once (a barrier), so they really
/// overlap; without the partner lock, read committed would let both count
/// two admins and both delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mutual_revokes_on_the_use_case_are_serialised() {
    let server = TestServer::start().await;
    let store = Arc::clone(server.state.store().unwrap());
    let state = server.state.clone();
    let ga = global_admin(GA_ID, GLOBAL_ADMIN);
    let uma = global_admin(UMA_ID, USER_MANAGEMENT_ADMIN);
    // (admin, the other user): who grants GLOBAL_ADMIN back before a round.
    let mut restorer = (&ga, UMA_ID);
    for round in 0..ROUNDS {
        let mut restore = revoke_global_admin(restorer.0, restorer.1);
        restore.action = RoleAction::Grant;
        let restored = state.app().unwrap().change_role(&restore).await.unwrap();
        assert!(
            matches!(restored, RoleChangeOutcome::Applied { changed: true, .. }),
            "round {round}: {restored:?}"
        );
        let barrier = Arc::new(Barrier::new(2));
        let run = |change: RoleChange| {
            let (state, barrier) = (state.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                state.app().unwrap().change_role(&change).await.unwrap()
            })
        };
        let a = run(revoke_global_admin(&ga, UMA_ID));
        let b = run(revoke_global_admin(&uma, GA_ID));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let applied =
            |o: &RoleChangeOutcome| matches!(o, RoleChangeOutcome::Applied { changed: true, .. });
        assert!(
            applied(&a) ^ applied(&b),
            "round {round}: exactly one revoke applies: {a:?} / {b:?}"
        );
        let loser = if applied(&a) { &b } else { &a };
        assert_eq!(*loser, RoleChangeOutcome::LastGlobalAdmin, "round {round}");
        restorer = if applied(&a) {
            (&ga, UMA_ID)
        } else {
            (&uma, GA_ID)
        };
        let contoso = PartnerId::parse(CONTOSO).unwrap();
        let users = store
            .list_partner_users(contoso, &csp_upgrades::storage::PageRequest::first(100))
            .await
            .unwrap()
            .items;
        let admins = users
            .iter()
            .filter(|u| u.roles.contains(&Role::GlobalAdmin))
            .count();
        assert_eq!(admins, 1, "round {round}");
    }
}
