//! SPEC §12 through the real server on the demo data (SQLite, or Postgres
//! with TEST_DATABASE_URL): `accept-language` picks English or Dutch for
//! every human text; codes, fields and details never change with it.

mod common;

use common::server::*;
use csp_upgrades::grpc::pb;
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic_types::{ErrorDetail, StatusExt};

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const OLYMPIA: &str = "30000000-0000-4000-8000-000000000030";
const OLYMPIA_P: &str = "40000000-0000-4000-8000-000000003001";
const ALPINE: &str = "30000000-0000-4000-8000-000000000005";
const ALPINE_BASIC: &str = "40000000-0000-4000-8000-000000000501";
const PROSEWARE: &str = "30000000-0000-4000-8000-000000000010";
const PROSEWARE_BASIC: &str = "40000000-0000-4000-8000-000000001001";

fn asking<T>(message: T, accept_language: Option<&str>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(lang) = accept_language {
        request
            .metadata_mut()
            .insert("accept-language", MetadataValue::try_from(lang).unwrap());
    }
    request
}

async fn check(
    server: &TestServer,
    customer: &str,
    sub: &str,
    lang: Option<&str>,
) -> pb::CheckUpgradeEligibilityResponse {
    let token = server.token(ADMIN_AGENT).await;
    server
        .upgrades(Some(token))
        .check_upgrade_eligibility(asking(
            pb::CheckUpgradeEligibilityRequest {
                customer_id: customer.into(),
                subscription_id: sub.into(),
                target_offer_id: String::new(),
                as_of: 0,
            },
            lang,
        ))
        .await
        .unwrap()
        .into_inner()
}

/// Everything of an answer but its sentences.
fn without_texts(
    mut a: pb::CheckUpgradeEligibilityResponse,
) -> pb::CheckUpgradeEligibilityResponse {
    let strip = |r: &mut pb::Reason| {
        r.message.clear();
        r.remedy_description.clear();
    };
    a.source_reasons.iter_mut().for_each(strip);
    for t in &mut a.targets {
        t.reasons.iter_mut().for_each(strip);
        if let Some(m) = &mut t.manual_path {
            m.steps.clear();
        }
    }
    a
}

fn sentences(a: &pb::CheckUpgradeEligibilityResponse) -> Vec<String> {
    let mut out = Vec::new();
    for t in &a.targets {
        for r in &t.reasons {
            out.push(r.message.clone());
            out.push(r.remedy_description.clone());
        }
        out.extend(t.manual_path.iter().flat_map(|m| m.steps.clone()));
    }
    out
}

#[tokio::test]
async fn the_same_check_in_dutch_has_the_same_codes_and_details() {
    let server = TestServer::start().await;
    // Alpine Ski House: MULTICHANNEL_CONFLICT on three targets, with manual
    // paths; Olympia Dental: custom domain, one-way switches.
    for (customer, sub) in [(ALPINE, ALPINE_BASIC), (OLYMPIA, OLYMPIA_P)] {
        let english = check(&server, customer, sub, None).await;
        let dutch = check(&server, customer, sub, Some("nl-NL")).await;
        let (en, nl) = (sentences(&english), sentences(&dutch));
        assert!(en.len() > 5, "{en:#?}");
        assert_eq!(en.len(), nl.len());
        assert_eq!(without_texts(english.clone()), without_texts(dutch.clone()));
        for (e, n) in en.iter().zip(&nl) {
            assert!(!e.is_empty() && !n.is_empty());
            assert_ne!(e, n, "said the same in both languages");
        }
        let all = nl.join(" ");
        assert!(all.contains("abonnement"), "{all}");
        assert!(!all.contains(" the "), "English left in the Dutch: {all}");
    }

    // An explicit English request is the default; another language too.
    let english = check(&server, ALPINE, ALPINE_BASIC, None).await;
    for lang in ["en-US", "fr-FR", "de, en;q=0.5"] {
        assert_eq!(
            check(&server, ALPINE, ALPINE_BASIC, Some(lang)).await,
            english,
            "{lang}"
        );
    }
    // nl-BE and plain nl are Dutch too.
    let dutch = check(&server, ALPINE, ALPINE_BASIC, Some("nl-NL")).await;
    for lang in ["nl", "nl-BE", "fr;q=0.9, nl-BE;q=0.8"] {
        assert_eq!(
            check(&server, ALPINE, ALPINE_BASIC, Some(lang)).await,
            dutch,
            "{lang}"
        );
    }
    let r = &dutch.targets[0].reasons[0];
    assert_eq!(r.code, pb::ReasonCode::MultichannelConflict as i32);
    assert!(
        r.message.starts_with("De klant heeft ")
            && r.message.contains("rechtstreeks bij Microsoft"),
        "{}",
        r.message
    );
    assert!(
        r.remedy_description.starts_with("Laat de klant"),
        "{}",
        r.remedy_description
    );
}

