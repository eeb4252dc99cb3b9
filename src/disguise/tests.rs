//! The disguise's tests: templates, the built-in pool per change kind, seeded picks and the fitted style.

#![allow(clippy::unwrap_used)]

use super::select::tidy_message;
use super::*;
use jiff::Timestamp;
use std::collections::BTreeSet;

fn vars_for(scenario: &str, occurrence: Timestamp) -> DisguiseVars {
    DisguiseVars {
        scenario_id: scenario.to_owned(),
        drill_id: DrillId::new(scenario, occurrence),
        target_path: "charts/api/values-staging.yaml".to_owned(),
        target_branch: "main".to_owned(),
        key: "SERVICE__REDIS__CONNECTION_POOL__SIZE".to_owned(),
        kind: ChangeKind::PoolSize,
        date: jiff::civil::date(2026, 11, 24),
    }
}

fn vars() -> DisguiseVars {
    vars_for("redis-pool-exhaustion", "2026-11-24T10:00:00Z".parse().unwrap())
}

/// Drill ids for `n` consecutive daily occurrences.
fn many(n: i64) -> impl Iterator<Item = DisguiseVars> {
    let start: Timestamp = "2026-01-01T10:00:00Z".parse().unwrap();
    (0..n).map(move |day| vars_for("redis-pool-exhaustion", start + jiff::SignedDuration::from_hours(24 * day)))
}

fn show(resolved: &ResolvedDisguise) -> String {
    format!(
        "branch: {}\nauthor: {}\ntitle: {}\n--- commit message ---\n{}\n--- pr body ---\n{}",
        resolved.branch, resolved.author, resolved.pr_title, resolved.commit_message, resolved.pr_body
    )
}

#[test]
fn variables_are_derived_from_the_drill() {
    let values = vars().to_vars();
    let get = |name: &str| values.get(name).unwrap().to_owned();
    assert_eq!(get("drill.id"), "redis-pool-exhaustion-20261124T1000Z");
    assert_eq!(get("target.file"), "values-staging.yaml");
    assert_eq!(get("target.stem"), "values-staging");
    assert_eq!(get("target.dir"), "charts/api");
    assert_eq!(get("key.kebab"), "service-redis-connection-pool-size");
    assert_eq!(get("key.words"), "service redis connection pool size");
    assert_eq!(get("date"), "2026-11-24");
    assert_eq!(get("short_id").len(), 6);
    assert!(get("short_id").bytes().all(|b| b.is_ascii_hexdigit()));
    // Exactly the documented set, so `check_template` and `render` agree.
    let names: BTreeSet<&str> = values.names().collect();
    assert_eq!(names, KNOWN_VARIABLES.iter().map(|(n, _)| *n).collect());
}

#[test]
fn variables_for_a_plan_use_the_merge_date_in_the_zone() {
    let zone = crate::schedule::Zone::parse("Asia/Tokyo").unwrap();
    let occurrence: Timestamp = "2026-11-24T14:00:00Z".parse().unwrap();
    let plan = Plan::for_occurrence(
        "redis-pool-exhaustion",
        occurrence,
        &zone,
        jiff::SignedDuration::from_hours(2),
        jiff::SignedDuration::ZERO,
    );
    let (zero, off) = (serde_json::json!("0"), serde_json::json!(false));
    let changes = [("/env/REDIS_POOL_SIZE", Some(&zero)), ("/features/pooling", Some(&off))];
    let v = DisguiseVars::for_plan(&plan, "charts/api/values.yaml", "main", &changes);
    assert_eq!(v.scenario_id, "redis-pool-exhaustion");
    assert_eq!(v.drill_id.as_str(), "redis-pool-exhaustion-20261124T1400Z");
    assert_eq!(v.key, "REDIS_POOL_SIZE", "the first change's key");
    assert_eq!(v.kind, ChangeKind::PoolSize, "the first change with a specific kind");
    assert_eq!(DisguiseVars::for_plan(&plan, "values.yaml", "main", &[]).kind, ChangeKind::Generic);
    // 14:00 UTC plus up to two hours is the 24th or the 25th in Tokyo; the date follows the merge.
    assert_eq!(v.date, zone.date_of(plan.merge_at));
}

