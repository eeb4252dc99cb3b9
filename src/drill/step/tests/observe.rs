//! What the deploy signals and the monitoring saw, recorded once at their own instants.

use super::*;

/// The deploy phase: what the deploy signals told (`o.fault_live`, `o.fix_live`) becomes `fault_deployed` and
/// `fix_deployed`; a removal with nothing seen yet starts the watch, which ends with `deploy_unobserved`.
#[test]
fn deploy_signals_record_when_the_fault_and_the_fix_went_live() {
    let signals = |yaml: &str| {
        let mut b = ScenarioBuilder::new("redis").path("values.yaml").hint("30m", "What changed?");
        if !yaml.is_empty() {
            b = b.raw(yaml);
        }
        b.build()
    };
    let argo = signals("deploy:\n  signals:\n    - status: continuous-delivery/*\n  watch: 1h\n");
    let none = signals("deploy:\n  signals: []\n");
    let seen =
        |mins: i64, c: char| Seen { at: at(mins), signal: "status continuous-delivery/*".into(), commit: sha(c) };
    let fault_seen = |mut o: Observed, mins: i64| {
        o.fault_live = Some(seen(mins, 'd'));
        o
    };
    let fix_seen = |mut o: Observed, mins: i64| {
        o.fix_live = Some(seen(mins, 'f'));
        o
    };
    let fault_live = EventKind::FaultDeployed { signal: "status continuous-delivery/*".into(), commit: sha('d') };
    let recovered = EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Revert };
    let watch = EventKind::DeployWatch { until: at(180), signals: vec!["status continuous-delivery/*".into()] };
    let running = drill(&[opened(), merged()]);
    let live = drill(&[opened(), merged(), fault_live.clone()]);
    let watched = drill(&[opened(), merged(), fault_live.clone(), recovered.clone(), watch.clone()]);
    let reported = EventKind::Reported { path: "drills/x/report.md".into() };
    let watched_reported = drill(&[opened(), merged(), fault_live, recovered, watch, reported]);
    let revert = || removed_by(sam(), "Revert \"x\"", 120, true);
    type Case<'a> = (&'a str, &'a Scenario, bool, Drill, Observed, Timestamp, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "the tip holding the fault went live",
            &argo,
            true,
            running.clone(),
            fault_seen(holding(), 64),
            at(70),
            vec!["fault_deployed", "note:Running"],
        ),
        (
            "seen again: recorded once",
            &argo,
            true,
            live.clone(),
            fault_seen(holding(), 64),
            at(70),
            vec!["note:Running"],
        ),
        (
            "removed, the fix seen live in the same run",
            &argo,
            true,
            live.clone(),
            fix_seen(revert(), 130),
            at(131),
            vec!["recovered:Revert", "fix_deployed"],
        ),
        (
            "removed, nothing seen yet: the watch starts",
            &argo,
            true,
            live.clone(),
            revert(),
            at(125),
            vec!["recovered:Revert", "deploy_watch"],
        ),
        (
            "removed, the fault's deploy seen on its last commit",
            &argo,
            true,
            running.clone(),
            fault_seen(revert(), 70),
            at(125),
            vec!["recovered:Revert", "fault_deployed", "deploy_watch"],
        ),
        ("plain git has no deploy signals", &argo, false, live.clone(), revert(), at(125), vec!["recovered:Revert"]),
        ("`signals: []`", &none, true, live.clone(), revert(), at(125), vec!["recovered:Revert"]),
        (
            "watched, the fix goes live after the report",
            &argo,
            true,
            watched_reported.clone(),
            fix_seen(Observed::default(), 150),
            at(151),
            vec!["fix_deployed"],
        ),
        ("watched, nothing yet", &argo, true, watched_reported.clone(), Observed::default(), at(179), vec![]),
        (
            "the watch ends",
            &argo,
            true,
            watched_reported.clone(),
            Observed::default(),
            at(180),
            vec!["deploy_unobserved"],
        ),
        ("not reported yet", &argo, true, watched.clone(), Observed::default(), at(130), vec!["report"]),
    ];
    // (The report is written in the round after the recovery is folded in.)
    for (what, s, deploys, d, o, now, want) in cases {
        let c = config("");
        let me = firedrill();
        let cx = Context { config: &c, actor: &me, deploys };
        assert_eq!(words(&step(&d, Some(s), &cx, &o, now)), want, "{what}");
    }
}

