//! Money for an upgrade, in exact decimal (never floats): the prorated credit
//! for the unused part of the source's billing period (seed 000), and the
//! monthly value that decides whether a credit check holds the order.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::domain::catalog::Offer;
use crate::domain::model::{BillingCycle, Subscription};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    /// ISO 4217.
    pub currency: String,
}

impl Money {
    pub fn zero(currency: &str) -> Self {
        Money {
            amount: Decimal::ZERO,
            currency: currency.to_owned(),
        }
    }
}

fn months(cycle: BillingCycle) -> Decimal {
    match cycle {
        BillingCycle::Monthly => Decimal::ONE,
        BillingCycle::Annual => Decimal::from(12),
    }
}

/// Unused whole days of the source's current billing period, times its daily
/// price (the period's price spread over the period's days), times its
/// quantity; rounded half-to-even to the cent. The day `now` falls in counts
/// as used. Zero before the period starts is impossible (the period is
/// current); after it ends, nothing is left to credit.
pub fn prorated_credit(source: &Subscription, offer: &Offer, now: DateTime<Utc>) -> Money {
    let start = source.period_start.date_naive();
    let end = source.period_end.date_naive();
    let today = now.date_naive();
    let total_days = (end - start).num_days();
    if total_days <= 0 {
        return Money::zero(&offer.currency);
    }
    let unused_days =
        (end - today).num_days().clamp(0, total_days) - i64::from(today >= start && today < end);
    let unused_days = unused_days.max(0);
    let period_price = offer.price * months(source.billing_cycle) * Decimal::from(source.quantity);
    let amount = (period_price * Decimal::from(unused_days) / Decimal::from(total_days))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    Money {
        amount,
        currency: offer.currency.clone(),
    }
}

/// What the target subscription costs per month at `quantity` seats.
pub fn monthly_value(target: &Offer, quantity: i64) -> Money {
    Money {
        amount: target.price * Decimal::from(quantity),
        currency: target.currency.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::ids::*;
    use crate::domain::model::*;
    use chrono::TimeZone;

    fn sub(
        cycle: BillingCycle,
        start: (i32, u32, u32),
        end: (i32, u32, u32),
        quantity: i64,
    ) -> Subscription {
        let at = |(y, m, d): (i32, u32, u32)| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
        Subscription {
            id: SubscriptionId::new_v4(),
            customer_id: CustomerId::new_v4(),
            offer_id: OfferId::parse("m365-business-basic").unwrap(),
            channel: Channel::ThisPartner,
            status: SubscriptionStatus::Active,
            provisioned: true,
            quantity,
            assigned_seats: quantity,
            billing_cycle: cycle,
            payment_method: PaymentMethod::CreditCard,
            trial: false,
            parent_id: None,
            period_start: at(start),
            period_end: at(end),
            created_at: at(start),
        }
    }

    fn offer(price: &str) -> Offer {
        let catalog = Catalog::builtin().unwrap();
        let mut o = catalog
            .offer(&OfferId::parse("m365-business-basic").unwrap())
            .unwrap()
            .clone();
        o.price = price.parse().unwrap();
        o
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn credit_is_exact_and_prorated_by_day() {
        // November: 30 days; on the 11th, days 12..30 are unused (19 days...
        // the 11th itself counts as used): 10 seats x 6.00 x 19/30 = 38.00.
        let s = sub(BillingCycle::Monthly, (2026, 11, 1), (2026, 12, 1), 10);
        let c = prorated_credit(&s, &offer("6.00"), at(2026, 11, 11, 15));
        assert_eq!(c.amount, "38.00".parse::<Decimal>().unwrap());
        assert_eq!(c.currency, "USD");
    }

    #[test]
    fn annual_periods_use_the_years_price_and_round_to_even_cents() {
        // 365-day year, 3 seats x 12.50 x 12 = 450.00 for the year; 100 unused
        // days: 450 x 100 / 365 = 123.287671... -> 123.29.
        let s = sub(BillingCycle::Annual, (2026, 1, 1), (2027, 1, 1), 3);
        let now = at(2026, 9, 22, 8);
        let c = prorated_credit(&s, &offer("12.50"), now);
        assert_eq!(c.amount, "123.29".parse::<Decimal>().unwrap());
    }

    #[test]
    fn nothing_is_left_after_the_period_and_all_but_today_at_its_start() {
        let s = sub(BillingCycle::Monthly, (2026, 11, 1), (2026, 12, 1), 1);
        assert_eq!(
            prorated_credit(&s, &offer("30.00"), at(2026, 12, 5, 0)).amount,
            Decimal::ZERO
        );
        assert_eq!(
            prorated_credit(&s, &offer("30.00"), at(2026, 11, 1, 0)).amount,
            "29.00".parse::<Decimal>().unwrap()
        );
    }

    #[test]
    fn monthly_value_is_price_times_seats() {
        assert_eq!(
            monthly_value(&offer("23.00"), 300).amount,
            "6900.00".parse::<Decimal>().unwrap()
        );
    }
}
