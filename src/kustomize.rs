//! Which Kustomize overlays a file reaches: the references of every `kustomization.yaml`, followed from each
//! overlay through its bases to the target file.
//!
//! Pure: the caller lists and reads the repository's kustomization files. References that leave the
//! repository (`../` above its root, absolute paths) and remote ones (URLs, `github.com/…?ref=`) are not
//! followed; chains are at most [`MAX_DEPTH`] kustomizations long, and cycles are cut.

use serde_json::Value;

use crate::patch;

/// The longest chain of kustomizations followed from an overlay (kustomize itself has no limit; real
/// repositories nest a handful).
pub const MAX_DEPTH: usize = 16;

/// The file names kustomize reads in a folder.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `path` (a repository path) is a kustomization file.
pub fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    FILE_NAMES.contains(&name)
}

/// One kustomization file and the repository paths it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kustomization {
    /// Its path in the repository, such as `overlays/staging/kustomization.yaml`.
    pub file: String,
    /// Its folder (`""` for the repository root).
    pub dir: String,
    pub refs: Vec<Reference>,
    /// Its `namespace:` (the namespace every resource it renders is put in), when set.
    pub namespace: Option<String>,
}

/// A path a kustomization references, resolved from its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Where it is written, such as `resources` or `configMapGenerator (checkout-env) envs`.
    pub field: String,
    /// As written in the file.
    pub written: String,
    /// The repository path it names (a file, or a folder holding a kustomization).
    pub path: String,
}

/// One overlay the target file reaches, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// The overlay's folder (`""` for the repository root).
    pub overlay: String,
    /// The references followed, from the overlay's kustomization down to the target file; empty when the
    /// target is the overlay's kustomization itself.
    pub via: Vec<Hop>,
}

/// One reference on the way from an overlay to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The kustomization file holding the reference.
    pub file: String,
    pub field: String,
    pub written: String,
}

impl Kustomization {
    /// Reads the references of the kustomization at `file` (a repository path). A file that is not a
    /// readable YAML mapping has no references (kustomize would refuse it; the preview does not judge it).
    pub fn parse(file: &str, text: &str) -> Kustomization {
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        let doc = patch::yaml::documents(text).ok().and_then(|d| d.into_iter().next()).unwrap_or(Value::Null);
        let mut refs = Vec::new();
        let mut add = |field: String, written: &str| {
            if let Some(path) = resolve(&dir, written) {
                refs.push(Reference { field, written: written.to_owned(), path });
            }
        };
        let strings = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        for field in [
            "resources",
            "bases",
            "components",
            "patchesStrategicMerge",
            "crds",
            "configurations",
            "transformers",
            "generators",
            "validators",
        ] {
            for p in strings(doc.get(field)) {
                add(field.to_owned(), &p);
            }
        }
        for field in ["patches", "patchesJson6902", "replacements"] {
            for item in doc.get(field).and_then(Value::as_array).into_iter().flatten() {
                match item {
                    Value::String(s) => add(field.to_owned(), s),
                    v => {
                        if let Some(p) = v.get("path").and_then(Value::as_str) {
                            add(field.to_owned(), p);
                        }
                    }
                }
            }
        }
        for field in ["configMapGenerator", "secretGenerator"] {
            for generator in doc.get(field).and_then(Value::as_array).into_iter().flatten() {
                let name = generator.get("name").and_then(Value::as_str).unwrap_or("?");
                for (key, list) in [("envs", "envs"), ("env", "env"), ("files", "files")] {
                    for entry in strings(generator.get(list)) {
                        // `files` entries may be `key=path`.
                        let p = if key == "files" {
                            entry.split_once('=').map_or(entry.as_str(), |(_, p)| p)
                        } else {
                            &entry
                        };
                        add(format!("{field} ({name}) {key}"), p);
                    }
                }
            }
        }
        for chart in doc.get("helmCharts").and_then(Value::as_array).into_iter().flatten() {
            let name = chart.get("name").and_then(Value::as_str).unwrap_or("?");
            for p in strings(chart.get("valuesFile")).into_iter().chain(strings(chart.get("additionalValuesFiles"))) {
                add(format!("helmCharts ({name}) values"), &p);
            }
        }
        let namespace = doc.get("namespace").and_then(Value::as_str).map(str::to_owned);
        Kustomization { file: file.to_owned(), dir, refs, namespace }
    }
}

