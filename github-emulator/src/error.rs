//! An answer GitHub gives when a request cannot be served: the status and GitHub's own error body.

use serde_json::{Value, json};

pub const DOCS: &str = "https://docs.github.com/rest";

#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {body}")]
pub struct ApiError {
    pub status: u16,
    pub body: Value,
}

impl ApiError {
    pub fn new(status: u16, message: &str) -> ApiError {
        ApiError { status, body: json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}) }
    }

    /// An error whose `documentation_url` points to a page of its own (GitHub's protection refusals do).
    pub fn with_docs(status: u16, message: &str, docs: &str) -> ApiError {
        ApiError { status, body: json!({"message": message, "documentation_url": docs, "status": status.to_string()}) }
    }

    /// `422 Unprocessable Entity` with plain-text errors (`validation-error-simple`), as the reviews API answers.
    pub fn unprocessable_entity(errors: &[&str], docs: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({"message": "Unprocessable Entity", "errors": errors, "documentation_url": docs, "status": "422"}),
        }
    }

    /// What an App's installation token is told when its permissions fall short.
    pub fn not_accessible_by_integration() -> ApiError {
        ApiError::new(403, "Resource not accessible by integration")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(401, "Bad credentials")
    }

    pub fn requires_authentication() -> ApiError {
        ApiError::new(401, "Requires authentication")
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(403, "Resource not accessible by personal access token")
    }

    pub fn unprocessable(message: &str) -> ApiError {
        ApiError::new(422, message)
    }

    /// `422 Validation Failed` with one error naming the resource, the field and the code.
    pub fn validation(resource: &str, field: &str, code: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "field": field, "code": code}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        }
    }

    /// `422 Validation Failed` with one error naming the resource and the field, with a message of its own.
    pub fn validation_field_message(resource: &str, field: &str, code: &str, message: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "field": field, "code": code, "message": message}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        }
    }

    /// `422 Validation Failed` with a custom error message.
    pub fn validation_message(resource: &str, message: &str) -> ApiError {
        ApiError {
            status: 422,
            body: json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "code": "custom", "message": message}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        }
    }

    pub fn bad_request(message: &str) -> ApiError {
        ApiError::new(400, message)
    }

    pub fn git(error: git2::Error) -> ApiError {
        tracing::error!("git: {error}");
        ApiError::new(500, &format!("git: {}", error.message()))
    }

    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!("{error}");
        ApiError::new(500, &error.to_string())
    }
}
