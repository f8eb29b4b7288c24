//! One suite for every `Store` backend, instantiated for each by
//! `conformance_suite!` (quickwit's `metastore_test_suite!` pattern: the
//! macro writes the tests, never the store). `cargo test` runs the SQLite
//! instances always and the Postgres ones when `TEST_DATABASE_URL` names a
//! server (`.ci/run`'s second pass); without it each Postgres instance
//! prints a `SKIPPED` line. Each test gets a fresh database.
//!
//! The cases cover every method of the storage traits, and the use cases
//! (`csp_upgrades::app`) that write through them, races included: where
//! the backends differ most.

mod common;
#[path = "storage_conformance/directory.rs"]
mod directory;
#[path = "storage_conformance/fixtures.rs"]
mod fixtures;
#[path = "storage_conformance/lists.rs"]
mod lists;
#[path = "storage_conformance/optimistic.rs"]
mod optimistic;
#[path = "storage_conformance/orders.rs"]
mod orders;
#[path = "storage_conformance/roles.rs"]
mod roles;
#[path = "storage_conformance/schedule.rs"]
mod schedule;
#[path = "storage_conformance/split.rs"]
mod split;

use std::sync::Arc;

use csp_upgrades::storage::{self, Page, PageRequest, StorageError, Store};

use common::db::{self, TestDb};

/// Connects to (and migrates) the test's database.
async fn connect(db: &TestDb) -> Arc<dyn Store> {
    storage::connect(&db.url).await.expect("connect")
}

/// Every page of a listing, checking each page's size on the way.
async fn all_pages<T, F, Fut>(size: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Page<T>>,
{
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let page = fetch(PageRequest::new(size, &token).unwrap()).await;
        assert!(page.items.len() <= size as usize);
        items.extend(page.items);
        if page.next_page_token.is_empty() {
            return items;
        }
        token = page.next_page_token;
    }
}

/// Writes a test per case and backend: `sqlite::<case>` and
/// `postgres::<case>`, each calling `<module>::<case>(db)` with a fresh
/// database of its backend.
macro_rules! conformance_suite {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$module::$case(super::db::fresh_sqlite()).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let test = concat!(stringify!($module), "::", stringify!($case));
                    if let Some(db) = super::db::fresh_postgres_or_skip(test).await {
                        super::$module::$case(db).await;
                    }
                }
            )*
        }
    };
}

conformance_suite!(
    directory::ping_and_backend,
    directory::import_round_trips_every_field,
    directory::times_are_kept_to_the_microsecond,
    directory::import_clashing_with_existing_rows_writes_nothing,
    directory::an_import_failing_halfway_writes_nothing,
    directory::customers_page_by_name_then_id_each_exactly_once,
    directory::unreadable_page_keys_are_refused,
    directory::another_partners_customer_is_not_there,
    directory::snapshot_holds_all_channels_add_ons_users_and_only_open_orders,
    directory::snapshots_between_equal_one_snapshot_each,
    directory::replicas_starting_together_migrate_once,
    directory::partner_users_by_id_upn_and_page,
    lists::orders_list_partner_wide_and_by_state,
    lists::customers_filter_by_name_prefix_and_country,
    orders::an_order_and_its_effects_are_written_in_one_transaction,
    orders::a_dropped_order_transaction_writes_nothing,
    orders::another_partners_customer_cannot_be_locked,
    orders::a_customer_lock_holds_off_other_writers,
    orders::a_submission_is_written_replayed_and_its_key_guarded,
    orders::a_credit_check_is_resolved_once,
    orders::the_same_key_sent_at_once_is_written_once,
    optimistic::a_write_at_the_read_version_does_all_the_locked_write_does,
    optimistic::a_write_at_an_old_version_writes_nothing,
    optimistic::one_write_of_many_customers_writes_those_still_at_their_version,
    schedule::due_orders_are_claimed_once_until_the_lease_runs_out,
    schedule::racing_runners_run_a_due_order_once,
    schedule::racing_runners_run_many_orders_once_each,
    split::partial_upgrades_split_seats_and_users_as_named,
    split::partial_refusals_write_nothing_and_replays_create_nothing,
    roles::roles_and_audit_records_are_written_in_one_transaction,
    roles::audit_records_page_newest_first,
    roles::a_dropped_role_transaction_writes_nothing,
    roles::a_partner_lock_holds_off_other_role_changes,
    roles::role_changes_and_their_refusals_are_audited,
    roles::mutual_revokes_leave_one_global_admin,
);

#[tokio::test]
async fn connect_failures_say_what_and_hide_the_url() {
    let started = std::time::Instant::now();
    let err = storage::connect("postgres://app:s3cret@127.0.0.1:1/csp")
        .await
        .err()
        .expect("nothing listens on port 1");
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    let err = storage::connect("mysql://app:s3cret@db/csp")
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("\"mysql\""), "{err}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
}
