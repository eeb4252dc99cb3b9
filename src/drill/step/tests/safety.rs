//! The safety rules where the fault lands: the limits of `firedrill.yml`, the kill switch, a real incident, the
//! guard rails, a service already broken, one drill per target.

use super::*;

#[test]
fn limits_of_firedrill_yml_are_enforced_where_the_fault_lands() {
    let cfg = "allowed_branches: [staging]\n";
    assert_eq!(
        words(&decide_with(&drill(&[]), &base(Some(VALUES)), at(0), cfg)),
        vec!["refuse", "close_leftover", "abandoned"]
    );
    assert_eq!(
        words(&decide_with(&drill(&[opened()]), &Observed::default(), at(60), cfg)),
        vec!["refuse", "close", "abandoned"]
    );
    let cfg = "allowed_environments: [qa]\n";
    assert_eq!(
        words(&decide_with(&drill(&[]), &base(Some(VALUES)), at(0), cfg)),
        vec!["refuse", "close_leftover", "abandoned"]
    );
}

#[test]
fn start_refuses_a_second_drill_on_a_busy_target() {
    let s = scenario();
    let c = config("");
    let me = firedrill();
    let cx = Context { config: &c, actor: &me, deploys: false };
    let busy = vec![drill(&[opened()])];
    assert!(start(&s, &busy, &cx, at(10), None).unwrap_err().contains("one drill at a time"));
    let p = start(&s, &[], &cx, at(10), Some(SignedDuration::from_mins(30))).unwrap();
    assert_eq!((p.open_at, p.merge_at), (at(10), at(40)));
    let c = config("allowed_branches: [staging]\n");
    assert!(
        start(&s, &[], &Context { config: &c, actor: &me, deploys: false }, at(10), None)
            .unwrap_err()
            .contains("allowed_branches")
    );
}

/// The text of the first refusal among `effects`.
fn refusal_text(effects: &[Effect]) -> String {
    effects.iter().find_map(|e| if let Effect::Refuse(w) = e { Some(w.clone()) } else { None }).unwrap_or_default()
}

#[test]
fn production_looking_targets_are_refused_at_opening_and_merging_unless_allowed() {
    let s = scenario();
    let none = config("");
    let allowed = config("allow_production: true\n");
    for (branch, path) in [("env/prod", "values.yaml"), ("main", "k8s/live/values.yaml")] {
        let mut planned = drill(&[]);
        planned.target = TargetRef { repo: None, branch: branch.into(), path: path.into() };
        let e = decide_for(&planned, &s, &base(Some(VALUES)), at(0), &none);
        assert_eq!(words(&e), vec!["refuse", "close_leftover", "abandoned"], "{branch} {path}");
        assert!(refusal_text(&e).contains("looks like production") && refusal_text(&e).contains("allow_production"));
        let mut open = drill(&[opened()]);
        open.target = planned.target.clone();
        assert_eq!(
            words(&decide_for(&open, &s, &Observed::default(), at(60), &none)),
            vec!["refuse", "close", "abandoned"]
        );
        assert_eq!(words(&decide_for(&open, &s, &Observed::default(), at(60), &allowed)), vec!["merge"]);
    }
    // The environment is the scenario's: checked at the merge too (a drill opened before the rule still stops).
    let live = ScenarioBuilder::new("redis").path("values.yaml").environment(Some("live")).build();
    let e = decide_for(&drill(&[opened()]), &live, &Observed::default(), at(60), &none);
    assert_eq!(words(&e), vec!["refuse", "close", "abandoned"]);
    assert!(refusal_text(&e).starts_with("environment `live` looks like production"), "{}", refusal_text(&e));
    // Whole words only: `product-api` and `delivery` are not production.
    let mut d = drill(&[]);
    d.target = TargetRef { repo: None, branch: "delivery".into(), path: "product-api/values.yaml".into() };
    assert_eq!(words(&decide_for(&d, &s, &base(Some(VALUES)), at(0), &none)), vec!["open"]);
}

#[test]
fn allowed_environments_are_checked_at_the_merge_as_well_as_the_opening() {
    let e = decide_with(&drill(&[opened()]), &Observed::default(), at(60), "allowed_environments: [qa]\n");
    assert_eq!(words(&e), vec!["refuse", "close", "abandoned"]);
    assert!(refusal_text(&e).contains("environment `staging` is not in allowed_environments"), "{e:?}");
}

