//! The disguise: how a drill's branch, commit, pull request and author look, so it reads as routine work (pure).
//!
//! A scenario may spell out any of the texts as templates ([`template`]); whatever it leaves out is picked
//! from built-in wordings ([`pool`]) with the seeded PRNG of [`crate::schedule::seed`], one independent
//! stream per field, so a re-run of the same drill produces byte-identical texts and different drills vary.
//! Commit messages and pull request bodies come from the pool of the fault's [`ChangeKind`] (a port change
//! reads like a port change), found from its pointers and values.
//! Authors are never invented: without an explicit author, the commit is made as whoever owns the token.

pub mod kind;
pub mod pool;
pub mod refname;
pub mod style;
pub mod template;

use std::fmt;

use serde_json::Value;

use crate::schedule::seed::SeededRng;
use crate::schedule::{DrillId, Plan};

pub use kind::ChangeKind;
pub use refname::{MAX_BRANCH_LEN, check_branch_name, sanitize_branch};
pub use template::{KNOWN_VARIABLES, TemplateError, TemplatePos, Vars, check_template, render};

/// Words that would tell responders the change is staged. Pool wordings never contain them (checked by
/// tests); [`ResolvedDisguise::giveaways`] finds them in what a scenario's own templates or keys produce.
pub const GIVEAWAY_WORDS: [&str; 10] =
    ["firedrill", "drill", "fault", "outage", "test", "chaos", "incident", "inject", "sabotage", "game day"];

/// The giveaway words contained in `text`, case-insensitively and also inside longer words (`default`
/// contains `fault`): a reader notices those too.
pub fn giveaway_words(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    GIVEAWAY_WORDS.into_iter().filter(|word| lower.contains(word)).collect()
}

/// A commit author given in the scenario; both parts are templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorSpec {
    /// The author's name, e.g. `Dana Example`.
    pub name: String,
    /// The author's email.
    pub email: String,
}

/// The scenario's `disguise` section: every field optional, every text a template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DisguiseSpec {
    /// Branch name template.
    pub branch: Option<String>,
    /// Commit message template.
    pub commit_message: Option<String>,
    /// Pull request title template.
    pub pr_title: Option<String>,
    /// Pull request body template.
    pub pr_body: Option<String>,
    /// Commit author; the token's owner when absent.
    pub author: Option<AuthorSpec>,
}

/// Which part of a disguise something is about, named as in the scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisguiseField {
    /// `branch`
    Branch,
    /// `commit_message`
    CommitMessage,
    /// `pr_title`
    PrTitle,
    /// `pr_body`
    PrBody,
    /// `author.name`
    AuthorName,
    /// `author.email`
    AuthorEmail,
}

impl DisguiseField {
    /// The field's key in the scenario's `disguise` section.
    pub fn key(self) -> &'static str {
        match self {
            DisguiseField::Branch => "branch",
            DisguiseField::CommitMessage => "commit_message",
            DisguiseField::PrTitle => "pr_title",
            DisguiseField::PrBody => "pr_body",
            DisguiseField::AuthorName => "author.name",
            DisguiseField::AuthorEmail => "author.email",
        }
    }
}

impl fmt::Display for DisguiseField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "disguise.{}", self.key())
    }
}

/// What is wrong with a disguise.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisguiseError {
    /// A template does not parse or names an unknown variable.
    #[error("{field}: {source}")]
    Template {
        /// Which field.
        field: DisguiseField,
        /// What is wrong with its template.
        source: TemplateError,
    },
    /// A field renders to nothing but whitespace.
    #[error("{field} renders to an empty text; write some text or remove the field to use a built-in wording")]
    Empty {
        /// Which field.
        field: DisguiseField,
    },
    /// The author cannot be written into a commit.
    #[error("{field}: {reason}")]
    InvalidAuthor {
        /// `author.name` or `author.email`.
        field: DisguiseField,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Who the drill's commit is made as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Author {
    /// Whoever owns the token firedrill pushes with: a real colleague (or the game master), never invented.
    TokenOwner,
    /// The author the scenario names.
    Explicit {
        /// Name.
        name: String,
        /// Email.
        email: String,
    },
}

