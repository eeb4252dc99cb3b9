//! Before/after cases for the YAML engine: each names the exact text it must produce.

use super::*;
use crate::patch::{PatchErrorKind, parse_patch};

fn run(input: &str, patch: &str) -> Result<String, PatchError> {
    apply(input, &parse_patch(patch).unwrap(), None, Default::default())
}

fn ok(input: &str, patch: &str, want: &str) {
    match run(input, patch) {
        Ok(got) => assert_eq!(got, want, "\n--- input\n{input}\n--- patch {patch}\n--- got\n{got}"),
        Err(e) => panic!("refused: {e}\n--- input\n{input}\n--- patch {patch}"),
    }
}

fn refused(input: &str, patch: &str) -> PatchError {
    match run(input, patch) {
        Ok(got) => panic!("expected a refusal, got:\n{got}"),
        Err(e) => e,
    }
}

#[test]
fn replace_scalar_keeps_comments_and_quoting() {
    let input = "# top\nredis:\n  host: redis # the cache\n  pool: \"10\"\n  mode: 'a'\n";
    ok(
        input,
        r#"[{"op":"replace","path":"/redis/pool","value":"0"}]"#,
        "# top\nredis:\n  host: redis # the cache\n  pool: \"0\"\n  mode: 'a'\n",
    );
    ok(
        input,
        r#"[{"op":"replace","path":"/redis/pool","value":0}]"#,
        "# top\nredis:\n  host: redis # the cache\n  pool: 0\n  mode: 'a'\n",
    );
    ok(
        input,
        r#"[{"op":"replace","path":"/redis/host","value":"10"}]"#,
        "# top\nredis:\n  host: \"10\" # the cache\n  pool: \"10\"\n  mode: 'a'\n",
    );
    ok(
        input,
        r#"[{"op":"replace","path":"/redis/mode","value":"on"}]"#,
        "# top\nredis:\n  host: redis # the cache\n  pool: \"10\"\n  mode: 'on'\n",
    );
    ok(
        input,
        r#"[{"op":"replace","path":"/redis/host","value":"yes"}]"#,
        "# top\nredis:\n  host: \"yes\" # the cache\n  pool: \"10\"\n  mode: 'a'\n",
    );
}