#[test]
fn short_id_is_pinned() {
    assert_eq!(short_id(&vars().drill_id), PINNED_SHORT_ID);
}

// Cross-checked against an independent implementation of the hash and generator.
const PINNED_SHORT_ID: &str = "23d56f";

#[test]
fn keys_come_from_the_pointer_and_split_into_words() {
    assert_eq!(key_from_pointer("/env/SERVICE__REDIS__CONNECTION_POOL__SIZE"), "SERVICE__REDIS__CONNECTION_POOL__SIZE");
    assert_eq!(key_from_pointer("/spec/containers/0"), "containers");
    assert_eq!(key_from_pointer("/hosts/-"), "hosts");
    assert_eq!(key_from_pointer("/a~1b/c~0d"), "c~d");
    assert_eq!(key_from_pointer(""), "");
    assert_eq!(key_words("replicaCount"), ["replica", "count"]);
    assert_eq!(key_words("resources.limits.memory"), ["resources", "limits", "memory"]);
    assert_eq!(key_words("max-connections2"), ["max", "connections2"]);
    assert_eq!(file_stem(".env"), "env");
    assert_eq!(file_stem("config.prod.json"), "config.prod");
    assert_eq!(file_stem("Makefile"), "Makefile");
}

#[test]
fn same_drill_same_disguise() {
    let spec = DisguiseSpec::default();
    assert_eq!(spec.resolve(&vars()).unwrap(), spec.resolve(&vars()).unwrap());
}

#[test]
fn the_pools_are_used_per_field() {
    let spec = DisguiseSpec::default();
    let resolved: Vec<ResolvedDisguise> = many(50).map(|v| spec.resolve(&v).unwrap()).collect();
    let distinct = |f: fn(&ResolvedDisguise) -> &String| resolved.iter().map(f).collect::<BTreeSet<_>>().len();
    assert!(distinct(|r| &r.branch) >= 4, "branches: {}", distinct(|r| &r.branch));
    assert!(distinct(|r| &r.commit_message) >= 4);
    assert!(distinct(|r| &r.pr_body) >= 4);
    // Fields are drawn independently: the branch does not decide the commit message.
    let pairs: BTreeSet<(&String, &String)> = resolved.iter().map(|r| (&r.branch, &r.commit_message)).collect();
    assert!(pairs.len() > distinct(|r| &r.branch));
    for r in &resolved {
        assert_eq!(r.pr_title, r.commit_message.lines().next().unwrap());
        assert_eq!(r.author, Author::TokenOwner);
        assert_eq!(check_branch_name(&r.branch), Ok(()));
    }
}

#[test]
fn nothing_built_in_gives_the_game_away() {
    let kinds = ChangeKind::ALL.map(pool::wordings);
    let texts = kinds.iter().flat_map(|w| w.commit_messages.iter().chain(w.reasons));
    for template in pool::BRANCHES.iter().chain(texts).chain(&pool::LAYOUTS) {
        assert_eq!(giveaway_words(template), Vec::<&str>::new(), "{template}");
        check_template(template).unwrap();
        assert!(!template.contains("scenario.id") && !template.contains("drill.id"), "{template}");
    }
    let spec = DisguiseSpec::default();
    for kind in ChangeKind::ALL {
        for mut v in many(200) {
            v.kind = kind;
            let resolved = spec.resolve(&v).unwrap();
            assert_eq!(resolved.giveaways(), [], "{}", show(&resolved));
        }
    }
}

#[test]
fn every_kind_has_enough_distinct_wordings_to_vary() {
    for kind in ChangeKind::ALL {
        let w = pool::wordings(kind);
        for (what, pool) in [("commit messages", w.commit_messages), ("reasons", w.reasons)] {
            let distinct: BTreeSet<&&str> = pool.iter().collect();
            assert!(distinct.len() >= 4 && distinct.len() == pool.len(), "{kind}: {what}");
        }
    }
    for layout in pool::LAYOUTS {
        assert_eq!(layout.matches(pool::WHY).count(), 1, "{layout}");
    }
}