#[test]
fn a_deploy_seen_after_the_report_makes_it_stale_and_the_watch_ends_the_drills_work() {
    let fault_live = EventKind::FaultDeployed { signal: "check deploy".into(), commit: sha('d') };
    let recovered = EventKind::Recovered { commit: sha('f'), how: RecoveryHow::Revert };
    let watch = EventKind::DeployWatch { until: at(180), signals: vec!["check deploy".into()] };
    let reported = EventKind::Reported { path: "drills/x/report.md".into() };
    let fix = EventKind::FixDeployed { signal: "check deploy".into(), commit: sha('f') };
    let d = drill(&[opened(), merged(), fault_live.clone(), recovered.clone(), watch.clone(), reported.clone()]);
    assert!(d.deploy_pending() && !d.report_stale);
    let d = drill(&[opened(), merged(), fault_live.clone(), recovered.clone(), watch.clone(), reported.clone(), fix]);
    assert!(!d.deploy_pending() && d.report_stale, "the report is written again with the fix's deploy");
    let after = Event::new(at(200), "firedrill", "tick", reported.clone());
    assert!(!after.already_in(&[]), "a first report is recorded");
    assert!(!after.already_in(&d.events), "the report written again is recorded again");
    let mut log = d.events.clone();
    log.push(after.clone());
    assert!(after.already_in(&log), "but not twice");
    let d = Drill::fold(&d.id, &log).unwrap();
    assert!(!d.report_stale);
    // The `(fault live, fix live)` pair and the time to restore service.
    assert_eq!(d.fault_live.as_ref().map(|l| l.at), Some(at(2)));
    assert_eq!(d.deploy_time_to_recovery(), Some(at(6).duration_since(at(2))));
}

#[test]
fn what_the_monitoring_saw_is_recorded_once_at_its_own_instants() {
    let alert = crate::observe::AlertSeen {
        at: at(63),
        name: "CheckoutErrors".into(),
        labels: [("alertname".to_owned(), "CheckoutErrors".to_owned())].into(),
        from: "prometheus".into(),
        fingerprint: None,
    };
    let w = Watch { broken: Some((at(62), "health".into())), alert: Some(alert), ..Watch::default() };
    let d = drill(&[opened(), merged()]);
    let effects = decide(&d, &watched(w.clone(), holding()), at(70));
    assert_eq!(words(&effects), ["broken", "alert_fired", "note:Running"]);
    let times = append_times(&effects);
    assert_eq!(times, [at(62), at(63)], "the instants Prometheus saw, not the run's");
    // Recorded already: the same observation again records nothing.
    let d = drill(&[opened(), merged(), EventKind::Broken { from: "health".into() }]);
    let d = Drill::fold(
        &d.id,
        &[
            d.events.clone(),
            vec![Event::new(
                at(63),
                "firedrill",
                "tick",
                EventKind::AlertFired {
                    alert: "X".into(),
                    labels: Default::default(),
                    from: "prometheus".into(),
                    fingerprint: None,
                },
            )],
        ]
        .concat(),
    )
    .unwrap();
    assert_eq!(words(&decide(&d, &watched(w, holding()), at(71))), ["note:Running"]);
    // Restored only after a breakage, once the fault is gone.
    let gone = removed_by(sam(), "Revert \"tune\"", 90, true);
    let w = Watch { restored: Some((at(92), "health".into())), ..Watch::default() };
    let d = drill(&[opened(), merged(), EventKind::Broken { from: "health".into() }]);
    assert!(words(&decide(&d, &watched(w.clone(), gone.clone()), at(95))).contains(&"restored".to_owned()));
    let d = drill(&[opened(), merged()]);
    assert!(!words(&decide(&d, &watched(w, gone), at(95))).contains(&"restored".to_owned()));
}

#[test]
fn a_stop_condition_or_no_effect_with_end_if_no_effect_reverts_and_aborts_with_the_reason() {
    let d = drill(&[opened(), merged()]);
    let stop = Watch { stop: Some("safety.stop_if `x > 1` was true at 10:10".into()), ..Watch::default() };
    let effects = decide(&d, &watched(stop, holding()), at(70));
    assert_eq!(words(&effects), ["command:abort", "revert:Abort"]);
    // The next round (the revert landed): aborted, with the recorded reason.
    let mut log = d.events.clone();
    let args = Some("safety.stop_if `x > 1` was true at 10:10".to_owned());
    log.push(Event::new(at(70), "firedrill", "tick", EventKind::Command { name: DrillCommand::Abort.into(), args }));
    let d = Drill::fold(&d.id, &log).unwrap();
    let effects = decide(&d, &removed_by(firedrill(), "Revert \"tune\"", 70, true), at(70));
    let reason = effects.iter().find_map(|e| match e {
        Effect::Append { kind: EventKind::Aborted { reason }, .. } => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(reason.as_deref(), Some("safety.stop_if `x > 1` was true at 10:10"));

    // No effect: said; reverted only with `end_if_no_effect`.
    let d = drill(&[opened(), merged()]);
    let quiet = Watch { no_effect: Some((at(75), "15m".into())), ..Watch::default() };
    assert_eq!(words(&decide(&d, &watched(quiet.clone(), holding()), at(80))), ["no_effect", "note:Running"]);
    let mut s = ScenarioBuilder::new("redis").path("values.yaml").raw("observe:\n  health: up == 1\n").build();
    s.safety.end_if_no_effect = Some(true);
    let effects = decide_for(&d, &s, &watched(quiet, holding()), at(80), &config(""));
    assert_eq!(words(&effects), ["no_effect", "command:abort", "revert:Abort"]);
}
