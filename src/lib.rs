#![doc = include_str!("../ARCHITECTURE.md")]

pub mod ast;
pub mod booking;
pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod events;
pub mod feed;
pub mod fmt;
pub mod output;
pub mod parser;
pub mod plan;
pub mod schema;
pub mod source;
pub mod testing;
