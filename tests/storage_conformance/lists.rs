//! The list filters: partner-wide orders by state, customers by name prefix
//! and country; never another partner's rows.

use csp_upgrades::domain::dataset::ValidDataset;
use csp_upgrades::domain::model::*;
use csp_upgrades::storage::{CustomerFilter, OrderFilter, PageRequest};

use super::common::db::TestDb;
use super::connect;
use super::fixtures::*;

pub async fn orders_list_partner_wide_and_by_state(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let page = PageRequest::first(100);
    let all = store
        .list_orders(demo.partner.id, &OrderFilter::default(), &page)
        .await
        .unwrap()
        .expect("no customer named: always a page");
    let mine = |o: &&csp_upgrades::domain::dataset::ImportedOrder| {
        demo.data
            .customers
            .iter()
            .any(|c| c.id == o.summary.customer_id && c.partner_id == demo.partner.id)
    };
    assert_eq!(
        all.items.len(),
        demo.data.orders.iter().filter(mine).count(),
        "every order of the partner, none of another's"
    );
    for state in OrderState::ALL {
        let only = store
            .list_orders(
                demo.partner.id,
                &OrderFilter {
                    customer: None,
                    state: Some(*state),
                },
                &page,
            )
            .await
            .unwrap()
            .unwrap();
        let expected = demo
            .data
            .orders
            .iter()
            .filter(mine)
            .filter(|o| o.summary.state == *state)
            .count();
        // Every state but SCHEDULED, which is only ever submitted
        // (`schedule.rs` lists those).
        assert!(
            expected > 0 || *state == OrderState::Scheduled,
            "the demo has an order in {state}"
        );
        assert_eq!(only.items.len(), expected, "{state}");
        assert!(only.items.iter().all(|o| o.state == *state), "{state}");
    }
    // Paging partner-wide: newest first, each order once.
    let mut seen = Vec::new();
    let mut request = PageRequest::first(2);
    loop {
        let p = store
            .list_orders(demo.partner.id, &OrderFilter::default(), &request)
            .await
            .unwrap()
            .unwrap();
        seen.extend(p.items.iter().map(|o| o.id));
        if p.next_page_token.is_empty() {
            break;
        }
        request = PageRequest::new(2, &p.next_page_token).unwrap();
    }
    assert_eq!(seen, all.items.iter().map(|o| o.id).collect::<Vec<_>>());
}

pub async fn customers_filter_by_name_prefix_and_country(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    let mut data: ValidDataset = demo.data.clone();
    let mut lower = customer(&demo.partner, "rich and famous");
    lower.country = "NL".into();
    data.customers.push(lower.clone());
    store.import(&data).await.unwrap();
    let names = |filter: CustomerFilter| {
        let store = store.clone();
        let partner = demo.partner.id;
        async move {
            store
                .list_customers(partner, &filter, &PageRequest::first(100))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
        }
    };
    let prefix = |p: &str| CustomerFilter {
        name_prefix: Some(p.into()),
        country: None,
    };
    assert_eq!(
        names(prefix("RICH")).await,
        ["Rich Customer", "rich and famous"],
        "case is ignored"
    );
    assert_eq!(names(prefix("Rich C")).await, ["Rich Customer"]);
    assert!(
        names(prefix("Foreign")).await.is_empty(),
        "another partner's"
    );
    assert!(names(prefix("%")).await.is_empty(), "no pattern characters");
    let country = CustomerFilter {
        name_prefix: None,
        country: Some("IN".into()),
    };
    assert_eq!(names(country).await, ["Rich Customer"]);
    let both = CustomerFilter {
        name_prefix: Some("rich".into()),
        country: Some("NL".into()),
    };
    assert_eq!(names(both).await, ["rich and famous"]);
}