impl fmt::Display for Author {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Author::TokenOwner => f.write_str("the token's owner"),
            Author::Explicit { name, email } => write!(f, "{name} <{email}>"),
        }
    }
}

/// The finished disguise of one drill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedDisguise {
    /// A valid git branch name.
    pub branch: String,
    /// The commit message (first line is the subject).
    pub commit_message: String,
    /// The pull request title, one line.
    pub pr_title: String,
    /// The pull request body (Markdown).
    pub pr_body: String,
    /// The commit author.
    pub author: Author,
}

impl ResolvedDisguise {
    /// Giveaway words in the resolved texts, by field: empty for built-in wordings with ordinary keys, worth a
    /// warning from `validate`/`preview` otherwise.
    pub fn giveaways(&self) -> Vec<(DisguiseField, &'static str)> {
        let texts = [
            (DisguiseField::Branch, &self.branch),
            (DisguiseField::CommitMessage, &self.commit_message),
            (DisguiseField::PrTitle, &self.pr_title),
            (DisguiseField::PrBody, &self.pr_body),
        ];
        texts.into_iter().flat_map(|(field, text)| giveaway_words(text).into_iter().map(move |w| (field, w))).collect()
    }
}

/// The facts about one drill that templates can use; see [`KNOWN_VARIABLES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisguiseVars {
    /// The scenario's id.
    pub scenario_id: String,
    /// The drill's id; also the seed of every choice.
    pub drill_id: DrillId,
    /// The target file's path in its repository, `/`-separated.
    pub target_path: String,
    /// The branch the change merges into.
    pub target_branch: String,
    /// The last key the fault changes (see [`key_from_pointer`]).
    pub key: String,
    /// What kind of setting the fault changes: which pool the commit message and pull request body come from.
    pub kind: ChangeKind,
    /// The merge date in the scenario's zone.
    pub date: jiff::civil::Date,
}

impl DisguiseVars {
    /// The variables for a planned drill. `changes` are the fault's operations that change the document, in
    /// order: the JSON Pointer each writes and the value (`None` for `remove`, `move`, `copy`). The key is
    /// the first one's; the kind is read from all of them ([`ChangeKind::of_fault`]).
    pub fn for_plan(
        plan: &Plan,
        target_path: &str,
        target_branch: &str,
        changes: &[(&str, Option<&Value>)],
    ) -> DisguiseVars {
        DisguiseVars {
            scenario_id: plan.drill_id.scenario_id().to_owned(),
            drill_id: plan.drill_id.clone(),
            target_path: target_path.to_owned(),
            target_branch: target_branch.to_owned(),
            key: changes.first().map(|(pointer, _)| key_from_pointer(pointer)).unwrap_or_default(),
            kind: ChangeKind::of_fault(changes.iter().copied()),
            date: plan.zone.date_of(plan.merge_at),
        }
    }

    /// All template variables with their values.
    pub fn to_vars(&self) -> Vars {
        let path = self.target_path.trim_matches('/');
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let words = key_words(&self.key);
        let mut vars = Vars::new();
        vars.set("scenario.id", self.scenario_id.clone());
        vars.set("drill.id", self.drill_id.as_str());
        vars.set("short_id", short_id(&self.drill_id));
        vars.set("date", self.date.to_string());
        vars.set("target.path", path);
        vars.set("target.file", file);
        vars.set("target.stem", file_stem(file));
        vars.set("target.dir", dir);
        vars.set("target.branch", self.target_branch.clone());
        vars.set("key", self.key.clone());
        vars.set("key.kebab", words.join("-"));
        vars.set("key.words", words.join(" "));
        vars
    }
}

/// Six hex characters derived from the drill id: a stable, meaningless suffix, like the ones people add to
/// keep branch names unique.
pub fn short_id(drill_id: &DrillId) -> String {
    let bits = SeededRng::for_purpose(drill_id.as_str(), "disguise.short_id").next_u64();
    format!("{:06x}", bits >> 40)
}

