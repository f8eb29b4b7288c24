//! Upgrade types: what the caller and the delegated admin relationship allow.

use super::*;
use DelegatedRole::*;
use UpgradeType::*;

#[test]
fn upgrade_types_follow_caller_and_relationship() {
    struct Row {
        app: bool,
        status: RelationshipStatus,
        roles: &'static [DelegatedRole],
        types: &'static [UpgradeType],
    }
    const fn row(
        app: bool,
        status: RelationshipStatus,
        roles: &'static [DelegatedRole],
        types: &'static [UpgradeType],
    ) -> Row {
        Row {
            app,
            status,
            roles,
            types,
        }
    }
    use RelationshipStatus::{Active, Expired, None as NoRelationship};
    let table = [
        row(
            false,
            Active,
            &[LicenseAdmin],
            &[WithLicenseTransfer, UpgradeOnly],
        ),
        row(
            false,
            Active,
            &[UserAdmin],
            &[WithLicenseTransfer, UpgradeOnly],
        ),
        row(
            false,
            Active,
            &[GlobalAdmin],
            &[WithLicenseTransfer, UpgradeOnly],
        ),
        // SPEC §3: Directory Writer is enough for a license transfer too.
        row(
            false,
            Active,
            &[DirectoryWriter],
            &[WithLicenseTransfer, UpgradeOnly],
        ),
        row(
            false,
            Active,
            &[DirectoryReader, DirectoryWriter],
            &[WithLicenseTransfer, UpgradeOnly],
        ),
        // Any directory role allows an upgrade without license transfer.
        row(false, Active, &[DirectoryReader], &[UpgradeOnly]),
        row(false, Active, &[], &[]),
        row(false, Expired, &[GlobalAdmin], &[]),
        row(false, NoRelationship, &[], &[]),
        // An app has no user context: never a license transfer (SPEC §3).
        row(true, Active, &[GlobalAdmin], &[UpgradeOnly]),
        row(true, Active, &[DirectoryReader], &[UpgradeOnly]),
        row(true, Expired, &[GlobalAdmin], &[]),
        row(true, NoRelationship, &[], &[]),
    ];
    for (i, r) in table.iter().enumerate() {
        let mut s = Setup::new("m365-business-basic");
        s.customer().delegated_admin = DelegatedAdmin {
            status: r.status,
            roles: r.roles.iter().copied().collect(),
        };
        if r.app {
            s.caller = app_caller(s.caller.partner_id);
        }
        let t = s.target("o365-e3");
        assert_eq!(t.upgrade_types, r.types, "row {i}");
        assert_eq!(t.eligible, !r.types.is_empty(), "row {i}");
        if r.types.is_empty() {
            assert_eq!(
                t.reason_codes(),
                [ReasonCode::DelegatedAdminMissing],
                "row {i}"
            );
            let Details::DelegatedAdmin {
                status,
                user_context,
                ..
            } = &t.reasons[0].details
            else {
                panic!("row {i}: {:?}", t.reasons[0].details);
            };
            assert_eq!(*status, r.status, "row {i}");
            assert_eq!(*user_context, !r.app, "row {i}");
        }
    }
}

#[test]
fn a_non_eligible_target_allows_no_type() {
    let mut s = Setup::new("m365-business-basic");
    s.customer().unpaid_balance = true;
    assert!(s.target("o365-e3").upgrade_types.is_empty());
}