#[test]
fn the_wording_comes_from_the_pool_of_what_the_fault_changes() {
    let spec = DisguiseSpec::default();
    for kind in ChangeKind::ALL {
        let w = pool::wordings(kind);
        let rendered = |pool: &[&str], v: &DisguiseVars| -> Vec<String> {
            pool.iter().map(|t| render(t, &v.to_vars()).unwrap()).collect()
        };
        let mut bodies_seen = BTreeSet::new();
        for mut v in many(60) {
            v.kind = kind;
            let r = spec.resolve(&v).unwrap();
            let messages: Vec<String> = rendered(w.commit_messages, &v).iter().map(|m| tidy_message(m)).collect();
            assert!(messages.contains(&r.commit_message), "{kind}: {}", show(&r));
            let bodies: Vec<String> = pool::bodies(kind).iter().map(|b| render(b, &v.to_vars()).unwrap()).collect();
            assert!(bodies.contains(&r.pr_body), "{kind}: {}", show(&r));
            bodies_seen.insert(r.pr_body);
        }
        assert!(bodies_seen.len() >= 8, "{kind}: the bodies vary between drills: {}", bodies_seen.len());
    }
    // The wording that once came with a port change belongs to replicas only.
    let wrong_for_a_port = ["over-provisioned", "resource usage", "at this size", "fits current load"];
    let neutral = pool::LAYOUTS.iter().chain(pool::GENERIC.reasons);
    for text in pool::PORT.commit_messages.iter().chain(pool::PORT.reasons).chain(neutral) {
        assert!(!wrong_for_a_port.iter().any(|w| text.contains(w)), "{text}");
    }
}

#[test]
fn giveaways_are_found_in_the_scenarios_own_words() {
    assert_eq!(giveaway_words("Use the DEFAULT pool"), ["fault"]);
    assert_eq!(giveaway_words("firedrill run"), ["firedrill", "drill"]);
    let spec = DisguiseSpec { branch: Some("{{ scenario.id }}".to_owned()), ..DisguiseSpec::default() };
    let mut v = vars();
    v.scenario_id = "redis-outage".to_owned();
    let found = spec.resolve(&v).unwrap().giveaways();
    assert_eq!(found, [(DisguiseField::Branch, "outage")]);
}

#[test]
fn templates_render_and_the_branch_is_sanitized() {
    let spec = DisguiseSpec {
        branch: Some("ops/{{ key.words }}..lock".to_owned()),
        commit_message: Some("chore: set {{key}}\n\nPart of the {{ date }} cleanup.\n\n".to_owned()),
        pr_title: None,
        pr_body: Some("See `{{ target.path }}` on {{ target.branch }}.".to_owned()),
        author: Some(AuthorSpec { name: "Dana Example".to_owned(), email: "dana@example.com".to_owned() }),
    };
    let r = spec.resolve(&vars()).unwrap();
    assert_eq!(r.branch, "ops/service-redis-connection-pool-size");
    assert_eq!(r.commit_message, "chore: set SERVICE__REDIS__CONNECTION_POOL__SIZE\n\nPart of the 2026-11-24 cleanup.");
    assert_eq!(r.pr_title, "chore: set SERVICE__REDIS__CONNECTION_POOL__SIZE");
    assert_eq!(r.pr_body, "See `charts/api/values-staging.yaml` on main.");
    assert_eq!(r.author, Author::Explicit { name: "Dana Example".to_owned(), email: "dana@example.com".to_owned() });
}

#[test]
fn a_title_alone_also_becomes_the_commit_message() {
    let spec = DisguiseSpec { pr_title: Some("Tune\n {{ key.words }}".to_owned()), ..DisguiseSpec::default() };
    let r = spec.resolve(&vars()).unwrap();
    assert_eq!(r.pr_title, "Tune service redis connection pool size");
    assert_eq!(r.commit_message, "Tune\n service redis connection pool size");
}

