//! The pauses firedrill decides on (a rate limit's reset, GitHub still computing whether a pull request can
//! merge) go through [`pause`], the one seam a test can replace.
//!
//! A debug build (the one the tests run) started with `FIREDRILL_SIMULATED_WAITS=1` logs each pause with its
//! length and returns at once: a test sees the wait firedrill decided without spending it. A release build (the
//! Action's image, `cargo install`) ignores the variable and always waits.

use std::time::Duration;

/// The variable that makes a debug build's pauses simulated.
pub const SIMULATED: &str = "FIREDRILL_SIMULATED_WAITS";

/// Whether pauses are simulated in this process.
fn simulated() -> bool {
    cfg!(debug_assertions) && std::env::var_os(SIMULATED).is_some_and(|v| v == "1")
}

/// Waits `length`, or, when simulated, logs it and returns.
pub async fn pause(length: Duration) {
    if simulated() {
        tracing::info!(seconds = length.as_secs_f64(), "simulated wait: returning at once ({SIMULATED})");
        return;
    }
    tokio::time::sleep(length).await;
}
