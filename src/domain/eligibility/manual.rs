//! The manual change of SPEC §6 (seed 003): buy the target for the same
//! organisation, check both subscriptions are active, reassign the licenses,
//! cancel the old subscription; back the data up first when it would be lost.

use crate::domain::model::Channel;

use super::index::{SnapshotIndex, channel_label};
use super::reason::{ManualPath, Reason, ReasonCode as Code};
use super::target::TargetCtx;

/// Reasons under which a manual change is impossible too, not only the
/// automatic one.
fn blocks_manual_change(code: Code) -> bool {
    matches!(
        code,
        // Seed 003 step 3: both subscriptions must be listed and active.
        Code::SubscriptionNotActive
            | Code::SubscriptionNotProvisioned
            // Seed 002: while an order is processed or credit-checked no new
            // subscription can be added.
            | Code::UpgradeInProgress
            | Code::CreditCheckPending
            // No new purchase is accepted until the balance is paid.
            | Code::UnpaidBalance
            // The target cannot be bought by this customer at all.
            | Code::MarketMismatch
            | Code::TargetNotAvailable
    )
}

/// The manual path for a target that is not eligible, or `None` when no
/// manual change is possible either.
pub(super) fn manual_path(
    ix: &SnapshotIndex<'_>,
    c: &TargetCtx<'_>,
    source_reasons: &[Reason],
    target_reasons: &[Reason],
) -> Option<ManualPath> {
    let reasons: Vec<&Reason> = source_reasons.iter().chain(target_reasons).collect();
    let impossible = reasons.is_empty()
        || reasons.iter().any(|r| blocks_manual_change(r.code))
        // Not even by hand can more users move than the target holds.
        || c.needed > c.target.max_seats
        || c.target.id == c.source_offer.id;
    if impossible {
        return None;
    }
    let has = |code: Code| reasons.iter().any(|r| r.code == code);
    let source = &c.source_offer.name;
    let target = &c.target.name;
    let one_way = c.one_way();
    let downgrade = target_reasons
        .iter()
        .find(|r| r.code == Code::DataServiceDowngrade);
    let mut steps = Vec::new();

    if let Some(r) = downgrade {
        let services: Vec<String> = c
            .source_offer
            .services
            .keys()
            .filter(|s| r.details.lowers_service(s))
            .map(|s| ix.service_name(s))
            .collect();
        steps.push(format!(
            "Back up the data in {} first: {target} lacks or lowers {}.",
            services.join(", "),
            if services.len() == 1 { "it" } else { "them" }
        ));
    } else if one_way {
        steps.push(format!(
            "Back up the customer's data first: moving from {source} to {target} changes service family and cannot be undone."
        ));
    }
    // The target-level conflict only: a source bought elsewhere is cancelled
    // in the last step instead.
    if let Some(r) = target_reasons
        .iter()
        .find(|r| r.code == Code::MultichannelConflict)
    {
        let elsewhere: Vec<String> = r
            .subscriptions
            .iter()
            .map(|s| {
                format!(
                    "{} subscription {} (bought through {})",
                    ix.offer_name(&s.offer_id),
                    s.id,
                    channel_label(s.channel)
                )
            })
            .collect();
        steps.push(format!(
            "Have the customer cancel {} there first.",
            elsewhere.join(", ")
        ));
    }
    if has(Code::CustomDomainBlocksSwitch) {
        steps.push(
            "Remove the custom domain before the change and add it again afterwards; its services are unavailable in between."
                .to_owned(),
        );
    }

    let existing = ix
        .live_of_offer(&c.target.id)
        .find(|s| s.channel == Channel::ThisPartner);
    let licenses_to_buy = match existing {
        Some(s) => {
            let free = (s.quantity - s.assigned_seats).max(0);
            let to_buy = (c.needed - free).max(0);
            steps.push(format!(
                "Use the existing {target} subscription {}: it has {free} free licenses, so buy {to_buy} more.",
                s.id
            ));
            to_buy
        }
        None => {
            let n = c.min_quantity();
            steps.push(format!(
                "Buy {n} licenses of {target} for the same organisation ({}).",
                ix.snapshot.customer.name
            ));
            n
        }
    };
    steps.push(format!(
        "Check that both the {source} and the {target} subscriptions are listed and active."
    ));
    // The user records of an import may be fewer than the seats assigned:
    // every assigned seat is a user to move all the same, and the step says
    // where the number comes from.
    let records = ix.licensed_users(c.source.id);
    let users = records.max(c.source.assigned_seats);
    steps.push(if records < users {
        format!(
            "Reassign the licenses of the {users} users of {source} to {target} (all of them, or only some): {} seats are assigned, but user records exist for only {records} of them.",
            c.source.assigned_seats
        )
    } else {
        format!(
            "Reassign the licenses of the {users} users of {source} to {target} (all of them, or only some)."
        )
    });
    if !c.add_ons.incompatible.is_empty() {
        let names: Vec<String> = c
            .add_ons
            .incompatible
            .iter()
            .map(|s| ix.offer_name(&s.offer_id))
            .collect();
        steps.push(format!(
            "Note that {} cannot be attached to {target} and ends with the old subscription.",
            names.join(", ")
        ));
    }
    steps.push(if c.source.channel == Channel::ThisPartner {
        format!(
            "Cancel the {source} subscription, or remove its unused licenses if only some users moved."
        )
    } else {
        format!(
            "Cancel the {source} subscription through {}, or remove its unused licenses there if only some users moved.",
            channel_label(c.source.channel)
        )
    });

    Some(ManualPath {
        licenses_to_buy,
        users_to_reassign: users,
        backup_data_first: downgrade.is_some() || one_way,
        one_way,
        steps,
    })
}
