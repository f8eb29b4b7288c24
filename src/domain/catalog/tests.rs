//! The builtin catalog: it loads, and it holds both matrices of SPEC §4.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::*;

fn id(s: &str) -> OfferId {
    OfferId::parse(s).unwrap()
}

fn builtin() -> Catalog {
    Catalog::builtin().unwrap_or_else(|e| panic!("builtin catalog refused: {e}"))
}

fn targets(c: &Catalog, from: &str) -> Vec<String> {
    c.paths_from(&id(from))
        .iter()
        .map(|p| p.to.to_string())
        .collect()
}

fn set(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn builtin_loads_with_both_matrices() {
    let c = builtin();
    let kinds: BTreeSet<_> = c.offers().map(|o| o.catalog).collect();
    assert_eq!(kinds, CatalogKind::ALL.iter().copied().collect());
    assert!(c.offers().count() >= 40);
    assert!(c.service("exchange").unwrap().data_related);
    assert!(!c.service("teams").unwrap().data_related);
}

#[test]
fn offers_come_in_id_order_and_paths_in_target_order() {
    let c = builtin();
    let ids: Vec<_> = c.offers().map(|o| o.id.clone()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    for o in c.offers() {
        let tos: Vec<_> = c.paths_from(&o.id).iter().map(|p| &p.to).collect();
        assert!(tos.windows(2).all(|w| w[0] < w[1]), "{}", o.id);
    }
}

#[test]
fn csp_matrix_of_seed_004() {
    let c = builtin();
    let cases: &[(&str, &[&str])] = &[
        (
            "m365-apps-business",
            &[
                "m365-business-premium",
                "m365-apps-enterprise",
                "o365-e3",
                "o365-e5",
            ],
        ),
        ("m365-business-standard", &["o365-e3", "o365-e5"]),
        (
            "m365-business-basic",
            &["m365-business-standard", "o365-e1", "o365-e3", "o365-e5"],
        ),
        ("m365-apps-business-in", &["m365-business-standard-in"]),
        ("m365-business-basic-in", &["m365-business-standard-in"]),
        ("m365-business-premium", &[]),
        ("o365-e1", &["o365-e3", "o365-e5"]),
        ("o365-e3", &["o365-e5"]),
        ("o365-e5", &[]),
        ("o365-e4", &["o365-e3", "o365-e5"]),
        ("exchange-online-plan1", &[]),
        ("m365-business-premium-nonprofit", &["o365-e5"]),
        ("o365-e3-gcc", &["o365-e5-gcc"]),
    ];
    for (from, to) in cases {
        assert_eq!(targets(&c, from), set(to), "paths from {from}");
    }
    let basic = id("m365-business-basic");
    let path = c.path(&basic, &id("o365-e3")).unwrap();
    assert_eq!(
        (path.max_users, path.custom_domain_blocks, path.one_way),
        (None, false, false)
    );
    assert!(c.path(&basic, &id("m365-business-premium")).is_none());
}

#[test]
fn csp_offer_facts() {
    let c = builtin();
    let offer = |s: &str| c.offer(&id(s)).unwrap();

    let e4 = offer("o365-e4");
    assert!(!e4.available);
    let trial = offer("o365-e3-trial-only");
    assert!(trial.trial && !trial.available);
    let unavailable: BTreeSet<_> = c
        .offers()
        .filter(|o| !o.available)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(
        unavailable,
        BTreeSet::from(["o365-e3-trial-only", "o365-e4"])
    );

    let basic_in = offer("m365-business-basic-in");
    assert_eq!(
        (basic_in.market.as_str(), basic_in.currency.as_str()),
        ("IN", "INR")
    );
    assert_eq!(offer("m365-business-basic").price, Decimal::new(600, 2));
    assert_eq!(
        offer("m365-apps-enterprise").billing_cycles,
        [BillingCycle::Annual]
    );
    assert_eq!(offer("o365-e3-gcc").segment, Segment::Government);
    assert_eq!(
        offer("m365-business-premium-nonprofit").segment,
        Segment::Nonprofit
    );

    for o in c
        .offers()
        .filter(|o| o.family == "m365-business" || o.id.as_str().starts_with("m365-apps-business"))
    {
        assert_eq!(o.max_seats, 300, "{}", o.id);
    }
    assert!(offer("o365-e3").max_seats >= 10000);
}

#[test]
fn csp_add_ons() {
    let c = builtin();
    let offer = |s: &str| c.offer(&id(s)).unwrap();
    let bases = |s: &str| {
        let mut v: Vec<String> = offer(s).bases.iter().map(|b| b.to_string()).collect();
        v.sort();
        v
    };

    // Extra file storage attaches to exactly the CSP bases with SharePoint.
    let with_sharepoint: Vec<String> = c
        .offers()
        .filter(|o| {
            o.catalog == CatalogKind::Csp && !o.add_on && o.services.contains_key("sharepoint")
        })
        .map(|o| o.id.to_string())
        .collect();
    assert_eq!(bases("o365-extra-file-storage"), with_sharepoint);
    assert!(
        c.offers()
            .all(|o| o.add_on || !o.services.contains_key("extra_storage"))
    );

    assert_eq!(
        bases("business-voice"),
        set(&[
            "m365-business-basic",
            "m365-business-premium",
            "m365-business-standard"
        ])
    );
    for included in ["o365-e3", "o365-e5", "m365-business-premium"] {
        assert!(
            offer(included).services.contains_key("exchange_archiving"),
            "{included}"
        );
    }
    assert!(offer("o365-e5").services.contains_key("audio_conferencing"));
    assert!(!bases("audio-conferencing").contains(&"o365-e5".to_string()));
}

#[test]
fn legacy_matrix_of_seed_002() {
    let c = builtin();
    let cases: &[(&str, &[&str])] = &[
        (
            "o365-p",
            &[
                "o365-small-business-premium",
                "o365-midsize",
                "o365-e1",
                "o365-e3",
                "o365-e4",
            ],
        ),
        (
            "o365-small-business-premium",
            &["o365-midsize", "o365-e1", "o365-e3", "o365-e4"],
        ),
        ("o365-midsize", &["o365-e1", "o365-e3", "o365-e4"]),
        ("o365-k1", &["o365-k2", "o365-e1", "o365-e3", "o365-e4"]),
        ("o365-k2", &["o365-e1", "o365-e3", "o365-e4"]),
        ("o365-e1", &["o365-e3", "o365-e4"]),
        ("o365-e3", &["o365-e4"]),
        ("o365-e4", &[]),
        (
            "lync-plan1",
            &["lync-plan2", "o365-e1", "o365-e3", "o365-e4"],
        ),
        ("lync-plan2", &["o365-e1", "o365-e3", "o365-e4"]),
        ("lync-plan3", &["o365-e4"]),
        ("sharepoint-plan1", &["o365-e1", "o365-e3", "o365-e4"]),
        ("sharepoint-plan2", &["o365-e3", "o365-e4"]),
        ("exchange-plan1", &["o365-e1", "o365-e3", "o365-e4"]),
        ("exchange-plan2", &["o365-e3", "o365-e4"]),
        ("education-a1", &["education-a2", "education-a3"]),
        ("education-a2", &["education-a3"]),
        ("education-a4", &[]),
        (
            "office-online-sharepoint",
            &[
                "education-a1",
                "education-a2",
                "education-a3",
                "education-a4",
            ],
        ),
        (
            "exchange-kiosk",
            &[
                "o365-e1",
                "o365-e3",
                "o365-e4",
                "o365-k1",
                "exchange-plan1",
                "exchange-plan2",
            ],
        ),
    ];
    let legacy = |s: &str| format!("legacy-{s}");
    for (from, to) in cases {
        let to: Vec<String> = to.iter().map(|t| legacy(t)).collect();
        let to: Vec<&str> = to.iter().map(String::as_str).collect();
        assert_eq!(
            targets(&c, &legacy(from)),
            set(&to),
            "paths from legacy-{from}"
        );
    }
}

#[test]
fn legacy_rules_as_data() {
    let c = builtin();
    let p = c.offer(&id("legacy-o365-p")).unwrap();
    assert_eq!(p.max_seats, 25);

    let legacy_paths: Vec<&UpgradePath> = c
        .offers()
        .filter(|o| o.catalog == CatalogKind::Legacy2013)
        .flat_map(|o| c.paths_from(&o.id))
        .collect();
    assert!(legacy_paths.len() > 50);
    for path in &legacy_paths {
        // Seed 002: the wizard stops at 300 users; a P plan at 25.
        let limit = if path.from == p.id { 25 } else { 300 };
        assert_eq!(path.max_users, Some(limit), "{} -> {}", path.from, path.to);
        let (from, to) = (c.offer(&path.from).unwrap(), c.offer(&path.to).unwrap());
        assert_eq!(
            path.one_way,
            from.family != to.family,
            "{} -> {}",
            path.from,
            path.to
        );
        let blocks = path.from == p.id && to.id != id("legacy-o365-small-business-premium");
        assert_eq!(
            path.custom_domain_blocks, blocks,
            "{} -> {}",
            path.from, path.to
        );
    }
    for to in [
        "legacy-o365-midsize",
        "legacy-o365-e1",
        "legacy-o365-e3",
        "legacy-o365-e4",
    ] {
        assert!(c.path(&p.id, &id(to)).unwrap().custom_domain_blocks, "{to}");
    }

    let education: BTreeSet<_> = c
        .offers()
        .filter(|o| o.segment == Segment::Education)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(education.len(), 5);
    assert!(
        education
            .iter()
            .all(|o| o.starts_with("legacy-education-") || *o == "legacy-office-online-sharepoint")
    );
}

#[test]
fn no_matrix_path_drops_user_data() {
    // Eligibility would refuse such a path every time (DATA_SERVICE_DOWNGRADE),
    // so one in the matrix would be a data mistake.
    let c = builtin();
    for from in c.offers() {
        for path in c.paths_from(&from.id) {
            let to = c.offer(&path.to).unwrap();
            for (service, level) in &from.services {
                if c.service(service).unwrap().data_related {
                    assert!(
                        to.services.get(service).is_some_and(|l| l >= level),
                        "{} -> {} loses {service}",
                        from.id,
                        to.id
                    );
                }
            }
        }
    }
}

#[test]
fn from_file_reads_and_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("offers.toml");
    std::fs::write(&file, BUILTIN).unwrap();
    assert_eq!(
        Catalog::from_file(&file).unwrap().offers().count(),
        builtin().offers().count()
    );

    let missing = dir.path().join("nope.toml");
    let err = Catalog::from_file(&missing).unwrap_err();
    assert!(matches!(err, CatalogError::Io { .. }));
    assert!(err.to_string().contains("nope.toml"), "{err}");
}
