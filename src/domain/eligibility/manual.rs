//! The manual change of SPEC §6 (seed 003): buy the target for the same
//! organisation, check both subscriptions are active, reassign the licenses,
//! cancel the old subscription; back the data up first when it would be lost.

use crate::domain::model::Channel;

use super::index::{SnapshotIndex, channel_text};
use super::reason::{ManualPath, Reason, ReasonCode as Code};
use super::target::TargetCtx;
use crate::domain::text::Text;

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
        steps.push(
            Text::new("step-backup-downgrade")
                .arg("count", services.len())
                .arg("services", services)
                .arg("target", target),
        );
    } else if one_way {
        steps.push(
            Text::new("step-backup-one-way")
                .arg("source", source)
                .arg("target", target),
        );
    }
    // The target-level conflict only: a source bought elsewhere is cancelled
    // in the last step instead.
    if let Some(r) = target_reasons
        .iter()
        .find(|r| r.code == Code::MultichannelConflict)
    {
        let elsewhere: Vec<Text> = r
            .subscriptions
            .iter()
            .map(|s| {
                Text::new("step-elsewhere-subscription")
                    .arg("offer", ix.offer_name(&s.offer_id))
                    .arg("id", s.id.to_string())
                    .arg("channel", channel_text(s.channel))
            })
            .collect();
        steps.push(Text::new("step-cancel-elsewhere").arg("subscriptions", elsewhere));
    }
    if has(Code::CustomDomainBlocksSwitch) {
        steps.push(Text::new("step-custom-domain"));
    }

    let existing = ix
        .live_of_offer(&c.target.id)
        .find(|s| s.channel == Channel::ThisPartner);
    let licenses_to_buy = match existing {
        Some(s) => {
            let free = (s.quantity - s.assigned_seats).max(0);
            let to_buy = (c.needed - free).max(0);
            steps.push(
                Text::new("step-use-existing")
                    .arg("target", target)
                    .arg("id", s.id.to_string())
                    .arg("free", free)
                    .arg("to_buy", to_buy),
            );
            to_buy
        }
        None => {
            let n = c.min_quantity();
            steps.push(
                Text::new("step-buy")
                    .arg("count", n)
                    .arg("target", target)
                    .arg("customer", &ix.snapshot.customer.name),
            );
            n
        }
    };
    steps.push(
        Text::new("step-check-active")
            .arg("source", source)
            .arg("target", target),
    );
    // The user records of an import may be fewer than the seats assigned:
    // every assigned seat is a user to move all the same, and the step says
    // where the number comes from.
    let records = ix.licensed_users(c.source.id);
    let users = records.max(c.source.assigned_seats);
    let reassign = if records < users {
        Text::new("step-reassign-assigned-seats")
            .arg("assigned", c.source.assigned_seats)
            .arg("records", records)
    } else {
        Text::new("step-reassign")
    };
    steps.push(
        reassign
            .arg("users", users)
            .arg("source", source)
            .arg("target", target),
    );
    if !c.add_ons.incompatible.is_empty() {
        let names: Vec<String> = c
            .add_ons
            .incompatible
            .iter()
            .map(|s| ix.offer_name(&s.offer_id))
            .collect();
        steps.push(
            Text::new("step-add-on-ends")
                .arg("count", names.len())
                .arg("add_ons", names)
                .arg("target", target),
        );
    }
    steps.push(if c.source.channel == Channel::ThisPartner {
        Text::new("step-cancel-source").arg("source", source)
    } else {
        Text::new("step-cancel-source-elsewhere")
            .arg("source", source)
            .arg("channel", channel_text(c.source.channel))
    });

    Some(ManualPath {
        licenses_to_buy,
        users_to_reassign: users,
        backup_data_first: downgrade.is_some() || one_way,
        one_way,
        steps,
    })
}
