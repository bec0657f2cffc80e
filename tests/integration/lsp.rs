//! `rem lsp` driven as an editor drives it: the server started as a process, JSON-RPC over its
//! standard input and output, and its answers snapshotted (issue 13). The files are
//! `tests/lsp/`: a clinic's policy that `use`s the region's defaults, and a template file.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Editor {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: i64,
    /// The notifications received while waiting for answers, in order.
    notes: Vec<Value>,
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/lsp")
}

fn uri(name: &str) -> String {
    format!("file://{}", folder().join(name).display())
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("rem"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("rem lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Editor {
            child,
            stdin,
            stdout,
            next: 1,
            notes: Vec::new(),
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("a header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().expect("a length");
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).expect("the body");
        serde_json::from_slice(&body).expect("JSON")
    }

    /// Sends a request and waits for its answer; notifications on the way are kept.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
            self.notes.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The diagnostics published since the last call, with the answer to a request sent after
    /// them (the server answers in order, so they have all arrived by then).
    fn published(&mut self) -> Vec<Value> {
        self.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri("none.rem")}}),
        );
        std::mem::take(&mut self.notes)
    }

    fn at(&mut self, method: &str, name: &str, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({"textDocument": {"uri": uri(name)}, "position": {"line": line, "character": character}}),
        )
    }
}

fn open(editor: &mut Editor, name: &str, text: &str) {
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(name), "languageId": "rem", "version": 1, "text": text}}),
    );
}

fn change(editor: &mut Editor, name: &str, version: i32, text: &str) {
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(name), "version": version}, "contentChanges": [{"text": text}]}),
    );
}

/// The answers as a snapshot shows them: the folder's path left out.
fn shown(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON");
    text.replace(&folder().display().to_string(), "[tests/lsp]")
}

fn line_of(text: &str, needle: &str) -> (u32, u32) {
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.find(needle) {
            let column = line[..c].encode_utf16().count();
            return (
                u32::try_from(i).expect("a line"),
                u32::try_from(column).expect("a column"),
            );
        }
    }
    panic!("`{needle}` is not in the text");
}

/// A server started and initialized, and the policy's text; the capabilities it answered.
fn started() -> (Editor, String, Value) {
    let policy = std::fs::read_to_string(folder().join("vardcentral.rem")).expect("the policy");
    let mut editor = Editor::start();
    let init = editor.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    editor.notify("initialized", json!({}));
    (editor, policy, init["result"]["capabilities"].clone())
}

/// Shut down as an editor does; the server exits with status 0.
fn stop(mut editor: Editor) {
    let shutdown = editor.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    editor.notify("exit", Value::Null);
    let status = editor.child.wait().expect("rem lsp exits");
    assert!(status.success(), "{status}");
}

#[test]
fn diagnostics_as_you_type_and_their_quick_fixes() {
    let (mut editor, policy, capabilities) = started();
    insta::assert_snapshot!("initialize", shown(&capabilities));

    // Two slips as typed: a misspelt channel and an unknown placeholder.
    let slipped = policy
        .replace("via sms", "via smss")
        .replace("{booking.date}", "{booking.dat}");
    open(&mut editor, "vardcentral.rem", &slipped);
    let diagnostics = editor.published();
    insta::assert_snapshot!("diagnostics_of_two_slips", shown(&json!(diagnostics)));

    // The quick fix of each "did you mean", from the diagnostics as the editor has them.
    let sent = diagnostics[0]["params"]["diagnostics"].clone();
    let actions = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri("vardcentral.rem")}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": sent}}),
    );
    insta::assert_snapshot!("quick_fixes", shown(&actions["result"]));

    // Fixed: the diagnostics are cleared.
    change(&mut editor, "vardcentral.rem", 2, &policy);
    insta::assert_snapshot!(
        "diagnostics_after_the_fix",
        shown(&json!(editor.published()))
    );
    stop(editor);
}

#[test]
fn hover() {
    let (mut editor, policy, _) = started();
    open(&mut editor, "vardcentral.rem", &policy);
    editor.published();

    let (line, column) = line_of(&policy, "send 4 days");
    let hover = editor.at("textDocument/hover", "vardcentral.rem", line, column + 1);
    insta::assert_snapshot!(
        "hover_on_a_send_line",
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
    );
    // On the trigger itself too, where no word has a meaning of its own.
    let (line, column) = line_of(&policy, "1 day before at");
    let hover = editor.at("textDocument/hover", "vardcentral.rem", line, column + 3);
    let value = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        value.contains("`1 day before at 10:00`: Sunday 29 March 10:00"),
        "{value}"
    );
    let (line, column) = line_of(&policy, "patient.age");
    let hover = editor.at("textDocument/hover", "vardcentral.rem", line, column + 9);
    insta::assert_snapshot!(
        "hover_on_a_field",
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
    );
    // A time zone: its offsets in winter and summer.
    let shared = std::fs::read_to_string(folder().join("shared.rem")).expect("the defaults");
    open(&mut editor, "shared.rem", &shared);
    editor.published();
    let (line, column) = line_of(&shared, "Europe/Stockholm");
    let hover = editor.at("textDocument/hover", "shared.rem", line, column + 3);
    let value = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        value.contains("UTC+01:00 in January, UTC+02:00 in July"),
        "{value}"
    );
    let (line, column) = line_of(&policy, "inbox");
    let hover = editor.at("textDocument/hover", "vardcentral.rem", line, column);
    insta::assert_snapshot!(
        "hover_on_a_channel",
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
    );

    stop(editor);
}

