//! The language server (`rem lsp`): the checker, the vocabulary and the formatter, answering
//! an editor over the Language Server Protocol.
//!
//! [`Server`] is a state machine: it takes one message from the editor and gives the messages
//! to send back. It reads files only through the [`Files`] it is given and never touches the
//! clock; the command line (`src/cli/lsp.rs`) owns standard input and output.
//!
//! | request | module |
//! |---|---|
//! | diagnostics as you type, quick fixes for each "did you mean" | [`diagnostics`] |
//! | hover | [`hover`] |
//! | completion | [`complete`] |
//! | definition, document symbols | [`navigate`] |
//! | formatting | [`crate::fmt`] |

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lsp_server::{Message, Notification, Request, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionOrCommand, CodeActionProviderCapability, CompletionOptions, GotoDefinitionResponse,
    Hover, HoverContents, HoverProviderCapability, Location, MarkupContent, MarkupKind, OneOf,
    PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Url,
};

use crate::Compiled;

mod complete;
mod context;
mod diagnostics;
mod hover;
mod navigate;
mod position;

use position::Lines;

/// How the server reads what the editor has not opened: `use`d files, the folder's other
/// policies, template files.
pub trait Files {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// The files in `folder` (not its subfolders), sorted.
    fn list(&self, folder: &Path) -> Vec<PathBuf>;
}

/// The server's state: the documents the editor has open, and which files each one's last
/// diagnostics went to (so that fixed files are cleared).
#[derive(Default)]
pub struct Server {
    open: BTreeMap<Url, String>,
    published: BTreeMap<Url, BTreeSet<Url>>,
}

/// What the server can do, for the `initialize` answer.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                [".", "\"", "{", " "]
                    .iter()
                    .map(|c| (*c).to_string())
                    .collect(),
            ),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

fn notification<N: lsp_types::notification::Notification>(params: N::Params) -> Message {
    Message::Notification(Notification::new(N::METHOD.to_string(), params))
}

impl Server {
    /// The messages to send back for one message from the editor.
    pub fn handle(&mut self, message: Message, files: &dyn Files) -> Vec<Message> {
        match message {
            Message::Request(request) => vec![Message::Response(self.request(request, files))],
            Message::Notification(n) => self.notification(n, files),
            Message::Response(_) => Vec::new(),
        }
    }