#[test]
fn the_kill_switch_off_stops_new_faults_but_not_running_drills() {
    let off = "enabled: false\n";
    let e = decide_with(&drill(&[]), &base(Some(VALUES)), at(0), off);
    assert_eq!(words(&e), vec!["refuse", "close_leftover", "abandoned"]);
    assert_eq!(
        refusal_text(&e),
        "drills are switched off by `enabled: false` in firedrill.yml: no new drill opens or merges"
    );
    assert_eq!(
        words(&decide_with(&drill(&[opened()]), &Observed::default(), at(60), off)),
        vec!["refuse", "close", "abandoned"]
    );
    // Safety work goes on: the timer still reverts, recoveries are still recorded.
    assert_eq!(words(&decide_with(&drill(&[opened(), merged()]), &holding(), at(240), off)), vec!["revert:Timeout"]);
    // The workflow's variable overrides the file, and says so.
    let mut c = config("");
    c.apply_enabled_env(Some("false"));
    let e = decide_for(&drill(&[]), &scenario(), &base(Some(VALUES)), at(0), &c);
    assert!(refusal_text(&e).starts_with("drills are switched off by FIREDRILL_ENABLED=false"), "{e:?}");
    let me = firedrill();
    let err = start(&scenario(), &[], &Context { config: &c, actor: &me, deploys: false }, at(10), None).unwrap_err();
    assert!(err.contains("switched off"), "{err}");
}

#[test]
fn the_kill_switch_abort_ends_every_active_drill_as_aborted_by_the_kill_switch() {
    let abort = "enabled: abort\n";
    let reason = |e: &[Effect]| {
        e.iter()
            .find_map(|e| match e {
                Effect::Append { kind: EventKind::Aborted { reason }, .. } => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let cases: Vec<(&str, Drill, Observed, Vec<&str>)> = vec![
        ("waiting to open", drill(&[]), Observed::default(), vec!["command:abort", "aborted"]),
        ("open, not merged", drill(&[opened()]), Observed::default(), vec!["command:abort", "close", "aborted"]),
        ("running: revert first", drill(&[opened(), merged()]), holding(), vec!["command:abort", "revert:Abort"]),
    ];
    for (what, d, o, want) in cases {
        let e = decide_with(&d, &o, at(30), abort);
        assert_eq!(words(&e), want, "{what}");
        let Some(Effect::Append { kind: EventKind::Command { args, .. }, actor, .. }) = e.first() else { panic!() };
        assert_eq!((args.as_deref(), actor.as_str()), (Some(KILL_SWITCH), "firedrill"), "{what}");
        if want.contains(&"aborted") {
            assert_eq!(reason(&e), "kill switch", "{what}");
        }
    }
    // Once the revert landed the drill is aborted, with the kill switch as its reason, even if the switch was
    // flipped back meanwhile (the recorded command carries it).
    let d = drill(&[
        opened(),
        merged(),
        EventKind::Command { name: DrillCommand::Abort.into(), args: Some(KILL_SWITCH.into()) },
    ]);
    let e = decide(&d, &removed_by(firedrill(), "Revert", 80, true), at(80));
    assert_eq!((words(&e), reason(&e)), (vec!["aborted".to_owned()], "kill switch".to_owned()));
    // Finished drills are left alone.
    let done = drill(&[opened(), merged(), EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Fix }]);
    assert_eq!(words(&decide_with(&done, &Observed::default(), at(300), abort)), vec!["report"]);
}

#[test]
fn an_open_incident_stops_opening_and_merging() {
    let incident = Observed { incident: Some(12), ..base(Some(VALUES)) };
    let e = decide(&drill(&[]), &incident, at(0));
    assert_eq!(words(&e), vec!["refuse", "close_leftover", "abandoned"]);
    assert_eq!(
        refusal_text(&e),
        "issue #12 labelled `incident` is open in the target repository: no drill during a real incident"
    );
    let e = decide_with(
        &drill(&[opened()]),
        &Observed { incident: Some(3), ..Observed::default() },
        at(60),
        "incident_label: sev1\n",
    );
    assert_eq!(words(&e), vec!["refuse", "close", "abandoned"]);
    assert!(refusal_text(&e).contains("labelled `sev1`"), "{e:?}");
}

#[test]
fn guard_rails_that_would_hold_the_drill_refuse_it_before_it_opens() {
    let mut o = base(Some(VALUES));
    o.guard_refusal =
        Some("required approving reviews (1) blocks the merge and the revert: set `approver-token`".into());
    let effects = decide(&drill(&[]), &o, at(3));
    assert_eq!(words(&effects), vec!["refuse", "close_leftover", "abandoned"]);
    let Some(Effect::Append { kind: EventKind::Abandoned { reason }, .. }) = effects.last() else { panic!() };
    assert!(
        reason.starts_with("refused: the guard rails of `main` would hold the drill: required approving"),
        "{reason}"
    );
}

#[test]
fn a_service_already_broken_is_refused_before_opening_and_merging() {
    let broken = || Watch {
        already_broken: Some("staging is already broken: health `up == 1` is false now".into()),
        ..Watch::default()
    };
    let effects = decide(&drill(&[]), &watched(broken(), base(Some(VALUES))), at(0));
    assert!(words(&effects).contains(&"refuse".to_owned()) && words(&effects).contains(&"abandoned".to_owned()));
    assert!(refusal_text(&effects).contains("staging is already broken"));
    let effects = decide(&drill(&[opened()]), &watched(broken(), Observed::default()), at(60));
    assert!(words(&effects).contains(&"close".to_owned()) && refusal_text(&effects).contains("already broken"));
}