#[test]
fn crlf_and_missing_final_newline_survive() {
    ok("a: 1\r\nb:\r\n  c: 2\r\n", r#"[{"op":"add","path":"/b/d","value":3}]"#, "a: 1\r\nb:\r\n  c: 2\r\n  d: 3\r\n");
    ok("a: 1\nb: 2", r#"[{"op":"add","path":"/c","value":3}]"#, "a: 1\nb: 2\nc: 3");
    ok("a: 1\nb: 2", r#"[{"op":"remove","path":"/b"}]"#, "a: 1");
    ok("a: 1\r\nb: 2\r\nc: 3\r\n", r#"[{"op":"remove","path":"/b"}]"#, "a: 1\r\nc: 3\r\n");
}

#[test]
fn add_follows_sibling_indentation_and_sequence_style() {
    let input = "env:\n    - name: A\n      value: \"1\"\nres:\n    limits:\n        cpu: 1\n";
    ok(
        input,
        r#"[{"op":"add","path":"/env/-","value":{"name":"B","value":"2"}}]"#,
        "env:\n    - name: A\n      value: \"1\"\n    - name: B\n      value: \"2\"\nres:\n    limits:\n        cpu: 1\n",
    );
    ok(
        input,
        r#"[{"op":"add","path":"/res/limits/memory","value":"64Mi"}]"#,
        "env:\n    - name: A\n      value: \"1\"\nres:\n    limits:\n        cpu: 1\n        memory: 64Mi\n",
    );
    ok(
        input,
        r#"[{"op":"add","path":"/res/requests","value":{"cpu":"100m"}}]"#,
        "env:\n    - name: A\n      value: \"1\"\nres:\n    limits:\n        cpu: 1\n    requests:\n        cpu: 100m\n",
    );
    let indentless = "args:\n- --a\n- --b\nx: 1\n";
    ok(indentless, r#"[{"op":"add","path":"/args/1","value":"--c"}]"#, "args:\n- --a\n- --c\n- --b\nx: 1\n");
    // `y` is a boolean to YAML 1.1 readers, so the new key is quoted.
    ok(indentless, r#"[{"op":"add","path":"/y","value":["q"]}]"#, "args:\n- --a\n- --b\nx: 1\n\"y\":\n- q\n");
}

#[test]
fn flow_collections_stay_flow() {
    ok("a: [1, 2]\nb: {}\nc: []\n", r#"[{"op":"add","path":"/a/-","value":3}]"#, "a: [1, 2, 3]\nb: {}\nc: []\n");
    ok("a: [1, 2]\nb: {}\nc: []\n", r#"[{"op":"add","path":"/b/k","value":"v w"}]"#, "a: [1, 2]\nb: {k: v w}\nc: []\n");
    ok(
        "a: [1, 2]\nb: {}\nc: []\n",
        r#"[{"op":"add","path":"/c/0","value":"x,y"}]"#,
        "a: [1, 2]\nb: {}\nc: [\"x,y\"]\n",
    );
    ok("a: [1, 2]\n", r#"[{"op":"remove","path":"/a/0"}]"#, "a: [2]\n");
    ok("a: [1, 2]\n", r#"[{"op":"remove","path":"/a/1"}]"#, "a: [1]\n");
    ok("a: {x: 1, y: 2}\n", r#"[{"op":"replace","path":"/a/y","value":"no"}]"#, "a: {x: 1, y: \"no\"}\n");
}

#[test]
fn removing_the_last_key_leaves_an_empty_mapping_not_a_null() {
    ok("a:\n  b: 1\nc: 2\n", r#"[{"op":"remove","path":"/a/b"}]"#, "a: {}\nc: 2\n");
    ok("a:\n  - 1\nc: 2\n", r#"[{"op":"remove","path":"/a/0"}]"#, "a: []\nc: 2\n");
    ok("list:\n- k: v\n  z: w\n", r#"[{"op":"remove","path":"/list/0/k"}]"#, "list:\n- z: w\n");
}

#[test]
fn block_scalars_and_nulls() {
    ok(
        "s: |\n  one\n  two\nt: 1\n",
        r#"[{"op":"replace","path":"/s","value":"three\nfour\n"}]"#,
        "s: |\n  three\n  four\nt: 1\n",
    );
    ok("s: |\n  one\n\nt: 1\n", r#"[{"op":"replace","path":"/s","value":"x"}]"#, "s: x\n\nt: 1\n");
    ok("a:\nb: 1\n", r#"[{"op":"replace","path":"/a","value":"0"}]"#, "a: \"0\"\nb: 1\n");
    ok("a: ~\n", r#"[{"op":"replace","path":"/a","value":{"k":[1]}}]"#, "a:\n  k:\n    - 1\n");
}

#[test]
fn multi_document_selection() {
    let input =
        "kind: Service\nmetadata:\n  name: api\n---\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n";
    let patch = parse_patch(r#"[{"op":"replace","path":"/spec/replicas","value":0}]"#).unwrap();
    let sel = DocumentSelector::Named { kind: Some("Deployment".into()), name: "api".into() };
    assert_eq!(
        apply(input, &patch, Some(&sel), Default::default()).unwrap(),
        input.replace("replicas: 2", "replicas: 0")
    );
    assert_eq!(
        apply(input, &patch, Some(&DocumentSelector::Index(1)), Default::default()).unwrap(),
        input.replace("replicas: 2", "replicas: 0")
    );
    let e = apply(input, &patch, None, Default::default()).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Document);
    assert!(e.to_string().contains("0 = Service/api, 1 = Deployment/api"), "{e}");
    let ambiguous = DocumentSelector::Named { kind: None, name: "api".into() };
    assert_eq!(apply(input, &patch, Some(&ambiguous), Default::default()).unwrap_err().kind, PatchErrorKind::Document);
}

#[test]
fn refusals_name_the_place() {
    let e = refused("base: &b\n  x: 1\nuse: *b\n", r#"[{"op":"replace","path":"/base/x","value":2}]"#);
    assert_eq!(e.kind, PatchErrorKind::Unsupported, "{e}");
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        "1:7: operation 0 (`/base/x`): `/base` has the anchor `&b`: editing it would change 1 other place(s) too, which read it through an alias: `/use/x` at line 3"
    );
    let e = refused("a:\n  host: x\n", r#"[{"op":"replace","path":"/a/hots","value":2}]"#);
    assert_eq!(e.kind, PatchErrorKind::NotFound);
    assert_eq!(
        e.to_string(),
        "2:3: operation 0 (`/a/hots`): `/a` has no key `hots`\n  hint: did you mean `host`? keys are case-sensitive"
    );
    let e = refused("a: 1\n", r#"[{"op":"add","path":"/a/b","value":2}]"#);
    assert_eq!(e.kind, PatchErrorKind::NotAContainer);
    assert!(e.to_string().starts_with("1:4: "), "{e}");
    let e = refused("a: 1\n", r#"[{"op":"test","path":"/a","value":2}]"#);
    assert_eq!(e.kind, PatchErrorKind::TestFailed);
    assert_eq!(e.to_string().lines().next().unwrap(), "1:4: operation 0 (`/a`): `test` failed: `/a` is 1, not 2");
}

#[test]
fn an_alias_is_replaced_by_the_value_and_the_anchor_stays() {
    // prometheus-community alertmanager values: a port name shared by an anchor
    let values = "containerPortName: &containerPortName http\nlivenessProbe:\n  httpGet:\n    port: *containerPortName\nreadinessProbe:\n  httpGet:\n    port: *containerPortName\n";
    ok(
        values,
        r#"[{"op":"replace","path":"/livenessProbe/httpGet/port","value":"web"}]"#,
        &values.replacen("port: *containerPortName", "port: web", 1),
    );
    ok(
        values,
        r#"[{"op":"remove","path":"/readinessProbe/httpGet/port"}]"#,
        &values
            .replace("readinessProbe:\n  httpGet:\n    port: *containerPortName\n", "readinessProbe:\n  httpGet: {}\n"),
    );
    // the anchored value: refused naming every place and both ways through, none pointing back here
    let e = refused(values, r#"[{"op":"replace","path":"/containerPortName","value":"web"}]"#);
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert!(
        e.message.contains("`/livenessProbe/httpGet/port` at line 4, `/readinessProbe/httpGet/port` at line 7"),
        "{e}"
    );
    let hint = e.hint.unwrap();
    assert!(hint.contains("allow_shared_anchor: true") && hint.contains("such as `/livenessProbe/httpGet/port`"));
    // allowed: the anchor's value changes, and every alias reads it (verified that way)
    let options = crate::patch::Options { allow_shared_anchor: true };
    let patch = parse_patch(r#"[{"op":"replace","path":"/containerPortName","value":"web"}]"#).unwrap();
    assert_eq!(
        apply(values, &patch, None, options).unwrap(),
        values.replace("&containerPortName http", "&containerPortName web")
    );
    // replacing a mapping that holds an anchored value would take it from its aliases
    let e =
        refused("probe:\n  port: &p http\n  path: /\nother: *p\n", r#"[{"op":"replace","path":"/probe","value":{}}]"#);
    assert!(e.message.starts_with("`/probe` holds the anchor `&p`"), "{e}");
    // removing the anchor would leave its aliases without a value, allowed or not
    let patch = parse_patch(r#"[{"op":"remove","path":"/containerPortName"}]"#).unwrap();
    assert!(apply(values, &patch, None, options).unwrap_err().message.contains("without a value"));
}

#[test]
fn edits_inside_a_shared_mapping_have_a_way_through() {
    // argocd-apps item templates: defaults shared by an alias and by merge keys
    let text = "defaults: &defaults\n  project: default\n  syncPolicy:\n    automated: {}\napps:\n  one:\n    <<: *defaults\n    namespace: a\n  two:\n    <<: *defaults\n    project: other\n  three: *defaults\n";
    // inside an alias: that place is written out with the edit, the anchor and the others stay
    ok(
        text,
        r#"[{"op":"replace","path":"/apps/three/project","value":"x"}]"#,
        &text.replace("  three: *defaults\n", "  three:\n    project: x\n    syncPolicy:\n      automated: {}\n"),
    );
    // through a merge key: the key is written in the merging mapping only
    ok(
        text,
        r#"[{"op":"replace","path":"/apps/one/project","value":"x"}]"#,
        &text.replace("    namespace: a\n", "    namespace: a\n    project: x\n"),
    );
    // the anchored mapping: `two` has its own `project`, so it is not among the places that would change
    let e = refused(text, r#"[{"op":"replace","path":"/defaults/project","value":"ops"}]"#);
    assert!(e.message.contains("2 other place(s)"), "{e}");
    assert!(
        e.message.contains("`/apps/one/project` (merged with `<<`) at line 7, `/apps/three/project` at line 12"),
        "{e}"
    );
    let options = crate::patch::Options { allow_shared_anchor: true };
    for op in [
        r#"[{"op":"replace","path":"/defaults/project","value":"ops"}]"#,
        r#"[{"op":"add","path":"/defaults/syncPolicy/automated/prune","value":true}]"#,
    ] {
        let out = apply(text, &parse_patch(op).unwrap(), None, options).unwrap_or_else(|e| panic!("{op}: {e}"));
        assert!(out.ends_with("  three: *defaults\n"), "{out}");
    }
}

#[test]
fn anchors_without_aliases_and_move_copy() {
    ok("a: &x 1\nb: 2\n", r#"[{"op":"replace","path":"/a","value":3}]"#, "a: &x 3\nb: 2\n");
    ok("a: 1\nb: 2\n", r#"[{"op":"copy","from":"/a","path":"/c"}]"#, "a: 1\nb: 2\nc: 1\n");
    ok("a: 1\nb: 2\n", r#"[{"op":"move","from":"/a","path":"/c"}]"#, "b: 2\nc: 1\n");
    ok("a: 1\n", r#"[{"op":"test","path":"/a","value":1},{"op":"replace","path":"/a","value":2}]"#, "a: 2\n");
}

#[test]
fn unicode_offsets() {
    ok("name: café # ☕\nport: 80\n", r#"[{"op":"replace","path":"/port","value":81}]"#, "name: café # ☕\nport: 81\n");
    ok("ü:\n  ö: 1\n", r#"[{"op":"add","path":"/ü/ä","value":"ß"}]"#, "ü:\n  ö: 1\n  ä: ß\n");
}

#[test]
fn comments_after_quoted_values_stay() {
    ok(
        "a: \"10\"   # c\nb: 'q' # d\n",
        r#"[{"op":"replace","path":"/a","value":"0"}]"#,
        "a: \"0\"   # c\nb: 'q' # d\n",
    );
    ok(
        "a: \"10\"   # c\nb: 'it''s' # d\n",
        r#"[{"op":"replace","path":"/b","value":"x"}]"#,
        "a: \"10\"   # c\nb: 'x' # d\n",
    );
    ok("a: \"x\\\"y\" # c\n", r#"[{"op":"replace","path":"/a","value":1}]"#, "a: 1 # c\n");
}

#[test]
fn a_key_after_a_sequence_ending_in_a_flow_item_at_the_end_of_the_file() {
    let input = "spec:\n  egress:\n  - {}\n";
    ok(input, r#"[{"op":"add","path":"/spec/x","value":"0"}]"#, "spec:\n  egress:\n  - {}\n  x: \"0\"\n");
    ok("a:\n- [1]", r#"[{"op":"add","path":"/b","value":1}]"#, "a:\n- [1]\nb: 1");
}

#[test]
fn merge_keys_are_read_like_helm_reads_them() {
    let input = "defaults: &defaults\n  port: 80\n  tls: {cert: a}\napi:\n  <<: *defaults\n  name: api\nweb:\n  <<: *defaults\n";
    // `test` compares what Helm reads: the merged value.
    ok(input, r#"[{"op":"test","path":"/api/port","value":80}]"#, input);
    // replacing a merged key writes it into that mapping only, where it overrides the merged value
    ok(
        input,
        r#"[{"op":"replace","path":"/api/port","value":0}]"#,
        &input.replace("  name: api\n", "  name: api\n  port: 0\n"),
    );
    ok(input, r#"[{"op":"add","path":"/web/port","value":1}]"#, &format!("{input}  port: 1\n"));
    // removing it, or editing below it, would change every mapping that merges `defaults`
    let e = refused(input, r#"[{"op":"remove","path":"/api/port"}]"#);
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        "5:3: operation 0 (`/api/port`): `port` in `/api` comes from the merge key `<<: *defaults` (defined at line 2); removing it would change every mapping that merges it"
    );
    let e = refused(input, r#"[{"op":"replace","path":"/api/tls/cert","value":"b"}]"#);
    assert_eq!(e.kind, PatchErrorKind::Unsupported);
    assert!(!e.to_string().contains("has no key"), "{e}");
    assert!(e.to_string().contains("hint: replace `/api/tls` as a whole"), "{e}");
    // a missing key is still reported as missing, against the merged reading
    let e = refused(input, r#"[{"op":"replace","path":"/api/prot","value":1}]"#);
    assert_eq!(e.kind, PatchErrorKind::NotFound);
    assert!(e.to_string().contains("did you mean `port`?"), "{e}");
}

#[test]
fn new_text_follows_the_neighbours_style() {
    // an empty `{}` in a block-style file becomes a block
    let input = "image:\n  tag: v1\nresources: {}\n";
    ok(
        input,
        r#"[{"op":"add","path":"/resources/limits","value":{"cpu":"1"}}]"#,
        "image:\n  tag: v1\nresources:\n  limits:\n    cpu: \"1\"\n",
    );
    ok("a:\n  b: 1\nl: []\n", r#"[{"op":"add","path":"/l/-","value":"x"}]"#, "a:\n  b: 1\nl:\n  - x\n");
    // a new string is quoted like its quoted siblings
    ok(
        "protocols:\n  - \"HTTP/1.1\"\n  - \"HTTP/2\"\n",
        r#"[{"op":"add","path":"/protocols/-","value":"HTTP/3"}]"#,
        "protocols:\n  - \"HTTP/1.1\"\n  - \"HTTP/2\"\n  - \"HTTP/3\"\n",
    );
    ok("p: ['a', 'b']\n", r#"[{"op":"add","path":"/p/-","value":"c"}]"#, "p: ['a', 'b', 'c']\n");
    ok(
        "env:\n  A: \"x\"\n  B: \"y\"\n",
        r#"[{"op":"add","path":"/env/C","value":"z"}]"#,
        "env:\n  A: \"x\"\n  B: \"y\"\n  C: \"z\"\n",
    );
    // plain siblings: plain
    ok(
        "env:\n  A: x\n  B: \"y\"\n",
        r#"[{"op":"add","path":"/env/C","value":"z"}]"#,
        "env:\n  A: x\n  B: \"y\"\n  C: z\n",
    );
}

#[test]
fn many_operations_in_one_patch_keep_the_tree_in_step() {
    // each add reuses the tree of the previous one (checked against a fresh parse in debug builds)
    let input = "a: 1\nenv:\n  A: \"1\"\nlist:\n- x\nz: |\n  text\n---\nother: doc\n";
    let ops: Vec<String> = (0..30)
        .map(|i| match i % 3 {
            0 => format!(r#"{{"op":"add","path":"/env/K{i}","value":"v{i}"}}"#),
            1 => format!(r#"{{"op":"add","path":"/list/-","value":{{"n":{i},"m":[1,2]}}}}"#),
            _ => format!(r#"{{"op":"add","path":"/top{i}","value":"multi\nline\n"}}"#),
        })
        .collect();
    let patch = parse_patch(&format!("[{}]", ops.join(","))).unwrap();
    let out = apply(input, &patch, Some(&crate::patch::DocumentSelector::Index(0)), Default::default()).unwrap();
    assert!(out.contains("  K27: \"v27\"\n"), "{out}");
    assert!(out.contains("- \"n\": 28\n  m:\n  - 1\n  - 2\n"), "{out}");
    assert!(out.ends_with("---\nother: doc\n"), "{out}");
}

#[test]
fn an_appended_key_updates_the_tree_in_place() {
    let text = "a: 1\nenv:\n  A: x\nz: 2\n";
    let engine = YamlEngine {
        index: 0,
        before: stream_values(text).unwrap(),
        trees: RefCell::new(None),
        parsed: RefCell::new(None),
        habits: RefCell::new(None),
        options: Default::default(),
    };
    let parent = Pointer::parse("/env").unwrap();
    let insert = |t: &str, k: &str| {
        let prim = Prim::Insert { parent: parent.clone(), slot: Slot::Key(k.into()), value: "v".into() };
        engine.exec(t, &prim).unwrap().unwrap()
    };
    let once = insert(text, "B");
    let twice = insert(&once, "C");
    assert_eq!(twice, "a: 1\nenv:\n  A: x\n  B: v\n  C: v\nz: 2\n");
    // the cached tree is the edited text's, not dropped for a full parse
    let cache = engine.trees.borrow();
    let (cached_text, docs) = cache.as_ref().expect("the tree was updated in place");
    assert_eq!(cached_text, &twice);
    assert_eq!(docs, &parse_tree(&twice).unwrap());
}

#[test]
fn helm_values_inside_flux_and_argo_objects_are_ordinary_paths() {
    let flux = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: checkout\nspec:\n  chart:\n    spec:\n      chart: checkout\n  values:\n    replicaCount: 3\n    redis:\n      pool: \"10\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n";
    let sel = "HelmRelease/checkout".parse().unwrap();
    let patch = parse_patch(r#"[{"op":"replace","path":"/spec/values/redis/pool","value":"0"}]"#).unwrap();
    assert_eq!(
        apply(flux, &patch, Some(&sel), Default::default()).unwrap(),
        flux.replace("pool: \"10\"", "pool: \"0\"")
    );
    let argo = "kind: Application\nspec:\n  source:\n    helm:\n      valuesObject:\n        ingress:\n          enabled: true\n";
    ok(
        argo,
        r#"[{"op":"replace","path":"/spec/source/helm/valuesObject/ingress/enabled","value":false}]"#,
        &argo.replace("enabled: true", "enabled: false"),
    );
}