    fn notification(&mut self, n: Notification, files: &dyn Files) -> Vec<Message> {
        let Ok(p) = serde_json::from_value::<DocumentParams>(n.params) else {
            return Vec::new();
        };
        let uri = p.text_document.uri;
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                self.open
                    .insert(uri.clone(), p.text_document.text.unwrap_or_default());
            }
            note::DidChangeTextDocument::METHOD => {
                // Full sync: the last change is the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    self.open.insert(uri.clone(), change.text);
                }
            }
            note::DidSaveTextDocument::METHOD => {}
            note::DidCloseTextDocument::METHOD => {
                self.open.remove(&uri);
                let cleared = self.published.remove(&uri).unwrap_or_default();
                return cleared
                    .into_iter()
                    .map(|uri| {
                        notification::<note::PublishDiagnostics>(PublishDiagnosticsParams::new(
                            uri,
                            Vec::new(),
                            None,
                        ))
                    })
                    .collect();
            }
            _ => return Vec::new(),
        }
        self.publish(&uri, files)
    }

    /// The diagnostics of the document at `uri` and the files it uses, each file's own; files
    /// that had diagnostics before and have none now are cleared.
    fn publish(&mut self, uri: &Url, files: &dyn Files) -> Vec<Message> {
        let Some((compiled, _)) = self.compile(uri, files) else {
            return Vec::new();
        };
        let mut by_file: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        by_file.insert(uri.clone(), Vec::new());
        let mut by_id: BTreeMap<Option<usize>, Vec<&crate::diagnostic::Diagnostic>> =
            BTreeMap::new();
        for d in &compiled.diagnostics {
            by_id.entry(d.file).or_default().push(d);
        }
        for (id, found) in by_id {
            let (file_uri, text) = match id {
                // The document itself is the first file read.
                Some(0) => (uri.clone(), compiled.program.file(0).text.as_str()),
                Some(id) => {
                    let file = compiled.program.file(id);
                    match Url::from_file_path(&file.path) {
                        Ok(u) => (u, file.text.as_str()),
                        Err(()) => continue,
                    }
                }
                None => (uri.clone(), ""),
            };
            // One index of the file's lines for all its diagnostics.
            let lines = Lines::new(text);
            let converted = found
                .into_iter()
                .map(|d| diagnostics::to_lsp(d, &lines, &file_uri));
            by_file
                .entry(file_uri.clone())
                .or_default()
                .extend(converted);
        }
        let now: BTreeSet<Url> = by_file.keys().cloned().collect();
        let before = self
            .published
            .insert(uri.clone(), now.clone())
            .unwrap_or_default();
        for gone in before.difference(&now) {
            by_file.insert(gone.clone(), Vec::new());
        }
        by_file
            .into_iter()
            .map(|(u, list)| {
                notification::<note::PublishDiagnostics>(PublishDiagnosticsParams::new(
                    u, list, None,
                ))
            })
            .collect()
    }

    /// The document at `uri` compiled with the files it uses (open ones as the editor has
    /// them), and its path among the program's files.
    fn compile(&self, uri: &Url, files: &dyn Files) -> Option<(Compiled, String)> {
        // A document not yet saved (`untitled:`) is checked alone, under a name of its own.
        let (path, saved) = match uri.to_file_path() {
            Ok(path) => (path, true),
            Err(()) => (PathBuf::from("untitled.rem"), false),
        };
        let text = self.open.get(uri);
        let compiled = crate::compile(std::slice::from_ref(&path), |p| {
            if p == path.as_path() {
                if let Some(text) = text {
                    return Ok(text.clone().into_bytes());
                }
            }
            match Url::from_file_path(p).ok().and_then(|u| self.open.get(&u)) {
                Some(text) => Ok(text.clone().into_bytes()),
                None if saved => files.read(p),
                None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
            }
        });
        let shown = compiled.program.files.first()?.path.clone();
        Some((compiled, shown))
    }

    fn request(&mut self, request: Request, files: &dyn Files) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            req::HoverRequest::METHOD => self.hover(request, files),
            req::Completion::METHOD => self.completion(request, files),
            req::GotoDefinition::METHOD => self.definition(request, files),
            req::DocumentSymbolRequest::METHOD => self.symbols(request),
            req::Formatting::METHOD => self.formatting(request),
            req::CodeActionRequest::METHOD => self.code_actions(request),
            req::Initialize::METHOD => Ok(serde_json::json!({ "capabilities": capabilities() })),
            req::Shutdown::METHOD => Ok(serde_json::Value::Null),
            _ => {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("`{}` is not supported", request.method),
                );
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => {
                Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, message)
            }
        }
    }

    /// The open text of `uri`, and the byte offset of `position` in it.
    fn at(&self, uri: &Url, position: lsp_types::Position) -> Result<(&str, usize), String> {
        let text = self.text(uri)?;
        Ok((text, Lines::new(text).offset(position)))
    }

    /// The open text of `uri`.
    fn text(&self, uri: &Url) -> Result<&str, String> {
        self.open
            .get(uri)
            .map(String::as_str)
            .ok_or_else(|| format!("`{uri}` is not open"))
    }

    fn hover(&self, request: Request, files: &dyn Files) -> Result<serde_json::Value, String> {
        let p: lsp_types::HoverParams = params(request)?;
        let doc = p.text_document_position_params;
        let (text, offset) = self.at(&doc.text_document.uri, doc.position)?;
        let compiled = self
            .compile(&doc.text_document.uri, files)
            .filter(|(c, _)| !c.has_errors());
        let shown = compiled.as_ref().map(|(c, path)| (c, path.as_str()));
        let hover = hover::hover(text, offset, shown).map(|value| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: None,
        });
        to_json(hover)
    }

    fn completion(&self, request: Request, files: &dyn Files) -> Result<serde_json::Value, String> {
        let p: lsp_types::CompletionParams = params(request)?;
        let doc = p.text_document_position;
        let (text, offset) = self.at(&doc.text_document.uri, doc.position)?;
        let names = self.names(&doc.text_document.uri, files);
        to_json(complete::complete(text, offset, &names))
    }

    /// The names offered in strings: templates, defaults and policies of the document's folder
    /// (its open and saved `.rem` files) and the template files beside them.
    fn names(&self, uri: &Url, files: &dyn Files) -> complete::Names {
        let mut names = complete::Names::default();
        let Some(folder) = uri
            .to_file_path()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
        else {
            return names;
        };
        for (_, text) in self.folder(&folder, files) {
            match crate::parser::parse(&text) {
                Ok(file) => {
                    names
                        .templates
                        .extend(file.template_ids().map(str::to_string));
                    let (defaults, policies) = navigate::names(&file);
                    names.defaults.extend(defaults);
                    names.policies.extend(policies);
                }
                // A file being typed does not parse; its template lines still say something.
                Err(_) => names.templates.extend(navigate::templates_written(&text)),
            }
        }
        names.templates.extend(
            files
                .list(&folder.join("templates"))
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .filter_map(|p| p.file_stem()?.to_str().map(str::to_string)),
        );
        for list in [
            &mut names.templates,
            &mut names.defaults,
            &mut names.policies,
        ] {
            list.sort();
            list.dedup();
        }
        names
    }

    /// The `.rem` files of `folder` and their texts, as the editor has them when they are open.
    fn folder(&self, folder: &Path, files: &dyn Files) -> Vec<(PathBuf, String)> {
        files
            .list(folder)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rem"))
            .filter_map(|p| {
                let text = match Url::from_file_path(&p).ok().and_then(|u| self.open.get(&u)) {
                    Some(text) => text.clone(),
                    None => String::from_utf8(files.read(&p).ok()?).ok()?,
                };
                Some((p, text))
            })
            .collect()
    }

    fn definition(&self, request: Request, files: &dyn Files) -> Result<serde_json::Value, String> {
        let p: lsp_types::GotoDefinitionParams = params(request)?;
        let doc = p.text_document_position_params;
        let uri = &doc.text_document.uri;
        let (text, offset) = self.at(uri, doc.position)?;
        let Some(target) = navigate::target(text, offset) else {
            return Ok(serde_json::Value::Null);
        };
        let here = uri
            .to_file_path()
            .map_err(|()| format!("`{uri}` is not a file"))?;
        let folder = here.parent().map(Path::to_path_buf).unwrap_or_default();
        let found = match target {
            navigate::Target::File(path) => {
                let path = folder.join(path);
                Url::from_file_path(&path)
                    .ok()
                    .map(|u| Location::new(u, Range::default()))
            }
            // This file first, then the other files of its folder.
            _ => {
                let mut candidates = vec![(here.clone(), text.to_string())];
                candidates.extend(
                    self.folder(&folder, files)
                        .into_iter()
                        .filter(|(p, _)| *p != here),
                );
                candidates.into_iter().find_map(|(path, text)| {
                    let file = crate::parser::parse(&text).ok()?;
                    let span = navigate::defined_in(&file, &target)?;
                    let range = Lines::new(&text).range(span.start, span.end);
                    Some(Location::new(Url::from_file_path(&path).ok()?, range))
                })
            }
        };
        to_json(found.map(GotoDefinitionResponse::Scalar))
    }

    fn symbols(&self, request: Request) -> Result<serde_json::Value, String> {
        let p: lsp_types::DocumentSymbolParams = params(request)?;
        let text = self.text(&p.text_document.uri)?;
        let symbols = crate::parser::parse(text)
            .map(|file| navigate::symbols(&file, text))
            .unwrap_or_default();
        to_json(lsp_types::DocumentSymbolResponse::Nested(symbols))
    }

    /// The whole document as `rem fmt` writes it; nothing while it does not parse.
    fn formatting(&self, request: Request) -> Result<serde_json::Value, String> {
        let p: lsp_types::DocumentFormattingParams = params(request)?;
        let text = self.text(&p.text_document.uri)?;
        let edits = match crate::fmt::format(text) {
            Ok(formatted) if formatted != text => {
                vec![TextEdit::new(Lines::new(text).all(), formatted)]
            }
            _ => Vec::new(),
        };
        to_json(edits)
    }

    fn code_actions(&self, request: Request) -> Result<serde_json::Value, String> {
        let p: lsp_types::CodeActionParams = params(request)?;
        let actions: Vec<CodeActionOrCommand> =
            diagnostics::quick_fixes(&p.text_document.uri, &p.context.diagnostics)
                .into_iter()
                .map(CodeActionOrCommand::CodeAction)
                .collect();
        to_json(actions)
    }
}

/// What the server reads of the open, change, save and close notifications.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentParams {
    text_document: Document,
    #[serde(default)]
    content_changes: Vec<Change>,
}

#[derive(serde::Deserialize)]
struct Document {
    uri: Url,
    /// The whole text, on open.
    #[serde(default)]
    text: Option<String>,
}

#[derive(serde::Deserialize)]
struct Change {
    text: String,
}

fn params<P: serde::de::DeserializeOwned>(request: Request) -> Result<P, String> {
    serde_json::from_value(request.params).map_err(|e| format!("the request's parameters: {e}"))
}

fn to_json(value: impl serde::Serialize) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}
