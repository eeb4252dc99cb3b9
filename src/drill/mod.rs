//! The drill: what one occurrence of a scenario writes ([`prepare`]), its events ([`event`]) and its state
//! as a fold of those events ([`state`]).

pub mod command;
pub mod due;
pub mod event;
pub mod guard;
pub mod prepare;
pub mod state;
pub mod step;