/// `written`, relative to `dir`, as a repository path; `None` for what leaves the repository or is remote
/// or inline (a patch written in place).
fn resolve(dir: &str, written: &str) -> Option<String> {
    let w = written.trim();
    if w.is_empty() || w.contains('\n') || w.starts_with('/') || w.contains("://") || w.contains('?') {
        return None;
    }
    if w.starts_with("github.com/") || w.starts_with("git@") || w.starts_with("gitlab.com/") {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in w.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The overlays `target` (a repository path) reaches: every kustomization that reaches it and that no
/// other kustomization includes, each with the first chain found (in file order). When every one that
/// reaches it is included by another (a cycle), all of them.
pub fn affected(all: &[Kustomization], target: &str) -> Vec<Affected> {
    Graph::new(all).affected(target)
}

/// How the kustomization of the folder `dir` reaches `target`, when it does (an Argo CD or Flux path that is
/// a Kustomize folder deploys what its kustomization reaches, and nothing else).
pub fn reaches(all: &[Kustomization], dir: &str, target: &str) -> Option<Vec<Hop>> {
    Graph::new(all).reaches(dir, target)
}

/// A repository's kustomizations with their references looked up by path, built once for many questions
/// (`suggest` asks about every referenced file of a repository with thousands of overlays).
pub struct Graph<'a> {
    all: &'a [Kustomization],
    /// Kustomizations by folder, in file order.
    by_dir: std::collections::HashMap<&'a str, Vec<usize>>,
    /// Kustomizations by the paths they reference, in file order.
    referrers: std::collections::HashMap<&'a str, Vec<usize>>,
    /// Whether another kustomization includes each one (as a base, resource or component).
    included: Vec<bool>,
}

impl<'a> Graph<'a> {
    pub fn new(all: &'a [Kustomization]) -> Graph<'a> {
        let mut by_dir: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
        let mut referrers: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
        for (i, k) in all.iter().enumerate() {
            by_dir.entry(k.dir.as_str()).or_default().push(i);
            for r in &k.refs {
                let list = referrers.entry(r.path.as_str()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let included =
            all.iter()
                .map(|k| {
                    referrers.get(k.dir.as_str()).into_iter().flatten().any(|&o| {
                        all[o].file != k.file && all[o].refs.iter().any(|r| r.path == k.dir && is_base(&r.field))
                    })
                })
                .collect();
        Graph { all, by_dir, referrers, included }
    }

    /// [`affected`], on this graph.
    pub fn affected(&self, target: &str) -> Vec<Affected> {
        let reaching: Vec<(usize, Vec<Hop>)> = self
            .candidates(target)
            .into_iter()
            .filter_map(|i| self.chain(&self.all[i], target, &mut Vec::new()).map(|via| (i, via)))
            .collect();
        let roots: Vec<_> = reaching.iter().filter(|(i, _)| !self.included[*i]).cloned().collect();
        let chosen = if roots.is_empty() { reaching } else { roots };
        chosen.into_iter().map(|(i, via)| Affected { overlay: self.all[i].dir.clone(), via }).collect()
    }

    /// [`reaches`], on this graph.
    pub fn reaches(&self, dir: &str, target: &str) -> Option<Vec<Hop>> {
        let k = &self.all[*self.by_dir.get(dir)?.first()?];
        self.chain(k, target, &mut Vec::new())
    }

    /// The kustomizations that could reach `target`, in file order: it itself, those referencing it, and,
    /// backwards, those referencing their folders. Every one that does reach it is among them.
    fn candidates(&self, target: &str) -> Vec<usize> {
        let mut found: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
        let mut todo: Vec<usize> =
            self.all.iter().enumerate().filter(|(_, k)| k.file == target).map(|(i, _)| i).collect();
        todo.extend(self.referrers.get(target).into_iter().flatten().copied());
        while let Some(i) = todo.pop() {
            if found.insert(i) {
                todo.extend(self.referrers.get(self.all[i].dir.as_str()).into_iter().flatten().copied());
            }
        }
        found.into_iter().collect()
    }

    /// How `k` reaches `target`, depth first; `seen` holds the kustomizations on the current chain.
    fn chain(&self, k: &Kustomization, target: &str, seen: &mut Vec<String>) -> Option<Vec<Hop>> {
        if k.file == target {
            return Some(Vec::new());
        }
        if seen.len() >= MAX_DEPTH || seen.contains(&k.file) {
            return None;
        }
        seen.push(k.file.clone());
        let hop = |r: &Reference| Hop { file: k.file.clone(), field: r.field.clone(), written: r.written.clone() };
        let mut found = None;
        for r in &k.refs {
            if r.path == target {
                found = Some(vec![hop(r)]);
                break;
            }
            if !is_base(&r.field) {
                continue;
            }
            // The folder's kustomization (kustomize reads the first of its file names that exists).
            let in_dir = self.by_dir.get(r.path.as_str()).into_iter().flatten();
            let Some(base) = in_dir.map(|&b| &self.all[b]).find(|b| b.file != k.file) else { continue };
            if let Some(mut rest) = self.chain(base, target, seen) {
                rest.insert(0, hop(r));
                found = Some(rest);
                break;
            }
        }
        seen.pop();
        found
    }
}

/// The references of a chain as people read them: `a/kustomization.yaml resources: ../base → …`.
pub fn via(hops: &[Hop]) -> String {
    hops.iter().map(|h| format!("{} {}: {}", h.file, h.field, h.written)).collect::<Vec<_>>().join(" → ")
}

/// Fields whose entries may be folders holding another kustomization.
fn is_base(field: &str) -> bool {
    // A transformer, generator or validator entry may be a folder of them, with its own kustomization.
    matches!(field, "resources" | "bases" | "components" | "transformers" | "generators" | "validators")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> Vec<Kustomization> {
        files.iter().map(|(f, t)| Kustomization::parse(f, t)).collect()
    }

    fn shown(a: &[Affected]) -> Vec<String> {
        a.iter()
            .map(|a| {
                let via: Vec<String> = a.via.iter().map(|h| format!("{} {}: {}", h.file, h.field, h.written)).collect();
                format!("{} <- {}", if a.overlay.is_empty() { "." } else { &a.overlay }, via.join(" > "))
            })
            .collect()
    }

    const BASE: &str =
        "resources:\n- deployment.yaml\n- service.yaml\npatches:\n- path: probes.yaml\n  target: {kind: Deployment}\n";

    #[test]
    fn an_overlay_reaches_its_base_files_through_resources() {
        let all = repo(&[
            ("base/kustomization.yaml", BASE),
            (
                "overlays/staging/kustomization.yaml",
                "resources:\n- ../../base\npatchesStrategicMerge:\n- replicas.yaml\n",
            ),
            ("overlays/prod/kustomization.yml", "bases: [../../base]\n"),
        ]);
        assert_eq!(
            shown(&affected(&all, "base/deployment.yaml")),
            [
                "overlays/staging <- overlays/staging/kustomization.yaml resources: ../../base > base/kustomization.yaml resources: deployment.yaml",
                "overlays/prod <- overlays/prod/kustomization.yml bases: ../../base > base/kustomization.yaml resources: deployment.yaml",
            ]
        );
        assert_eq!(
            shown(&affected(&all, "overlays/staging/replicas.yaml")),
            ["overlays/staging <- overlays/staging/kustomization.yaml patchesStrategicMerge: replicas.yaml"]
        );
        assert_eq!(affected(&all, "base/probes.yaml").len(), 2);
        // the overlay's own kustomization: its edits reach that overlay only
        assert_eq!(shown(&affected(&all, "overlays/prod/kustomization.yml")), ["overlays/prod <- "]);
        assert!(affected(&all, "unrelated.yaml").is_empty());
    }

    #[test]
    fn generators_and_helm_values_are_references() {
        let all = repo(&[(
            "apps/checkout/kustomization.yaml",
            "configMapGenerator:\n- name: checkout-env\n  envs: [checkout.env]\n  files: [app.conf, extra=conf/extra.ini]\n  literals: [A=1]\nhelmCharts:\n- name: redis\n  valuesFile: values-redis.yaml\n",
        )]);
        let refs: Vec<(&str, &str)> = all[0].refs.iter().map(|r| (r.field.as_str(), r.path.as_str())).collect();
        assert_eq!(
            refs,
            [
                ("configMapGenerator (checkout-env) envs", "apps/checkout/checkout.env"),
                ("configMapGenerator (checkout-env) files", "apps/checkout/app.conf"),
                ("configMapGenerator (checkout-env) files", "apps/checkout/conf/extra.ini"),
                ("helmCharts (redis) values", "apps/checkout/values-redis.yaml"),
            ]
        );
    }

    #[test]
    fn never_leaves_the_repository_nor_follows_remote_or_inline_references() {
        let k = Kustomization::parse(
            "a/kustomization.yaml",
            "resources:\n- ../../outside\n- /etc/passwd\n- https://example.com/x.yaml\n- github.com/acme/base?ref=v1\npatches:\n- patch: |\n    kind: Deployment\n",
        );
        assert!(k.refs.is_empty(), "{:?}", k.refs);
        assert_eq!(resolve("a/b", "../c/./d.yaml").as_deref(), Some("a/c/d.yaml"));
        assert_eq!(resolve("", "x/../y").as_deref(), Some("y"));
        assert!(Kustomization::parse("kustomization.yaml", "not: [valid").refs.is_empty());
    }

    #[test]
    fn cycles_are_cut_and_depth_is_bounded() {
        let all = repo(&[
            ("a/kustomization.yaml", "resources: [../b, x.yaml]\n"),
            ("b/kustomization.yaml", "resources: [../a]\n"),
        ]);
        // both reach x.yaml and include each other: both listed
        assert_eq!(affected(&all, "a/x.yaml").len(), 2);
        let mut chain: Vec<(String, String)> = (0..=MAX_DEPTH + 2)
            .map(|i| (format!("k{i}/kustomization.yaml"), format!("resources: [../k{}]\n", i + 1)))
            .collect();
        chain.push((format!("k{}/kustomization.yaml", MAX_DEPTH + 3), "resources: [deep.yaml]\n".into()));
        let all: Vec<Kustomization> = chain.iter().map(|(f, t)| Kustomization::parse(f, t)).collect();
        let found = affected(&all, &format!("k{}/deep.yaml", MAX_DEPTH + 3));
        assert!(found.iter().all(|a| a.via.len() <= MAX_DEPTH), "{found:?}");
        assert!(!found.iter().any(|a| a.overlay == "k0"), "k0 is deeper than the bound");
    }

    #[test]
    fn kustomization_file_names() {
        assert!(is_kustomization("overlays/staging/kustomization.yaml"));
        assert!(is_kustomization("Kustomization"));
        assert!(!is_kustomization("overlays/staging/kustomization.yaml.bak"));
    }
}
