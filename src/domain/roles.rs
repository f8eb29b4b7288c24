//! Who may do what (SPEC §3): the permission matrix, as data the handlers and
//! the tests read.

use std::collections::BTreeSet;

use super::ids::{PartnerId, PartnerUserId};
use super::model::{Role, text_enum};

text_enum!(/// A permission of SPEC §3's table.
Permission {
    /// View customers, subscriptions, offers and eligibility.
    ViewCatalogAndCustomers = "VIEW_CATALOG_AND_CUSTOMERS",
    SubmitUpgradeOrders = "SUBMIT_UPGRADE_ORDERS",
    ViewUpgradeOrders = "VIEW_UPGRADE_ORDERS",
    ResolveCreditChecks = "RESOLVE_CREDIT_CHECKS",
    ManageRoles = "MANAGE_ROLES",
    /// Grant and revoke `GLOBAL_ADMIN` itself (SPEC §3: "yes, except
    /// GLOBAL_ADMIN" for user management admins).
    ManageGlobalAdmins = "MANAGE_GLOBAL_ADMINS",
    /// Read the partner's audit log.
    ViewAuditLog = "VIEW_AUDIT_LOG",
    /// Apply the partner's fresh export (SPEC §11): global admins, and the
    /// apps the server grants it to (`--sync-apps`).
    SyncPartnerData = "SYNC_PARTNER_DATA",
});

impl Role {
    /// The permissions a role grants (one column of SPEC §3's table).
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::GlobalAdmin => &[
                ViewCatalogAndCustomers,
                SubmitUpgradeOrders,
                ViewUpgradeOrders,
                ResolveCreditChecks,
                ManageRoles,
                ManageGlobalAdmins,
                ViewAuditLog,
                SyncPartnerData,
            ],
            Role::UserManagementAdmin => &[
                ViewCatalogAndCustomers,
                SubmitUpgradeOrders,
                ViewUpgradeOrders,
                ManageRoles,
            ],
            Role::AdminAgent | Role::SalesAgent | Role::HelpdeskAgent => &[
                ViewCatalogAndCustomers,
                SubmitUpgradeOrders,
                ViewUpgradeOrders,
            ],
            Role::BillingAdmin => &[ViewUpgradeOrders, ResolveCreditChecks],
        }
    }
}

/// Who is calling: a partner user, or an app (service-to-service, no user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User {
        id: PartnerUserId,
        upn: String,
        display_name: String,
    },
    App {
        app_id: String,
    },
}

/// An authenticated caller with the roles read from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub partner_id: PartnerId,
    pub principal: Principal,
    pub roles: BTreeSet<Role>,
}

/// What an app (service-to-service) caller may do without a user: read,
/// check eligibility (SPEC §3) and submit upgrade-only orders (reseller
/// automation's batch orders; license transfer needs a user, which the
/// eligibility rules enforce).
const APP_PERMISSIONS: &[Permission] = &[
    Permission::ViewCatalogAndCustomers,
    Permission::SubmitUpgradeOrders,
    Permission::ViewUpgradeOrders,
];

impl Caller {
    /// Whether the caller may sync the partner's data: a user by their
    /// roles, an app only when the server lists it in `granted_apps`.
    pub fn may_sync(&self, granted_apps: &BTreeSet<String>) -> bool {
        match &self.principal {
            Principal::User { .. } => self.can(Permission::SyncPartnerData),
            Principal::App { app_id } => granted_apps.contains(app_id),
        }
    }

    /// True for a user caller; license transfer needs one (SPEC §3).
    pub fn has_user_context(&self) -> bool {
        matches!(self.principal, Principal::User { .. })
    }

    pub fn permissions(&self) -> BTreeSet<Permission> {
        match self.principal {
            Principal::App { .. } => APP_PERMISSIONS.iter().copied().collect(),
            Principal::User { .. } => self
                .roles
                .iter()
                .flat_map(|r| r.permissions().iter().copied())
                .collect(),
        }
    }

    /// `user:<upn>` or `app:<id>`, for event notes and audit records.
    pub fn principal_label(&self) -> String {
        match &self.principal {
            Principal::User { upn, .. } => format!("user:{upn}"),
            Principal::App { app_id } => format!("app:{app_id}"),
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        match self.principal {
            Principal::App { .. } => APP_PERMISSIONS.contains(&permission),
            Principal::User { .. } => self
                .roles
                .iter()
                .any(|r| r.permissions().contains(&permission)),
        }
    }
}

/// Whether `caller` may grant or revoke `role` (SPEC §3): a global admin
/// every role, a user management admin every role but `GLOBAL_ADMIN`, nobody
/// else. The error is the permission the caller lacks.
pub fn may_change_role(caller: &Caller, role: Role) -> Result<(), Permission> {
    if !caller.can(Permission::ManageRoles) {
        return Err(Permission::ManageRoles);
    }
    if role == Role::GlobalAdmin && !caller.can(Permission::ManageGlobalAdmins) {
        return Err(Permission::ManageGlobalAdmins);
    }
    Ok(())
}

/// Revoking `role` from a user would leave the partner without a global
/// admin (SPEC §3: "a partner always keeps at least one"). `held`: the user
/// holds the role; `global_admins`: how many users of the partner hold
/// `GLOBAL_ADMIN`, counted under the same lock as the revoke.
pub fn revoke_removes_last_global_admin(role: Role, held: bool, global_admins: i64) -> bool {
    role == Role::GlobalAdmin && held && global_admins <= 1
}

#[cfg(test)]
mod tests_change;

#[cfg(test)]
mod tests {
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

    /// SPEC §3, row by row: (permission, [GA, UMA, AA, SA, HA, BA]).
    #[test]
    fn the_permission_matrix_of_spec_3() {
        use Permission::*;
        let roles = [
            Role::GlobalAdmin,
            Role::UserManagementAdmin,
            Role::AdminAgent,
            Role::SalesAgent,
            Role::HelpdeskAgent,
            Role::BillingAdmin,
        ];
        let table = [
            (
                ViewCatalogAndCustomers,
                [true, true, true, true, true, false],
            ),
            (SubmitUpgradeOrders, [true, true, true, true, true, false]),
            (ViewUpgradeOrders, [true, true, true, true, true, true]),
            (
                ResolveCreditChecks,
                [true, false, false, false, false, true],
            ),
            (ManageRoles, [true, true, false, false, false, false]),
            (
                ManageGlobalAdmins,
                [true, false, false, false, false, false],
            ),
            (ViewAuditLog, [true, false, false, false, false, false]),
        ];
        for (perm, row) in table {
            for (role, allowed) in roles.iter().zip(row) {
                assert_eq!(user(&[*role]).can(perm), allowed, "{role} {perm}");
            }
        }
    }

    #[test]
    fn no_role_no_permission_and_apps_only_read() {
        assert!(user(&[]).permissions().is_empty());
        let app = Caller {
            partner_id: PartnerId::new_v4(),
            principal: Principal::App {
                app_id: "svc".into(),
            },
            roles: Default::default(),
        };
        assert!(app.can(Permission::ViewCatalogAndCustomers));
        assert!(app.can(Permission::SubmitUpgradeOrders));
        assert!(!app.can(Permission::ResolveCreditChecks));
        assert!(!app.can(Permission::ManageRoles));
        assert!(!app.can(Permission::ManageGlobalAdmins));
        assert!(!app.can(Permission::ViewAuditLog));
        assert!(!app.has_user_context());
    }
}
