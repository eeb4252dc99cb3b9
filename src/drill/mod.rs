//! The drill: what one occurrence of a scenario writes, and (next issue) its lifecycle as a fold of events.

pub mod prepare;