/// The key a JSON Pointer changes, for wording: its last segment, unescaped, skipping array indices (`/-`,
/// `/0`) because "update 0" says nothing. `/env/SERVICE__REDIS__SIZE` gives `SERVICE__REDIS__SIZE`.
pub fn key_from_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .rev()
        .find(|segment| !segment.is_empty() && *segment != "-" && !segment.bytes().all(|b| b.is_ascii_digit()))
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .unwrap_or_default()
}

/// A file name without its last extension (and without the leading dot of a dotfile): `values-staging.yaml`
/// gives `values-staging`, `.env` gives `env`.
fn file_stem(file: &str) -> &str {
    let file = file.trim_start_matches('.');
    file.rsplit_once('.').map_or(file, |(stem, _)| stem)
}

/// A key split into lower-case words at separators and camelCase humps: `SERVICE__REDIS__POOL_SIZE` and
/// `redisPoolSize` both give words like `redis`, `pool`, `size`.
pub(crate) fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

impl DisguiseSpec {
    /// Checks every template against the known variables, without a drill (for `validate`).
    pub fn check(&self) -> Result<(), DisguiseError> {
        let fields = [
            (DisguiseField::Branch, self.branch.as_deref()),
            (DisguiseField::CommitMessage, self.commit_message.as_deref()),
            (DisguiseField::PrTitle, self.pr_title.as_deref()),
            (DisguiseField::PrBody, self.pr_body.as_deref()),
            (DisguiseField::AuthorName, self.author.as_ref().map(|a| a.name.as_str())),
            (DisguiseField::AuthorEmail, self.author.as_ref().map(|a| a.email.as_str())),
        ];
        for (field, template) in fields {
            if let Some(template) = template {
                check_template(template).map_err(|source| DisguiseError::Template { field, source })?;
            }
        }
        Ok(())
    }

    /// The disguise of one drill: the scenario's templates where given, seeded built-in wordings elsewhere.
    ///
    /// The pull request title defaults to the commit subject, as GitHub does for a one-commit pull request;
    /// a commit message left out while a title is given takes the title, so the two never disagree.
    pub fn resolve(&self, vars: &DisguiseVars) -> Result<ResolvedDisguise, DisguiseError> {
        let values = vars.to_vars();
        let seed = vars.drill_id.as_str();
        let fill = |field: DisguiseField, given: Option<&str>, pool: &[&str]| -> Result<String, DisguiseError> {
            let template = match given {
                Some(template) => template,
                None => pool_pick(seed, field, pool),
            };
            let text = render(template, &values).map_err(|source| DisguiseError::Template { field, source })?;
            if text.trim().is_empty() {
                return Err(DisguiseError::Empty { field });
            }
            Ok(text)
        };

        let raw_branch = fill(DisguiseField::Branch, self.branch.as_deref(), &pool::BRANCHES)?;
        let fallback = format!("chore/config-{}", short_id(&vars.drill_id));
        let branch = sanitize_branch(&raw_branch, &fallback);

        let commit_given = self.commit_message.as_deref().or(self.pr_title.as_deref());
        let commit_field = if self.commit_message.is_some() || self.pr_title.is_none() {
            DisguiseField::CommitMessage
        } else {
            DisguiseField::PrTitle
        };
        let wordings = pool::wordings(vars.kind);
        let commit_message = tidy_message(&fill(commit_field, commit_given, wordings.commit_messages)?);

        let pr_title = match &self.pr_title {
            Some(template) => one_line(&fill(DisguiseField::PrTitle, Some(template), &[])?),
            None => commit_message.lines().next().unwrap_or_default().to_owned(),
        };
        let built_in_body;
        let body_template = match self.pr_body.as_deref() {
            Some(template) => template,
            None => {
                // A layout and a reason, each from its own stream: the house style does not decide the reason.
                let reason = SeededRng::for_purpose(seed, "disguise.pr_body.why").pick(wordings.reasons);
                built_in_body =
                    pool::compose(pool_pick(seed, DisguiseField::PrBody, &pool::LAYOUTS), reason.unwrap_or(&""));
                &built_in_body
            }
        };
        let pr_body = fill(DisguiseField::PrBody, Some(body_template), &[])?;
        let author = match &self.author {
            None => Author::TokenOwner,
            Some(spec) => {
                let name = fill(DisguiseField::AuthorName, Some(&spec.name), &[])?.trim().to_owned();
                let email = fill(DisguiseField::AuthorEmail, Some(&spec.email), &[])?.trim().to_owned();
                check_identity(DisguiseField::AuthorName, &name)?;
                check_identity(DisguiseField::AuthorEmail, &email)?;
                if !email.contains('@') {
                    return Err(DisguiseError::InvalidAuthor {
                        field: DisguiseField::AuthorEmail,
                        reason: "an email address needs an `@`",
                    });
                }
                Author::Explicit { name, email }
            }
        };
        Ok(ResolvedDisguise { branch, commit_message, pr_title, pr_body, author })
    }
}

