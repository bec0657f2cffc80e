//! The editor support in `editors/` against the language it highlights (issue 13): every word
//! of `grammar/rem.pest` is highlighted by the VS Code grammar, which is checked as the editor
//! reads it (valid JSON, the patterns it names exist); the extension and the Neovim and Helix
//! configurations start `rem lsp` for `.rem` files.

use std::path::Path;

use serde_json::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The words the grammar spells: every quoted name of two letters or more, outside comments.
fn grammar_words() -> Vec<String> {
    let grammar = read("grammar/rem.pest");
    let quoted = regex::Regex::new(r#""([a-z_][a-z0-9_]+)""#).expect("a regex");
    let mut words: Vec<String> = grammar
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .flat_map(|code| {
            quoted
                .captures_iter(code)
                .map(|c| c[1].to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Every `match` regex of a TextMate grammar, with the scope it gives.
fn patterns(value: &Value, scope: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            let scope = map.get("name").and_then(Value::as_str).unwrap_or(scope);
            if let Some(m) = map.get("match").and_then(Value::as_str) {
                out.push((m.to_string(), scope.to_string()));
            }
            for (key, v) in map {
                if key != "match" {
                    patterns(v, scope, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| patterns(v, scope, out)),
        _ => {}
    }
}

#[test]
fn the_vs_code_grammar_highlights_every_word_of_the_language() {
    let grammar: Value = serde_json::from_str(&read("editors/vscode/syntaxes/rem.tmLanguage.json"))
        .expect("the TextMate grammar is JSON");
    let mut found = Vec::new();
    patterns(&grammar["repository"], "", &mut found);
    let compiled: Vec<(regex::Regex, String)> = found
        .iter()
        .map(|(m, scope)| {
            let regex = regex::Regex::new(m).unwrap_or_else(|e| panic!("`{m}`: {e}"));
            (regex, scope.clone())
        })
        .collect();
    let words = grammar_words();
    assert!(words.len() > 60, "the grammar's words: {words:?}");
    let mut missing = Vec::new();
    for word in &words {
        let covered = compiled.iter().any(|(regex, scope)| {
            !scope.is_empty()
                && regex
                    .find(word)
                    .is_some_and(|m| m.start() == 0 && m.end() == word.len())
        });
        if !covered {
            missing.push(word.as_str());
        }
    }
    assert!(
        missing.is_empty(),
        "words of grammar/rem.pest the VS Code grammar does not highlight: {missing:?}"
    );
    // Each pattern the top level includes exists.
    for include in grammar["patterns"].as_array().into_iter().flatten() {
        let name = include["include"].as_str().unwrap_or_default();
        let key = name.trim_start_matches('#');
        assert!(
            grammar["repository"].get(key).is_some(),
            "{name} is not in the repository"
        );
    }
}

#[test]
fn the_editors_start_rem_lsp_for_rem_files() {
    let package: Value =
        serde_json::from_str(&read("editors/vscode/package.json")).expect("package.json is JSON");
    let contributes = &package["contributes"];
    assert_eq!(contributes["languages"][0]["extensions"][0], ".rem");
    let grammar = contributes["grammars"][0]["path"]
        .as_str()
        .unwrap_or_default();
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("editors/vscode")
            .join(grammar)
            .is_file()
    );
    assert!(read("editors/vscode/extension.js").contains("args: [\"lsp\"]"));
    let helix: toml::Value = toml::from_str(&read("editors/helix/languages.toml"))
        .expect("the Helix configuration is TOML");
    assert_eq!(
        helix["language-server"]["rem"]["args"][0].as_str(),
        Some("lsp")
    );
    assert_eq!(helix["language"][0]["file-types"][0].as_str(), Some("rem"));
    assert!(read("editors/neovim/rem.lua").contains("cmd = { \"rem\", \"lsp\" }"));
}