#[test]
fn unknown_placeholders_are_errors_naming_the_field() {
    let spec = DisguiseSpec { pr_body: Some("Fixes {{ ticket }}".to_owned()), ..DisguiseSpec::default() };
    let err = spec.resolve(&vars()).unwrap_err();
    assert!(matches!(&err, DisguiseError::Template { field: DisguiseField::PrBody, .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("disguise.pr_body: unknown placeholder `{{ ticket }}` at line 1, column 7"),
        "{err}"
    );
    assert_eq!(spec.check().unwrap_err(), err);

    let unclosed = DisguiseSpec { branch: Some("fix/{{ key".to_owned()), ..DisguiseSpec::default() };
    assert!(matches!(unclosed.check(), Err(DisguiseError::Template { field: DisguiseField::Branch, .. })));
    assert_eq!(DisguiseSpec::default().check(), Ok(()));
}

#[test]
fn empty_texts_and_bad_authors_are_refused() {
    let empty = DisguiseSpec { commit_message: Some("  {{ target.dir }} ".to_owned()), ..DisguiseSpec::default() };
    let mut v = vars();
    v.target_path = "values.yaml".to_owned();
    assert_eq!(empty.resolve(&v).unwrap_err(), DisguiseError::Empty { field: DisguiseField::CommitMessage });

    let author = |name: &str, email: &str| DisguiseSpec {
        author: Some(AuthorSpec { name: name.to_owned(), email: email.to_owned() }),
        ..DisguiseSpec::default()
    };
    let err = author("Dana <x>", "dana@example.com").resolve(&vars()).unwrap_err();
    assert_eq!(err.to_string(), "disguise.author.name: it may not contain `<`, `>` or a line break");
    let err = author("Dana", "dana.example.com").resolve(&vars()).unwrap_err();
    assert_eq!(err.to_string(), "disguise.author.email: an email address needs an `@`");
}

#[test]
fn snapshot_built_in_disguises() {
    let spec = DisguiseSpec::default();
    let start: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap();
    for (name, hours) in [("redis", 0), ("redis_next_week", 24 * 7)] {
        let v = vars_for("redis-pool-exhaustion", start + jiff::SignedDuration::from_hours(hours));
        insta::assert_snapshot!(name, show(&spec.resolve(&v).unwrap()));
    }
}

/// One pull request per kind, as the plan of a real scenario would word it.
#[test]
fn snapshot_one_pull_request_per_kind() {
    use serde_json::json;
    let zone = crate::schedule::Zone::parse("Europe/Berlin").unwrap();
    let cases = [
        ("port", "k8s/checkout.yaml", "/spec/template/spec/containers/0/ports/0/containerPort", json!(8081)),
        ("replicas", "charts/checkout/values.yaml", "/replicaCount", json!(0)),
        ("pool_size", ".env", "/DB_POOL_SIZE", json!("0")),
        ("timeout", "config/server.yaml", "/server/readTimeout", json!("1ms")),
        ("image_tag", "charts/checkout/values.yaml", "/image/tag", json!("2.14.4")),
        ("resources", "charts/checkout/values.yaml", "/resources/limits/memory", json!("64Mi")),
        ("probe", "charts/checkout/values.yaml", "/livenessProbe/initialDelaySeconds", json!(0)),
        ("feature_flag", "config/features.json", "/features/newCheckout", json!(false)),
        ("generic", "config/worker.toml", "/retry/max_attempts", json!(0)),
    ];
    let mut kinds = BTreeSet::new();
    for (name, path, pointer, value) in cases {
        let occurrence: Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
        let plan =
            Plan::for_occurrence(name, occurrence, &zone, jiff::SignedDuration::ZERO, jiff::SignedDuration::ZERO);
        let v = DisguiseVars::for_plan(&plan, path, "main", &[(pointer, Some(&value))]);
        assert_eq!(v.kind.name().replace(' ', "_"), name, "{pointer}");
        kinds.insert(v.kind);
        let r = DisguiseSpec::default().resolve(&v).unwrap();
        insta::assert_snapshot!(format!("pr_{name}"), show(&r));
    }
    assert_eq!(kinds.len(), ChangeKind::ALL.len(), "every kind has its snapshot");
}

/// A recorded history (`tests/fixtures/history/*.json`) as the forge reads it.
fn recorded(name: &str) -> style::Recent {
    let path = format!("{}/tests/fixtures/history/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let work = v["work"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| style::Work {
            title: w["title"].as_str().unwrap().to_owned(),
            body: w["body"].as_str().unwrap().to_owned(),
        })
        .collect();
    style::Recent { work, template: v["template"].as_str().map(str::to_owned), bodies: true }
}

const HISTORIES: [&str; 3] = ["conventional", "ticket", "lowercase"];

fn checkout_vars(occurrence: Timestamp) -> DisguiseVars {
    DisguiseVars {
        target_path: "charts/checkout/values-staging.yaml".to_owned(),
        ..vars_for("redis-pool-exhaustion", occurrence)
    }
}

#[test]
fn the_disguise_is_fitted_to_three_recorded_histories() {
    let v = checkout_vars("2026-11-24T09:00:00Z".parse().unwrap());
    for name in HISTORIES {
        let (d, style) = DisguiseSpec::default().resolve_in_style(&v, Some(&recorded(name))).unwrap();
        let style = style.unwrap();
        assert!(d.giveaways().is_empty(), "{name}: {:?}", d.giveaways());
        insta::assert_snapshot!(
            format!("fitted_{name}"),
            format!(
                "style: {}\nbranch: {}\ncommit: {}\ntitle: {}\nbody:\n{}",
                style.describe(),
                d.branch,
                d.commit_message,
                d.pr_title,
                d.pr_body
            )
        );
    }
    // The styles themselves.
    let conventional = style::Style::of(&recorded("conventional"));
    assert!(
        matches!(&conventional.prefix, style::Prefix::Conventional { scopes, .. } if scopes.contains(&"redis".to_owned()))
    );
    assert!(
        matches!(style::Style::of(&recorded("ticket")).prefix, style::Prefix::Ticket { ref project, last: 482 } if project == "PLAT")
    );
    let lower = style::Style::of(&recorded("lowercase"));
    assert!(lower.lowercase && lower.prefix == style::Prefix::None && lower.body == style::Body::Empty);
    // Nothing read: the built-in wording, unfitted.
    let (plain, none) = DisguiseSpec::default().resolve_in_style(&v, None).unwrap();
    assert_eq!((plain, none), (DisguiseSpec::default().resolve(&v).unwrap(), None));
}

/// The sentences of a title and body: the title without its prefix, and each sentence of the body that the
/// repository's template does not hold itself (headings and the template's own lines are the team's).
fn sentences(title: &str, body: &str, template: Option<&str>) -> Vec<String> {
    let mut out = vec![style::core(title).to_lowercase()];
    for line in body.lines() {
        let line = line.trim().trim_start_matches("- [x]").trim();
        if line.is_empty() || line.starts_with('#') || template.is_some_and(|t| t.contains(line)) {
            continue;
        }
        out.extend(line.split(". ").map(|s| s.trim_end_matches('.').to_lowercase()));
    }
    out
}

#[test]
fn no_sentence_comes_back_within_a_teams_last_twenty_drills() {
    for name in HISTORIES {
        let mut recent = recorded(name);
        let template = recent.template.clone();
        let mut earlier: Vec<Vec<String>> = Vec::new();
        let first: Timestamp = "2026-01-06T09:00:00Z".parse().unwrap();
        for week in 0..20 {
            let at = first.checked_add(jiff::SignedDuration::from_hours(24 * 7 * week)).unwrap();
            let (d, _) = DisguiseSpec::default().resolve_in_style(&checkout_vars(at), Some(&recent)).unwrap();
            let mine = sentences(&d.pr_title, &d.pr_body, template.as_deref());
            for s in &mine {
                let again = earlier.iter().position(|e| e.contains(s));
                assert!(again.is_none(), "{name}: drill {week} repeats \"{s}\" of drill {again:?}");
            }
            earlier.push(mine);
            // The drill's pull request is merged: it is the newest of the team's recent work.
            recent.work.insert(0, style::Work { title: d.pr_title.clone(), body: d.pr_body.clone() });
            recent.work.truncate(style::RECENT_LIMIT);
        }
    }
}

#[test]
fn the_fitted_pools_hold_no_giveaway() {
    for text in pool::MORE_TITLES.iter().chain(pool::MORE_REASONS).chain(pool::WHAT).chain(pool::CHECKS) {
        assert!(giveaway_words(text).is_empty(), "{text}");
    }
}
