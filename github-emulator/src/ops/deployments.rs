//! Deployments and their statuses, made as the actor.

use git2::Oid;
use serde_json::Value;

use super::Ctx;
use crate::http::ApiError;
use crate::state::{Deployment, DeploymentStatus};

impl Ctx<'_> {
    pub fn find_deployment(&self, id: u64) -> Result<Deployment, ApiError> {
        self.repo().deployments.iter().find(|d| d.id == id).cloned().ok_or_else(ApiError::not_found)
    }

    /// A deployment of `sha` (named `git_ref` in the request) by the actor.
    pub fn create_deployment(
        &mut self,
        sha: Oid,
        git_ref: String,
        task: &str,
        environment: &str,
        description: Option<&str>,
        payload: Value,
    ) -> Deployment {
        let now = self.st.now();
        let id = self.st.id();
        let deployment = Deployment {
            id,
            sha: sha.to_string(),
            git_ref,
            task: task.to_owned(),
            environment: environment.to_owned(),
            description: description.map(str::to_owned),
            payload,
            creator: self.actor.login.clone(),
            created_at: now,
            updated_at: now,
            statuses: Vec::new(),
        };
        self.repo_mut().deployments.push(deployment.clone());
        deployment
    }

    pub fn create_deployment_status(
        &mut self,
        deployment_id: u64,
        state: &str,
        description: &str,
        environment: Option<&str>,
        target_url: &str,
        environment_url: &str,
    ) -> Result<DeploymentStatus, ApiError> {
        const STATES: [&str; 7] = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
        if !STATES.contains(&state) {
            return Err(ApiError::validation("DeploymentStatus", "state", "invalid"));
        }
        let now = self.st.now();
        let id = self.st.id();
        let actor = self.actor.login.clone();
        let deployment =
            self.repo_mut().deployments.iter_mut().find(|d| d.id == deployment_id).ok_or_else(ApiError::not_found)?;
        let status = DeploymentStatus {
            id,
            state: state.to_owned(),
            description: description.to_owned(),
            environment: environment.unwrap_or(&deployment.environment).to_owned(),
            target_url: target_url.to_owned(),
            log_url: target_url.to_owned(),
            environment_url: environment_url.to_owned(),
            creator: actor,
            created_at: now,
            updated_at: now,
        };
        deployment.statuses.push(status.clone());
        deployment.updated_at = now;
        Ok(status)
    }
}
