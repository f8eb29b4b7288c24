//! Issue 17: the command-line client against the real server (SQLite, or
//! Postgres with TEST_DATABASE_URL): `report` writes what the stream sends
//! and resumes after an interruption; `submit-batch` run again creates no
//! second order.

mod common;

use std::sync::Arc;

use chrono::TimeZone;
use common::server::*;
use csp_upgrades::client::Connection;
use csp_upgrades::client::report::{self, Format, ReportArgs, View};
use csp_upgrades::client::submit_batch::{self, SubmitBatchArgs};
use csp_upgrades::clock::FixedClock;
use csp_upgrades::grpc::pb;
use futures::StreamExt;

fn connection(server: &TestServer, token: String) -> Connection {
    Connection {
        addr: format!("http://{}", server.addr),
        token,
    }
}

fn report_args(
    server: &TestServer,
    token: &str,
    format: Format,
    out: &std::path::Path,
) -> ReportArgs {
    ReportArgs {
        connection: connection(server, token.into()),
        format,
        out: Some(out.to_owned()),
        view: View::Basic,
        only_eligible: false,
        customers: Vec::new(),
        offers: Vec::new(),
    }
}

#[tokio::test]
async fn the_report_is_the_stream_and_resumes_after_an_interruption() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let mut stream = server
        .upgrades(Some(token.clone()))
        .stream_eligibility(pb::StreamEligibilityRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut streamed = Vec::new();
    while let Some(m) = stream.next().await {
        let m = m.unwrap();
        let e = m.eligibility.unwrap();
        streamed.push((m.cursor, e.customer_id, e.subscription_id, e.targets));
    }

    let dir = tempfile::tempdir().unwrap();
    for format in [Format::Csv, Format::Jsonl] {
        let path = dir.path().join(format!("report.{format:?}"));
        let args = report_args(&server, &token, format, &path);
        assert_eq!(report::run(&args).await.unwrap(), streamed.len() as u64);
        let full = std::fs::read_to_string(&path).unwrap();
        let rows: Vec<&str> = full.lines().collect();
        let rows = if format == Format::Csv {
            assert_eq!(rows[0], report::CSV_COLUMNS.join(","));
            &rows[1..]
        } else {
            &rows[..]
        };
        assert_eq!(rows.len(), streamed.len());
        for (row, (cursor, customer, subscription, targets)) in rows.iter().zip(&streamed) {
            match format {
                Format::Csv => {
                    let cols: Vec<&str> = row.split(',').collect();
                    assert_eq!(cols.len(), report::CSV_COLUMNS.len(), "{row}");
                    assert_eq!(
                        (cols[0], cols[1], cols[2]),
                        (cursor.as_str(), customer.as_str(), subscription.as_str())
                    );
                    let eligible = targets.iter().filter(|t| t.eligible).count();
                    let listed = cols[4].split_whitespace().count();
                    assert_eq!(listed, eligible, "{row}");
                }
                Format::Jsonl => {
                    let v: serde_json::Value = serde_json::from_str(row).unwrap();
                    assert_eq!(v["cursor"], cursor.as_str());
                    assert_eq!(v["subscription_id"], subscription.as_str());
                    assert_eq!(v["targets"].as_array().unwrap().len(), targets.len());
                }
            }
        }

        // Interrupted after a third of the rows, in the middle of a line.
        let cut = full
            .match_indices('\n')
            .nth(full.lines().count() / 3)
            .unwrap()
            .0
            + 1;
        std::fs::write(&path, format!("{}{}", &full[..cut], "partial,li")).unwrap();
        let again = report::run(&args).await.unwrap();
        assert!(again > 0 && again < streamed.len() as u64);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), full, "{format:?}");
        // Finished: a further run adds nothing.
        assert_eq!(report::run(&args).await.unwrap(), 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), full);
    }
}

#[tokio::test]
async fn submit_batch_run_again_after_an_interruption_creates_no_doubles() {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 11, 12, 0, 0)
        .unwrap();
    let server =
        TestServer::start_with(common::db::fresh().await, true, Arc::new(FixedClock(now))).await;
    let token = server.token(ADMIN_AGENT).await;
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        "customer_id,subscription_id,target_offer_id,quantity,upgrade_type",
        "30000000-0000-4000-8000-000000000001,40000000-0000-4000-8000-000000000101,o365-e3,12,WITH_LICENSE_TRANSFER",
        "30000000-0000-4000-8000-000000000008,40000000-0000-4000-8000-000000000801,o365-e5,150,UPGRADE_ONLY",
        "30000000-0000-4000-8000-000000000001,not-an-id,o365-e3,12,WITH_LICENSE_TRANSFER",
    ];
    let path = dir.path().join("upgrades.csv");
    let args = SubmitBatchArgs {
        connection: connection(&server, token.clone()),
        file: path.clone(),
        batch_size: 1,
    };
    // The first run "stops" after the first item: a file of that item only.
    std::fs::write(&path, lines[..2].join("\n")).unwrap();
    assert_eq!(submit_batch::run(&args).await.unwrap(), (1, 0));
    let first = std::fs::read_to_string(submit_batch::results_path(&path)).unwrap();

    std::fs::write(&path, lines.join("\n")).unwrap();
    assert_eq!(submit_batch::run(&args).await.unwrap(), (2, 1));
    let results = std::fs::read_to_string(submit_batch::results_path(&path)).unwrap();
    let rows: Vec<&str> = results.lines().collect();
    assert_eq!(rows.len(), 4, "{results}");
    // The first item's outcome is the same order as in the first run.
    assert_eq!(rows[1], first.lines().nth(1).unwrap());
    assert!(
        rows[3].contains(",error,") && rows[3].contains("InvalidArgument"),
        "{}",
        rows[3]
    );

    // And once more: nothing new anywhere.
    assert_eq!(submit_batch::run(&args).await.unwrap(), (2, 1));
    assert_eq!(
        std::fs::read_to_string(submit_batch::results_path(&path)).unwrap(),
        results
    );
    let mut upgrades = server.upgrades(Some(token));
    for customer in [
        "30000000-0000-4000-8000-000000000001",
        "30000000-0000-4000-8000-000000000008",
    ] {
        let orders = upgrades
            .list_upgrade_orders(pb::ListUpgradeOrdersRequest {
                customer_id: customer.into(),
                page_size: 100,
                page_token: String::new(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .orders;
        assert_eq!(orders.len(), 1, "{customer}");
    }
}
