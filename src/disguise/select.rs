//! Choosing a drill's texts: every template of the scenario checked and filled in, the rest picked from the
//! built-in pool on the drill's own seeded stream, and the built-in title and body fitted to the team's style.

use super::*;

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
pub(super) fn pool_pick<'p>(seed: &str, field: DisguiseField, pool: &[&'p str]) -> &'p str {
    let purpose = format!("disguise.{}", field.key());
    SeededRng::for_purpose(seed, &purpose).pick(pool).copied().unwrap_or_default()
}

/// A commit message as git would store it: no leading blank lines, no trailing whitespace.
pub(super) fn tidy_message(text: &str) -> String {
    text.trim_start_matches(['\n', '\r']).trim_end().to_owned()
}

/// A title on one line: line breaks and runs of whitespace become single spaces.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Git writes identities as `name <email>` on one line, so neither part may hold `<`, `>` or a line break.
pub(super) fn check_identity(field: DisguiseField, value: &str) -> Result<(), DisguiseError> {
    if value.chars().any(|c| matches!(c, '<' | '>' | '\n' | '\r')) {
        return Err(DisguiseError::InvalidAuthor { field, reason: "it may not contain `<`, `>` or a line break" });
    }
    Ok(())
}
