//! GitHub Actions I/O: the inputs, the runner's environment and event payload, workflow commands, step outputs,
//! the job summary, and a tracing layer that logs in workflow-command format.
//!
//! Everything here is pure or writes to an `io::Write` handed in, so it is testable without a runner; the
//! command that reads the process environment and does the work is `firedrill action` (`src/cli/action.rs`).

pub mod event;
pub mod inputs;
pub mod log;
pub mod output;
pub mod plan;
pub mod summary;
pub mod workflow;

pub use event::{Comment, Dispatch, DispatchMode, EventError, Observe, Trigger};
pub use inputs::{GithubEnv, InputError, Inputs, Mode};
pub use output::Outputs;
pub use plan::{ForgeChoice, Job, forge_for};
