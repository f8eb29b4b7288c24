//! Who may grant or revoke which role, and the last-global-admin rule.

use super::*;

fn user(roles: &[Role]) -> Caller {
    Caller {
        partner_id: PartnerId::new_v4(),
        principal: Principal::User {
            id: PartnerUserId::new_v4(),
            upn: "a@b".into(),
            display_name: "A".into(),
        },
        roles: roles.iter().copied().collect(),
    }
}

fn app() -> Caller {
    Caller {
        partner_id: PartnerId::new_v4(),
        principal: Principal::App {
            app_id: "svc".into(),
        },
        roles: Default::default(),
    }
}

/// Every caller against every target role: `Ok` or the missing permission.
#[test]
fn who_may_grant_or_revoke_which_role() {
    use Role::*;
    const MR: Result<(), Permission> = Err(Permission::ManageRoles);
    const MGA: Result<(), Permission> = Err(Permission::ManageGlobalAdmins);
    const OK: Result<(), Permission> = Ok(());
    // Columns: the role granted or revoked, in this order.
    let targets = [
        GlobalAdmin,
        UserManagementAdmin,
        AdminAgent,
        SalesAgent,
        HelpdeskAgent,
        BillingAdmin,
    ];
    type Row = (&'static str, Caller, [Result<(), Permission>; 6]);
    let table: [Row; 10] = [
        ("GA", user(&[GlobalAdmin]), [OK, OK, OK, OK, OK, OK]),
        (
            "UMA",
            user(&[UserManagementAdmin]),
            [MGA, OK, OK, OK, OK, OK],
        ),
        ("AA", user(&[AdminAgent]), [MR, MR, MR, MR, MR, MR]),
        ("SA", user(&[SalesAgent]), [MR, MR, MR, MR, MR, MR]),
        ("HA", user(&[HelpdeskAgent]), [MR, MR, MR, MR, MR, MR]),
        ("BA", user(&[BillingAdmin]), [MR, MR, MR, MR, MR, MR]),
        ("no role", user(&[]), [MR, MR, MR, MR, MR, MR]),
        ("app", app(), [MR, MR, MR, MR, MR, MR]),
        (
            "UMA + agent",
            user(&[UserManagementAdmin, SalesAgent, BillingAdmin]),
            [MGA, OK, OK, OK, OK, OK],
        ),
        (
            "GA + UMA",
            user(&[GlobalAdmin, UserManagementAdmin]),
            [OK, OK, OK, OK, OK, OK],
        ),
    ];
    for (name, caller, row) in &table {
        for (target, expected) in targets.iter().zip(row) {
            assert_eq!(
                may_change_role(caller, *target),
                *expected,
                "{name} changing {target}"
            );
        }
    }
}

#[test]
fn the_last_global_admin_cannot_be_revoked() {
    use Role::*;
    // (role, held, global admins counted) -> refused
    let cases = [
        (GlobalAdmin, true, 1, true),
        (GlobalAdmin, true, 2, false),
        (GlobalAdmin, true, 5, false),
        // Not held: nothing is removed, whatever the count.
        (GlobalAdmin, false, 1, false),
        (GlobalAdmin, false, 0, false),
        // Other roles never touch the global admin count.
        (UserManagementAdmin, true, 1, false),
        (SalesAgent, true, 0, false),
        // A corrupt count of 0 while the user holds the role still refuses.
        (GlobalAdmin, true, 0, true),
    ];
    for (role, held, count, refused) in cases {
        assert_eq!(
            revoke_removes_last_global_admin(role, held, count),
            refused,
            "{role} held={held} global_admins={count}"
        );
    }
}