#[test]
fn completion() {
    let (mut editor, policy, _) = started();
    open(&mut editor, "vardcentral.rem", &policy);
    editor.published();
    // Completion while typing a new line of the letter: channels after `fallback`, then the
    // template names of the folder.
    let typing = policy.replace(
        "        template \"kallelse\"\n",
        "        template \"kallelse\"\n        also \n",
    );
    change(&mut editor, "vardcentral.rem", 3, &typing);
    let (line, column) = line_of(&typing, "also ");
    let labels = |answer: &Value| -> Vec<String> {
        answer["result"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["label"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let channels = editor.at(
        "textDocument/completion",
        "vardcentral.rem",
        line,
        column + 5,
    );
    assert_eq!(
        labels(&channels),
        ["sms", "email", "inbox", "paper", "task", "booking_system"]
    );
    let (line, column) = line_of(&typing, "template \"kallelse\"");
    let templates = editor.at(
        "textDocument/completion",
        "vardcentral.rem",
        line,
        column + 10,
    );
    assert_eq!(labels(&templates), ["kallelse", "kallelse-papper"]);
    let (line, _) = line_of(&typing, "via inbox");
    let statements = editor.at("textDocument/completion", "vardcentral.rem", line, 8);
    assert!(labels(&statements).contains(&"fallback".to_string()));
    assert!(!labels(&statements).contains(&"clinic".to_string()));
    stop(editor);
}

#[test]
fn definition_symbols_and_formatting() {
    let (mut editor, policy, _) = started();
    open(&mut editor, "vardcentral.rem", &policy);
    editor.published();

    // Go to definition: the defaults an `extends` names, in the file the `use` reads.
    let (line, column) = line_of(&policy, "\"Region\"");
    let definition = editor.at(
        "textDocument/definition",
        "vardcentral.rem",
        line,
        column + 2,
    );
    insta::assert_snapshot!("definition_of_extends", shown(&definition["result"]));

    let symbols = editor.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri("vardcentral.rem")}}),
    );
    insta::assert_snapshot!("document_symbols", shown(&symbols["result"]));

    // Formatting: the file as `rem fmt` writes it.
    let messy = policy.replace("    clinic \"VC Exempel\"", "clinic   \"VC Exempel\"");
    change(&mut editor, "vardcentral.rem", 5, &messy);
    let formatting = editor.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri("vardcentral.rem")}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        formatting["result"][0]["newText"].as_str(),
        Some(policy.as_str())
    );

    stop(editor);
}

#[test]
fn diagnostics_of_used_files_and_definitions_in_the_folder() {
    let (mut editor, policy, _) = started();
    // The region's file open with a misspelt zone: the clinic's file, which uses it, reports
    // the error where it is, in the region's file.
    let shared = std::fs::read_to_string(folder().join("shared.rem")).expect("the defaults");
    open(
        &mut editor,
        "shared.rem",
        &shared.replace("Stockholm", "Stokholm"),
    );
    editor.published();
    open(&mut editor, "vardcentral.rem", &policy);
    let published = editor.published();
    let to = |name: &str| -> Vec<String> {
        published
            .iter()
            .filter(|n| n["params"]["uri"] == json!(uri(name)))
            .flat_map(|n| {
                n["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|d| d["code"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(to("shared.rem"), ["E020"], "{published:?}");
    assert!(to("vardcentral.rem").is_empty(), "{published:?}");

    // The emergency unit's policy in the same folder sends the same reminder (E064); the
    // clinic's gives way with `wins_over`, whose name leads to the other file.
    change(&mut editor, "shared.rem", 2, &shared);
    editor.published();
    let giving_way = policy.replace(
        "    clinic \"VC Exempel\"\n",
        "    clinic \"VC Exempel\"\n    wins_over \"Akuten\"\n",
    );
    change(&mut editor, "vardcentral.rem", 2, &giving_way);
    editor.published();
    let (line, column) = line_of(&giving_way, "\"Akuten\"");
    let definition = editor.at(
        "textDocument/definition",
        "vardcentral.rem",
        line,
        column + 1,
    );
    assert_eq!(definition["result"]["uri"], json!(uri("akuten.rem")));
    assert_eq!(definition["result"]["range"]["start"]["line"], json!(4));
    let (line, column) = line_of(&giving_way, "\"shared.rem\"");
    let definition = editor.at(
        "textDocument/definition",
        "vardcentral.rem",
        line,
        column + 1,
    );
    assert_eq!(definition["result"]["uri"], json!(uri("shared.rem")));
    stop(editor);
}

#[test]
fn a_new_file_not_yet_saved_is_checked_too() {
    let (mut editor, _, _) = started();
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "untitled:Untitled-1", "languageId": "rem", "version": 1,
            "text": "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinik \"C\"\n}\n"}}),
    );
    let published = editor.published();
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["params"]["uri"], json!("untitled:Untitled-1"));
    let diagnostic = &published[0]["params"]["diagnostics"][0];
    assert_eq!(
        diagnostic["data"]["replace"],
        json!("clinic"),
        "{diagnostic}"
    );
    assert_eq!(
        diagnostic["range"]["start"],
        json!({"line": 2, "character": 4})
    );
    stop(editor);
}