impl DisguiseSpec {
    /// [`DisguiseSpec::resolve`], with the built-in title and body fitted to the style of the team's `recent` work
    /// ([`style`]); what the scenario spells out, the branch and the author stay as they are. Nothing read (a
    /// folder, an empty history): as [`DisguiseSpec::resolve`], and no style.
    pub fn resolve_in_style(
        &self,
        vars: &DisguiseVars,
        recent: Option<&style::Recent>,
    ) -> Result<(ResolvedDisguise, Option<style::Style>), DisguiseError> {
        let mut resolved = self.resolve(vars)?;
        let Some(recent) = recent.filter(|r| !r.work.is_empty() || r.template.is_some()) else {
            return Ok((resolved, None));
        };
        let team = style::Style::of(recent);
        let values = vars.to_vars();
        let mut words = key_words(&vars.key);
        words.extend(vars.target_path.split(['/', '.', '-', '_']).map(str::to_lowercase));
        let facts =
            style::Facts { seed: vars.drill_id.as_str(), vars: &values, wordings: pool::wordings(vars.kind), words };
        let fitted = style::fit(&team, recent, &facts);
        if self.commit_message.is_none() && self.pr_title.is_none() {
            resolved.pr_title = one_line(&fitted.title);
            resolved.commit_message = resolved.pr_title.clone();
        }
        if self.pr_body.is_none() {
            resolved.pr_body = fitted.body;
        }
        Ok((resolved, Some(team)))
    }
}

/// The wording of `field` for the drill `seed`, from its own PRNG stream.
fn pool_pick<'p>(seed: &str, field: DisguiseField, pool: &[&'p str]) -> &'p str {
    let purpose = format!("disguise.{}", field.key());
    SeededRng::for_purpose(seed, &purpose).pick(pool).copied().unwrap_or_default()
}

/// A commit message as git would store it: no leading blank lines, no trailing whitespace.
fn tidy_message(text: &str) -> String {
    text.trim_start_matches(['\n', '\r']).trim_end().to_owned()
}

/// A title on one line: line breaks and runs of whitespace become single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Git writes identities as `name <email>` on one line, so neither part may hold `<`, `>` or a line break.
fn check_identity(field: DisguiseField, value: &str) -> Result<(), DisguiseError> {
    if value.chars().any(|c| matches!(c, '<' | '>' | '\n' | '\r')) {
        return Err(DisguiseError::InvalidAuthor { field, reason: "it may not contain `<`, `>` or a line break" });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
        assert_eq!(
            key_from_pointer("/env/SERVICE__REDIS__CONNECTION_POOL__SIZE"),
            "SERVICE__REDIS__CONNECTION_POOL__SIZE"
        );
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
        assert_eq!(
            r.commit_message,
            "chore: set SERVICE__REDIS__CONNECTION_POOL__SIZE\n\nPart of the 2026-11-24 cleanup."
        );
        assert_eq!(r.pr_title, "chore: set SERVICE__REDIS__CONNECTION_POOL__SIZE");
        assert_eq!(r.pr_body, "See `charts/api/values-staging.yaml` on main.");
        assert_eq!(
            r.author,
            Author::Explicit { name: "Dana Example".to_owned(), email: "dana@example.com".to_owned() }
        );
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
}
