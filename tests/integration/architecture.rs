//! The structure `ARCHITECTURE.md` describes: no import cycle between the library's modules,
//! and every module of the stage table exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The library's top-level modules (`pub mod` lines of `src/lib.rs`).
fn modules(root: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(root.join("src/lib.rs"))
        .expect("src/lib.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

/// Which modules each module's code (not its tests) names as `crate::x`.
fn imports(root: &Path, modules: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir_rs(&root.join("src")) {
        let relative = entry.strip_prefix(root.join("src")).expect("under src");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_string();
        if !modules.contains(&first) {
            continue;
        }
        let text = std::fs::read_to_string(&entry).expect("source");
        // Unit tests sit at the end of a file and may use anything.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) && name != first {
                    edges.entry(first.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

fn walkdir_rs(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walkdir_rs(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A cycle through `from`, if there is one.
fn cycle(
    edges: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|m| m == from) {
        let mut found = path[at..].to_vec();
        found.push(from.to_string());
        return Some(found);
    }
    path.push(from.to_string());
    for next in edges.get(from).into_iter().flatten() {
        if let Some(found) = cycle(edges, next, path) {
            return Some(found);
        }
    }
    path.pop();
    None
}

#[test]
fn no_import_cycle_between_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = modules(root);
    let edges = imports(root, &modules);
    for module in &modules {
        if let Some(found) = cycle(&edges, module, &mut Vec::new()) {
            panic!("import cycle: {}", found.join(" → "));
        }
    }
}

#[test]
fn every_module_of_the_stage_table_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("exists");
    let mut named = 0;
    for cell in architecture.split('`') {
        if cell.starts_with("src/") && !cell.contains('{') && !cell.contains(' ') {
            named += 1;
            assert!(
                root.join(cell).exists(),
                "ARCHITECTURE.md names `{cell}`, which does not exist"
            );
        }
    }
    assert!(named > 10, "the stage table names the modules");
}
