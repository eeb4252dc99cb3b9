//! Who the token is and what it may do: the repository's permissions, a user's profile, an App installation's reach.

use super::*;

impl GitHubForge {
    /// Fails unless the repository itself is there (`GET /repos/{owner}/{repo}`), naming what was asked and
    /// where: a missing branch of a missing repository (a typo in `owner/name`, a wrong API URL) must not read
    /// as an empty branch. One request, sent only when a branch was not found.
    pub async fn check_repository(&self) -> Result<()> {
        let path = self.repo_path("");
        let (status, v) = self.call(Method::GET, &path, None).await?;
        match status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND => Err(other(format!(
                "the GitHub repository {}/{} was not found at {} (GET {path} answered 404): check the repository \
                 name (owner/name), the API URL (--api-url or $GITHUB_API_URL; GitHub Enterprise is \
                 https://HOST/api/v3), and that the token can see the repository",
                self.owner,
                self.repo,
                crate::git::redact_url(&self.api_url)
            ))),
            s => Err(api_error(&Method::GET, &path, s, &v)),
        }
    }

    /// Whether GitHub rejects the token itself (401 to `GET /repos/{owner}/{repo}`: wrong, expired or revoked),
    /// with GitHub's message. Decided from the status, which every later request would answer the same way.
    /// One request, sent by `doctor` before anything else.
    pub async fn token_rejected(&self) -> Result<Option<String>> {
        let (status, v) = self.call(Method::GET, &self.repo_path(""), None).await?;
        Ok((status == StatusCode::UNAUTHORIZED).then(|| v["message"].as_str().unwrap_or("Bad credentials").to_owned()))
    }

    /// The repository as GitHub describes it (`GET /repos/{owner}/{repo}`): merge settings, visibility.
    pub async fn repository(&self) -> Result<Value> {
        self.ok(Method::GET, &self.repo_path(""), None).await
    }

    /// The token owner's login and permission on this repository (`admin`, `maintain`, `write`, `triage`,
    /// `read`, `none`), read from the repository's `permissions`; who it is from `GET /user`, or "the GitHub App
    /// installation" for a token that has no user.
    pub async fn token_permission(&self) -> Result<(String, String)> {
        // An App's installation token has no `GET /user`, and reads every `permissions` flag of the repository
        // `false` whatever it was granted: what it can do is asked the installation's way.
        let user = self.user().await;
        if user.is_err() && self.is_installation().await {
            let (role, lacking) = self.installation_role().await?;
            let who = match lacking {
                Some(p) => format!("the GitHub App installation (without {p})"),
                None => "the GitHub App installation".to_owned(),
            };
            return Ok((who, role));
        }
        let repo = self.repository().await?;
        let p = &repo["permissions"];
        let has = |k: &str| p[k].as_bool() == Some(true);
        let role = ["admin", "maintain", "push", "triage", "pull"]
            .into_iter()
            .find(|k| has(k))
            .map_or("none", |k| match k {
                "push" => "write",
                "pull" => "read",
                other => other,
            })
            .to_owned();
        Ok((user?.0, role))
    }

    /// What an App installation may do on this repository: none unless `GET /installation/repositories` lists it;
    /// `write` when two harmless writes are let through (an empty blob, which every repository may hold, and a pull
    /// request without a branch, which GitHub refuses as invalid only once the permission is there: 422, not 403),
    /// else `read`, with the permission GitHub said the refused endpoint accepts (`x-accepted-github-permissions`).
    /// 3 requests (more past 100 repositories), sent by `doctor`.
    pub(super) async fn installation_role(&self) -> Result<(String, Option<String>)> {
        let full = format!("{}/{}", self.owner, self.repo);
        let mut listed = false;
        for page in 1..=10 {
            let v = self.ok(Method::GET, &format!("/installation/repositories?per_page=100&page={page}"), None).await?;
            let items = v["repositories"].as_array().cloned().unwrap_or_default();
            listed |= items.iter().any(|r| r["full_name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(&full)));
            if listed || items.len() < 100 {
                break;
            }
        }
        if !listed {
            return Ok(("none".to_owned(), None));
        }
        let accepted = || self.memo.accepted.lock().ok().and_then(|a| a.clone());
        let blob = json!({"content": "", "encoding": "utf-8"});
        let (status, _) = self.call(Method::POST, &self.repo_path("/git/blobs"), Some(&blob)).await?;
        if !status.is_success() {
            return Ok(("read".to_owned(), accepted()));
        }
        let probe = json!({"title": "", "head": "", "base": ""});
        let (status, _) = self.call(Method::POST, &self.repo_path("/pulls"), Some(&probe)).await?;
        if status != StatusCode::UNPROCESSABLE_ENTITY && !status.is_success() {
            return Ok(("read".to_owned(), accepted()));
        }
        Ok(("write".to_owned(), None))
    }

    /// Whether the token is a GitHub App installation's (`GET /installation/repositories` answers it).
    pub async fn is_installation(&self) -> bool {
        matches!(self.call(Method::GET, "/installation/repositories?per_page=1", None).await, Ok((s, _)) if s.is_success())
    }

    /// The token's owner as GitHub shows them on the commits it makes for them: the profile name (the login
    /// when none is set) and the `ID+login@users.noreply.github.com` address, so that a drill commit made
    /// without a scenario `author` reads like any other commit of that person, never like a made-up name.
    pub async fn token_owner(&self) -> Result<Person> {
        let (login, user) = match self.user().await {
            Ok(u) => u,
            Err(e) => {
                if self.is_installation().await {
                    return Err(ForgeError::NoTokenUser(
                        "the drill token is a GitHub App installation token, which has no user to sign drill \
                         commits as (`GET /user` is not open to it): set `identity` (the Action's input, \
                         FIREDRILL_IDENTITY or --identity) to the colleague-like `Name <email>` drill commits \
                         should carry, or `disguise.author` in the scenario"
                            .to_owned(),
                    ));
                }
                return Err(e);
            }
        };
        let id = user["id"].as_u64().ok_or_else(|| other("GET /user returned no id"))?;
        let name = user["name"].as_str().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&login);
        Ok(Person::new(name, format!("{id}+{login}@users.noreply.github.com")))
    }

    /// `GET /user`: the token owner's login and the whole answer.
    pub(super) async fn user(&self) -> Result<(String, Value)> {
        let user = self.ok(Method::GET, "/user", None).await?;
        let login = user["login"].as_str().ok_or_else(|| other("GET /user returned no login"))?.to_owned();
        Ok((login, user))
    }
}
