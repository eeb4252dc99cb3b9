//! `suggest` on a generated 10,000-file GitOps repository: `cargo bench --bench suggest`.
//!
//! The repository is deterministic: 500 services, each with a Deployment and Service, a ConfigMap, a Helm
//! values file, a dotenv file, a JSON and a TOML settings file, a Kustomize overlay and its replicas patch,
//! plus unrelated YAML (20 files per service, 10,000 in all). The timing covers what the command does:
//! listing and reading every file, parsing, indexing, recognising, ranking and checking the best 20
//! suggestions with the patch engine; then the real binary end to end. Best of three rounds.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

use firedrill::propose::{self, Options};
use firedrill::repo::Source;
use firedrill::repo::walk;

const SERVICES: usize = 500;

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn generate(root: &Path) -> usize {
    let mut files = 0;
    let mut put = |path: String, text: String| {
        write(root, &path, &text);
        files += 1;
    };
    for i in 0..SERVICES {
        let s = format!("svc{i:03}");
        let base = format!("apps/{s}");
        put(
            format!("{base}/base/deployment.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {s}\nspec:\n  replicas: 2\n  template:\n    \
                 spec:\n      containers:\n        - name: {s}\n          image: ghcr.io/acme/{s}:1.{i}.3\n          \
                 envFrom:\n            - configMapRef:\n                name: {s}-settings\n          ports:\n            \
                 - containerPort: 8080\n          readinessProbe:\n            httpGet:\n              path: /healthz\n              \
                 port: 8080\n          resources:\n            requests:\n              memory: 256Mi\n            \
                 limits:\n              memory: 512Mi\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {s}\nspec:\n  \
                 ports:\n    - port: 80\n      targetPort: 8080\n"
            ),
        );
        put(format!("{base}/base/kustomization.yaml"), "resources:\n  - deployment.yaml\n".to_owned());
        put(
            format!("{base}/overlays/staging/kustomization.yaml"),
            format!(
                "resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\nconfigMapGenerator:\n  - name: \
                 {s}-settings\n    envs:\n      - settings.env\n"
            ),
        );
        put(
            format!("{base}/overlays/staging/replicas.yaml"),
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {s}\nspec:\n  replicas: 3\n"),
        );
        put(
            format!("{base}/overlays/staging/settings.env"),
            format!(
                "# {s} settings\nDB_HOST={s}-db.staging.acme.internal\nDB_PORT=5432\nDB_POOL_SIZE=20\nHTTP_TIMEOUT_MS=3000\n\
                 MAX_RETRIES=3\nPAYMENTS_URL=https://payments.staging.acme.internal\n"
            ),
        );
        put(
            format!("charts/{s}/values-staging.yaml"),
            format!(
                "replicaCount: 2\nimage:\n  repository: ghcr.io/acme/{s}\n  tag: \"2.{i}.1\"\nservice:\n  port: 8080\n\
                 env:\n  SERVICE__REDIS__HOST: redis.cache.svc.cluster.local\n  SERVICE__REDIS__CONNECTION_POOL__SIZE: \"10\"\n  \
                 SERVICE__PAYMENTS__TIMEOUT_MS: \"3000\"\nfeatures:\n  newCheckout: true\n"
            ),
        );
        put(format!("charts/{s}/Chart.yaml"), format!("apiVersion: v2\nname: {s}\nversion: 0.1.{i}\n"));
        put(
            format!("charts/{s}/templates/deployment.yaml"),
            "kind: Deployment\nspec:\n  replicas: {{ .Values.replicaCount }}\n  env:\n{{ toYaml .Values.env | indent 4 }}\n"
                .to_owned(),
        );
        put(
            format!("config/{s}/features.json"),
            format!("{{\n  \"flags\": {{\n    \"{s}.fastPath\": {{ \"enabled\": true, \"rollout\": 50 }}\n  }}\n}}\n"),
        );
        put(
            format!("config/{s}/worker.toml"),
            "[queue]\nprefetch = 16\nvisibility_timeout_secs = 300\n\n[retry]\nmax_attempts = 5\n".to_owned(),
        );
        for n in 0..10 {
            put(
                format!("misc/{s}/notes-{n}.yaml"),
                format!("owner: team-{n}\nlabels:\n  tier: backend\n  index: {n}\ndescription: unrelated settings\n"),
            );
        }
    }
    files
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path());
    println!("generated {files} files under {}", dir.path().display());
    let source = Source::open_checkout(dir.path()).unwrap();
    let options = Options::default();
    let mut best = f64::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let read = walk::read_config(&source, "main", false).unwrap();
        let proposal = propose::propose_with(&read.files, &read.context, &options);
        best = best.min(start.elapsed().as_secs_f64());
        found = proposal.suggestions.len();
        assert_eq!(read.files.len(), files, "every file read: {:?}", read.unread.first());
    }
    println!("library: read, index, rank and check {files} files: best of 3 {best:.3} s ({found} suggestions)");
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/firedrill");
    if binary.is_file() {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let out = std::process::Command::new(&binary).arg("suggest").arg(dir.path()).output().unwrap();
            best = best.min(start.elapsed().as_secs_f64());
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
        println!("binary: `firedrill suggest` on {files} files: best of 3 {best:.3} s");
    } else {
        println!("(build `cargo build --release` first to time the binary end to end)");
    }
}
