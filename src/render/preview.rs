//! Preview text (see render::preview).
