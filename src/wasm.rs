//! Backend: a plan → a self-contained WebAssembly module that evaluates bookings exactly as
//! the engine does (`docs/wasm.md`). The generator writes the module's text (`codegen`), the
//! `wat` crate assembles it, and the plan rides along in a custom section so that a host
//! needs nothing but the module. `host` runs modules in wasmtime.

pub mod abi;
pub mod codegen;
#[cfg(feature = "wasmtime")]
pub mod host;
pub mod runtime;
pub mod tz;

use crate::engine::Engine;
use crate::plan::Plan;

/// The custom section holding the plan (its JSON), for hosts that name what they send.
pub const PLAN_SECTION: &str = "rem-plan";

/// Why a plan could not be made into a module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error("the plan cannot be compiled to WebAssembly: {0}")]
    #[diagnostic(
        code(rem::E110),
        help(
            "compile the policies again with `rem compile`; plans are not meant to be edited by hand"
        )
    )]
    Invalid(String),
    #[error("the generated WebAssembly does not assemble: {0}")]
    #[diagnostic(
        code(rem::E111),
        help("this is a fault of rem, not of the policy: please report it with the policy")
    )]
    Assemble(String),
}

/// The module's text (WebAssembly text format) for the engine's plan.
pub fn text(engine: &Engine) -> Result<String, BuildError> {
    codegen::module_text(engine.plan())
}

/// The module's bytes for the engine's plan, with the plan in the `rem-plan` section.
pub fn build(engine: &Engine) -> Result<Vec<u8>, BuildError> {
    let text = text(engine)?;
    let bytes = wat::parse_str(&text).map_err(|e| BuildError::Assemble(e.to_string()))?;
    with_plan(bytes, engine.plan())
}

/// A module with `plan` in its `rem-plan` section (for modules made by other means, such as
/// the hand-written ones of the tests).
pub fn with_plan(mut module: Vec<u8>, plan: &Plan) -> Result<Vec<u8>, BuildError> {
    let plan = serde_json::to_vec(plan).map_err(|e| BuildError::Assemble(e.to_string()))?;
    custom_section(&mut module, PLAN_SECTION, &plan);
    Ok(module)
}

/// The plan a module carries; `None` when it has none or it is not a plan.
pub fn plan_of(module: &[u8]) -> Option<Plan> {
    let payload = wasmparser::Parser::new(0)
        .parse_all(module)
        .filter_map(Result::ok)
        .find_map(|payload| match payload {
            wasmparser::Payload::CustomSection(section) if section.name() == PLAN_SECTION => {
                Some(section.data().to_vec())
            }
            _ => None,
        })?;
    serde_json::from_slice(&payload).ok()
}

/// Appends a custom section to a module.
fn custom_section(module: &mut Vec<u8>, name: &str, payload: &[u8]) {
    use wasm_encoder::Section as _;
    wasm_encoder::CustomSection {
        name: name.into(),
        data: payload.into(),
    }
    .append_to(module);
}
