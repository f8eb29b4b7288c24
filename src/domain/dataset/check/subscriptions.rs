//! Subscriptions (with their add-on links), the licenses users hold on them,
//! and upgrade orders.

use std::collections::{BTreeSet, HashSet};

use super::{Checker, Index, differs, label};
use crate::domain::catalog::Offer;
use crate::domain::dataset::ImportedOrder;
use crate::domain::dataset::raw::*;
use crate::domain::ids::*;
use crate::domain::limits;
use crate::domain::model::*;

impl Checker<'_> {
    pub(super) fn subscription(
        &mut self,
        index: &Index,
        i: usize,
        r: &RawSubscription,
    ) -> Option<Subscription> {
        let record = label("subscriptions", i, &r.id);
        let id = SubscriptionId::parse(&r.id).ok();
        let customer = self.customer_ref(index, &record, "customer_id", &r.customer_id);
        let offer = self.offer(&record, "offer_id", &r.offer_id);
        let channel = self.enum_value(&record, "channel", &r.channel, Channel::parse, Channel::ALL);
        let status = self.enum_value(
            &record,
            "status",
            &r.status,
            SubscriptionStatus::parse,
            SubscriptionStatus::ALL,
        );
        let quantity = self.seats(&record, "quantity", r.quantity, 0);
        let assigned_seats = self.seats(&record, "assigned_seats", r.assigned_seats, 0);
        let billing_cycle = self.enum_value(
            &record,
            "billing_cycle",
            &r.billing_cycle,
            BillingCycle::parse,
            BillingCycle::ALL,
        );
        let payment_method = self.enum_value(
            &record,
            "payment_method",
            &r.payment_method,
            PaymentMethod::parse,
            PaymentMethod::ALL,
        );
        let parent_id = self.parent(index, &record, r, customer.map(|c| c.0), offer);
        let period_start = self.time(&record, "period_start", &r.period_start);
        let period_end = self.time(&record, "period_end", &r.period_end);
        if let (Some(start), Some(end)) = (period_start, period_end)
            && end <= start
        {
            let message = format!("must be after period_start ({})", r.period_start);
            self.err(&record, "period_end", message);
        }
        let created_at = match &r.created_at {
            Some(raw) => self.time(&record, "created_at", raw),
            None => period_start,
        };
        Some(Subscription {
            id: id?,
            customer_id: customer?.0,
            offer_id: offer?.id.clone(),
            channel: channel?,
            status: status?,
            provisioned: r.provisioned,
            quantity: quantity?,
            assigned_seats: assigned_seats?,
            billing_cycle: billing_cycle?,
            payment_method: payment_method?,
            trial: r.trial,
            parent_id: parent_id?,
            period_start: period_start?,
            period_end: period_end?,
            created_at: created_at?,
        })
    }

    /// An add-on needs a base subscription of the same customer whose offer
    /// it attaches to; anything else must not have a parent. `None` when the
    /// link is wrong, `Some(None)` for a base subscription.
    fn parent(
        &mut self,
        index: &Index,
        record: &str,
        r: &RawSubscription,
        customer: Option<CustomerId>,
        offer: Option<&Offer>,
    ) -> Option<Option<SubscriptionId>> {
        let Some(raw_parent) = &r.parent_id else {
            if offer.is_some_and(|o| o.add_on) {
                let message = format!(
                    "{} is an add-on: parent_id must name the base subscription it is attached to",
                    r.offer_id
                );
                self.err(record, "parent_id", message);
                return None;
            }
            return Some(None);
        };
        let parent = self.subscription_ref(index, record, "parent_id", raw_parent);
        let offer = offer?;
        if !offer.add_on {
            let message = format!("{} is not an add-on, so it cannot have a parent", offer.id);
            self.err(record, "parent_id", message);
            return None;
        }
        let (parent_id, parent) = parent?;
        let mut ok = true;
        if let Some(customer) = customer
            && differs(&parent.customer_id, CustomerId::parse, &customer)
        {
            let message = format!(
                "the parent subscription belongs to customer {}, not to this one",
                parent.customer_id
            );
            self.err(record, "parent_id", message);
            ok = false;
        }
        if !offer.bases.iter().any(|b| b.as_str() == parent.offer_id) {
            let bases: Vec<&str> = offer.bases.iter().map(|b| b.as_str()).collect();
            let message = format!(
                "add-on {} does not attach to {} (it attaches to: {})",
                offer.id,
                parent.offer_id,
                bases.join(", ")
            );
            self.err(record, "parent_id", message);
            ok = false;
        }
        ok.then_some(Some(parent_id))
    }

    pub(super) fn customer_user(
        &mut self,
        index: &Index,
        i: usize,
        r: &RawCustomerUser,
    ) -> Option<CustomerUser> {
        let record = label("customer_users", i, &r.id);
        let id = CustomerUserId::parse(&r.id).ok();
        let customer = self.customer_ref(index, &record, "customer_id", &r.customer_id);
        let upn = self.upn(&record, &r.upn);
        let display_name = self.text(&record, "display_name", &r.display_name);
        if r.licenses.len() > limits::MAX_LICENSES_PER_USER {
            let message = format!(
                "at most {} licenses per user, has {}",
                limits::MAX_LICENSES_PER_USER,
                r.licenses.len()
            );
            self.err(&record, "licenses", message);
            return None;
        }
        let mut licenses = Some(Vec::with_capacity(r.licenses.len()));
        let mut held = HashSet::new();
        for (j, l) in r.licenses.iter().enumerate() {
            let field = format!("licenses[{j}]");
            let license = self.license(index, &record, &field, l, customer.map(|c| c.0));
            if let Some(license) = &license
                && !held.insert(license.subscription_id)
            {
                let message = "the user already holds a license of this subscription";
                self.err(&record, format!("{field}.subscription_id"), message);
            }
            licenses = licenses.zip(license).map(|(mut all, l)| {
                all.push(l);
                all
            });
        }
        Some(CustomerUser {
            id: id?,
            customer_id: customer?.0,
            upn: upn?,
            display_name: display_name?,
            sign_in_blocked: r.sign_in_blocked,
            licenses: licenses?,
        })
    }

    fn license(
        &mut self,
        index: &Index,
        record: &str,
        field: &str,
        l: &RawLicense,
        customer: Option<CustomerId>,
    ) -> Option<License> {
        let sub_field = format!("{field}.subscription_id");
        let (subscription_id, sub) =
            self.subscription_ref(index, record, &sub_field, &l.subscription_id)?;
        let mut ok = true;
        if let Some(customer) = customer
            && differs(&sub.customer_id, CustomerId::parse, &customer)
        {
            let message = format!(
                "the subscription belongs to customer {}, not to this user's customer",
                sub.customer_id
            );
            self.err(record, &sub_field, message);
            ok = false;
        }
        // An unknown offer is reported on the subscription itself.
        let catalog = self.catalog;
        let offer = OfferId::parse(&sub.offer_id)
            .ok()
            .and_then(|o| catalog.offer(&o));
        let mut disabled = BTreeSet::new();
        for (k, service) in l.disabled_services.iter().enumerate() {
            let service_field = format!("{field}.disabled_services[{k}]");
            if offer.is_some_and(|o| !o.services.contains_key(service)) {
                let message = format!(
                    "{} does not include service {}",
                    sub.offer_id,
                    limits::quote(service)
                );
                self.err(record, &service_field, message);
                ok = false;
            } else if !disabled.insert(service.clone()) {
                let message = format!("{} listed twice", limits::quote(service));
                self.err(record, &service_field, message);
            }
        }
        ok.then_some(License {
            subscription_id,
            disabled_services: disabled,
        })
    }

    pub(super) fn order(&mut self, index: &Index, i: usize, r: &RawOrder) -> Option<ImportedOrder> {
        let record = label("orders", i, &r.id);
        let id = OrderId::parse(&r.id).ok();
        let partner = self.partner_ref(index, &record, "partner_id", &r.partner_id);
        let customer = self.customer_ref(index, &record, "customer_id", &r.customer_id);
        if let (Some(partner_id), Some((_, c))) = (partner, customer)
            && differs(&c.partner_id, PartnerId::parse, &partner_id)
        {
            let message = format!(
                "the customer belongs to partner {}, not to the order's partner",
                c.partner_id
            );
            self.err(&record, "customer_id", message);
        }
        let source = self.subscription_ref(
            index,
            &record,
            "source_subscription_id",
            &r.source_subscription_id,
        );
        if let (Some((customer_id, _)), Some((_, s))) = (customer, source)
            && differs(&s.customer_id, CustomerId::parse, &customer_id)
        {
            let message = format!(
                "the subscription belongs to customer {}, not to the order's customer",
                s.customer_id
            );
            self.err(&record, "source_subscription_id", message);
        }
        let target = self.offer(&record, "target_offer_id", &r.target_offer_id);
        let quantity = self.seats(&record, "quantity", r.quantity, 1);
        let upgrade_type = self.enum_value(
            &record,
            "upgrade_type",
            &r.upgrade_type,
            UpgradeType::parse,
            UpgradeType::ALL,
        );
        let state = self.enum_value(
            &record,
            "state",
            &r.state,
            OrderState::parse,
            OrderState::ALL,
        );
        // The file has no due time: a scheduled order is made by
        // SubmitUpgrade only (SPEC §9).
        let state = match state {
            Some(OrderState::Scheduled) => {
                let message = "a scheduled order cannot be imported (the file has no due time); submit it with schedule AT_RENEWAL instead";
                self.err(&record, "state", message);
                None
            }
            other => other,
        };
        let submitter = self.partner_user_ref(index, &record, "submitted_by", &r.submitted_by);
        if let (Some(partner_id), Some((_, u))) = (partner, submitter)
            && differs(&u.partner_id, PartnerId::parse, &partner_id)
        {
            let message = format!(
                "the user belongs to partner {}, not to the order's partner",
                u.partner_id
            );
            self.err(&record, "submitted_by", message);
        }
        let created_at = self.time(&record, "created_at", &r.created_at);
        Some(ImportedOrder {
            summary: OrderSummary {
                id: id?,
                customer_id: customer?.0,
                source_subscription_id: source?.0,
                target_offer_id: target?.id.clone(),
                state: state?,
                created_at: created_at?,
            },
            partner_id: partner?,
            submitted_by: submitter?.0,
            quantity: quantity?,
            upgrade_type: upgrade_type?,
        })
    }
}