fn localized(status: &tonic::Status) -> (String, String) {
    status
        .get_error_details_vec()
        .into_iter()
        .find_map(|d| match d {
            ErrorDetail::LocalizedMessage(m) => Some((m.locale, m.message)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no LocalizedMessage in {status:?}"))
}

#[tokio::test]
async fn errors_carry_a_localized_message_and_keep_grpc_message_english() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let missing = "30000000-0000-4000-8000-000000000077";
    for (lang, locale, text) in [
        (
            None,
            "en",
            "The customer 30000000-0000-4000-8000-000000000077 does not exist.",
        ),
        (
            Some("nl-BE"),
            "nl",
            "De klant 30000000-0000-4000-8000-000000000077 bestaat niet.",
        ),
    ] {
        let err = server
            .upgrades(Some(token.clone()))
            .check_upgrade_eligibility(asking(
                pb::CheckUpgradeEligibilityRequest {
                    customer_id: missing.into(),
                    subscription_id: NORTHWIND_BASIC.into(),
                    target_offer_id: String::new(),
                    as_of: 0,
                },
                lang,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert_eq!(err.message(), format!("customer {missing} not found"));
        assert_eq!(localized(&err), (locale.to_owned(), text.to_owned()));
        // The structured details are the same in every language.
        assert!(err.get_details_resource_info().is_some());
    }

    // Refused by the authentication layer, before any handler.
    let err = server
        .upgrades(Some("not-a-token".into()))
        .check_upgrade_eligibility(asking(
            pb::CheckUpgradeEligibilityRequest::default(),
            Some("nl"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let (locale, message) = localized(&err);
    assert_eq!(locale, "nl");
    assert!(message.contains("meld u opnieuw aan"), "{message}");

    // A refused order lists the reasons in the caller's language, and the
    // precondition details stay the same.
    let submit = |lang| {
        asking(
            pb::SubmitUpgradeRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                customer_id: PROSEWARE.into(),
                subscription_id: PROSEWARE_BASIC.into(),
                target_offer_id: "o365-e3".into(),
                quantity: 10,
                upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
                billing_cycle: 0,
                ..Default::default()
            },
            lang,
        )
    };
    let mut upgrades = server.upgrades(Some(token.clone()));
    let en = upgrades.submit_upgrade(submit(None)).await.unwrap_err();
    let nl = upgrades
        .submit_upgrade(submit(Some("nl-NL")))
        .await
        .unwrap_err();
    assert_eq!(en.code(), Code::FailedPrecondition);
    assert_eq!(en.message(), nl.message(), "grpc-message stays English");
    assert_eq!(
        format!("{:?}", en.get_details_precondition_failure()),
        format!("{:?}", nl.get_details_precondition_failure())
    );
    let (locale, message) = localized(&nl);
    assert_eq!(locale, "nl");
    assert!(
        message.starts_with("De upgrade is nu niet mogelijk. Bestelling ")
            && message.contains("wordt verwerkt"),
        "{message}"
    );
    assert!(
        localized(&en)
            .1
            .starts_with("The upgrade is not possible now. Order ")
    );
}

#[tokio::test]
async fn the_migration_report_is_said_in_the_callers_language() {
    let server = TestServer::start().await;
    let token = server.token(ADMIN_AGENT).await;
    let preview = |lang| {
        asking(
            pb::PreviewUpgradeRequest {
                customer_id: NORTHWIND.into(),
                subscription_id: NORTHWIND_BASIC.into(),
                target_offer_id: "o365-e3".into(),
                quantity: 10,
                upgrade_type: pb::UpgradeType::WithLicenseTransfer as i32,
                billing_cycle: 0,
                ..Default::default()
            },
            lang,
        )
    };
    let mut upgrades = server.upgrades(Some(token));
    let en = upgrades
        .preview_upgrade(preview(None))
        .await
        .unwrap()
        .into_inner();
    let nl = upgrades
        .preview_upgrade(preview(Some("nl")))
        .await
        .unwrap()
        .into_inner();
    assert!(en.migration_report.len() >= 3, "{:#?}", en.migration_report);
    assert_eq!(en.migration_report.len(), nl.migration_report.len());
    for (e, n) in en.migration_report.iter().zip(&nl.migration_report) {
        assert_eq!(
            (e.issue, &e.user_id, &e.service_id),
            (n.issue, &n.user_id, &n.service_id)
        );
        assert_eq!(e.remedy, n.remedy, "the remedy enum is the same");
        assert_ne!(e.remedy_message, n.remedy_message);
    }
    let blocked = nl
        .migration_report
        .iter()
        .find(|m| m.issue == pb::MigrationIssue::SignInBlocked as i32)
        .unwrap();
    assert_eq!(
        blocked.remedy_message,
        "Hef de aanmeldblokkering van de gebruiker op, zodat die het nieuwe abonnement kan gebruiken."
    );
}
