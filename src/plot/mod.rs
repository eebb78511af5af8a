//! Charts drawn from plain engine data.
