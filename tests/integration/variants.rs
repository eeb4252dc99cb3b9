//! `variants:` through the real binary over smart HTTP: the drill lands the variant its id picks, records
//! it at the opening, keeps it when the game master reorders the variants mid-drill, and the report's reveal
//! and `stats` name it.

use firedrill::drill::event::EventKind;
use firedrill::git::Identity;

use crate::lifecycle::{Fixture, after};
use crate::numbers::on_ledger;

const VALUES: &str = "charts/checkout/values-staging.yaml";

/// Three ways to break the checkout service's Redis and payments client, as `variants:` (in `order`).
const ALL: [(&str, &str, &str); 3] = [
    ("pool", "SERVICE__REDIS__CONNECTION_POOL__SIZE", "\"0\""),
    ("port", "SERVICE__REDIS__PORT", "\"6380\""),
    ("payments-timeout", "SERVICE__PAYMENTS__TIMEOUT_MS", "\"1\""),
];

fn variants(order: [usize; 3]) -> String {
    let mut y = "variants:\n".to_owned();
    for i in order {
        let (name, key, value) = ALL[i];
        y.push_str(&format!(
            "  - name: {name}\n    fault:\n      - {{op: replace, path: /env/{key}, value: {value}}}\n"
        ));
    }
    y
}

/// The line of `text` that sets `key`.
fn line_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines().find(|l| l.trim_start().starts_with(&format!("{key}:"))).unwrap_or_default()
}

#[test]
fn a_drill_keeps_the_variant_it_opened_with_and_the_report_and_stats_name_it() {
    let f = Fixture::with_scenario(|b| b.no_fault().raw(&variants([0, 1, 2])));
    let scenario_file = f.dir.path().join("scenarios/redis.yaml");
    let scenario =
        firedrill::scenario::load(&scenario_file, &std::fs::read_to_string(&scenario_file).unwrap()).unwrap();
    let id = f.plan.drill_id.to_string();
    let picked = scenario.variant(&id).unwrap().name.clone();

    f.tick(f.plan.open_at);
    let opened = f.events().into_iter().find_map(|e| match e.kind {
        EventKind::Opened { variant, .. } => Some(variant),
        _ => None,
    });
    assert_eq!(opened, Some(Some(picked.clone())), "the opening records the variant");

    // The game master rotates the variants before the merge: by index the drill would now pick another one.
    let rotated = [1, 2, 0];
    let text = std::fs::read_to_string(&scenario_file).unwrap();
    let text = text.replace(&variants([0, 1, 2]), &variants(rotated));
    std::fs::write(&scenario_file, &text).unwrap();
    let reloaded = firedrill::scenario::load(&scenario_file, &text).unwrap();
    assert_ne!(reloaded.variant(&id).unwrap().name, picked, "the rotation changes the pick by index");

    f.tick(f.plan.merge_at);
    let merge = f.main();
    let landed = String::from_utf8(f.target().read_file(&merge, VALUES).unwrap().unwrap()).unwrap();
    let (_, key, value) = ALL.iter().find(|(name, _, _)| *name == picked).unwrap();
    assert!(
        line_of(&landed, key).contains(value),
        "the landed fault is the recorded variant `{picked}`: {}",
        line_of(&landed, key)
    );
    // Ten minutes on, the drill still sees its fault in place: it looks for the recorded variant's value.
    f.tick(after(f.plan.merge_at, 10));
    let names = f.names();
    assert!(names.contains(&"merged") && !names.contains(&"recovered"), "still running after the rotation: {names:?}");

    let revert_at = after(f.plan.merge_at, 40);
    let ana = Identity::new("Ana Lima", "ana@acme.example", revert_at);
    let revert = f.target().revert(&merge, &merge, "Revert the settings change\n", &ana, &ana).unwrap();
    f.push_to_main(&revert);
    f.tick(after(revert_at, 2));
    assert!(f.names().contains(&"recovered"), "{:?}", f.names());

    // The report the run wrote into the ledger, and the one `firedrill report` renders, both name it.
    let control = firedrill::git::Repo::open(&f.server.repo_path("control")).unwrap();
    let tip = f.ledger_tip().unwrap();
    let written = control.read_file(&tip, &format!("drills/{id}/report.md")).unwrap().unwrap();
    let written = String::from_utf8(written).unwrap();
    assert!(written.contains(&format!("Variant `{picked}` of the scenario's 3")), "{written}");
    let (code, md, err) = on_ledger(&f, &["report"]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains(&format!("Variant `{picked}` of the scenario's 3")), "the reveal names the variant:\n{md}");
    assert!(md.contains(&format!("`/env/{key}`")), "the reveal shows that variant's fault:\n{md}");

    let (code, json, err) = on_ledger(&f, &["stats", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["drills"][0]["variant"], picked.as_str());
    assert_eq!(v["by_scenario"][0]["scenario"], "redis-pool-exhaustion");
    assert_eq!(v["by_scenario"][0]["variant"], picked.as_str());
    assert_eq!(v["by_scenario"][0]["summary"]["median"]["seconds"], 40 * 60);
    let (code, md, _) = on_ledger(&f, &["stats"]);
    assert_eq!(code, 0);
    assert!(md.contains(&format!("| `redis-pool-exhaustion` | `{picked}` | 1 | 40 min |")), "{md}");
}
