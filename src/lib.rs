#![doc = include_str!("../ARCHITECTURE.md")]

pub mod ast;
pub mod check;
pub mod diagnostic;
pub mod fmt;
pub mod parser;
pub mod plan;
pub mod schema;
pub mod source;
