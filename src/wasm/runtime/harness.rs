//! Runs pieces of the runtime in wasmtime, for their tests.

use wasmtime::{Engine, Instance, Module, Store};

/// An instance of a module made of `pieces` and `extra` (more fields: test exports, data),
/// with an exported memory of `pages` 64 KiB pages.
pub(crate) fn instance(pieces: &[&str], extra: &str, pages: u32) -> (Store<()>, Instance) {
    let text = format!(
        "(module (memory (export \"memory\") {pages})\n{}\n{extra}\n)",
        pieces.join("\n")
    );
    let bytes = match wat::parse_str(&text) {
        Ok(bytes) => bytes,
        Err(e) => panic!("the test module does not assemble: {e}"),
    };
    let engine = Engine::default();
    let module = match Module::new(&engine, &bytes) {
        Ok(module) => module,
        Err(e) => panic!("the test module does not compile: {e:?}"),
    };
    let mut store = Store::new(&engine, ());
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(instance) => instance,
        Err(e) => panic!("the test module does not instantiate: {e:?}"),
    };
    (store, instance)
}
