//! Stage 0: the source files of a program and how they are found.
//!
//! [`load`] follows `use` lines from the files named on the command line. It reads files only
//! through the function it is given, so the core never touches the file system itself; the CLI
//! passes `std::fs::read`, tests pass an in-memory map.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::ast::{self, Span};
use crate::diagnostic::{Diagnostic, LoadError};
use crate::parser;

pub type FileId = usize;

/// One source file and the start of each of its lines.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user wrote it (or as reached through `use`), with `/` separators.
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line + 1, column)
    }

    pub fn location(&self, span: Span) -> crate::plan::Source {
        let (line, column) = self.line_col(span.start);
        crate::plan::Source {
            file: self.path.clone(),
            line,
            column,
            start: span.start,
            end: span.end,
        }
    }
}

/// A parsed file and the files its `use` lines point at.
#[derive(Debug, Clone)]
pub struct Module {
    pub file: FileId,
    pub ast: ast::File,
    /// For each `use` line of the file, the file it names, if that file could be loaded.
    pub uses: Vec<FileId>,
    /// Named on the command line (its policies are compiled), not only reached by `use`.
    pub root: bool,
}

/// Every file of a program, and the parsed modules among them.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub files: Vec<SourceFile>,
    pub modules: Vec<Module>,
}

impl Program {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }
}

/// A file still to load: its path, whether it was named on the command line, and the `use`
/// line that asked for it.
type Pending = (PathBuf, bool, Option<(FileId, Span)>);

/// Reads and parses the given files and every file they `use`, each once.
pub fn load(
    roots: &[PathBuf],
    mut read: impl FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> (Program, Vec<Diagnostic>) {
    let mut program = Program::default();
    let mut diagnostics = Vec::new();
    let mut by_path: BTreeMap<PathBuf, Option<FileId>> = BTreeMap::new();
    let mut queue: Vec<Pending> = roots
        .iter()
        .rev()
        .map(|p| (normalise(p), true, None))
        .collect();

    while let Some((path, root, asked_by)) = queue.pop() {
        if let Some(known) = by_path.get(&path) {
            if let (Some(id), Some((from, _))) = (known, asked_by) {
                add_use(&mut program, from, *id);
            }
            if let (Some(id), true) = (known, root) {
                if let Some(module) = program.modules.iter_mut().find(|m| m.file == *id) {
                    module.root = true;
                }
            }
            continue;
        }
        let shown = path.to_string_lossy().replace('\\', "/");
        let text = match read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                by_path.insert(path, None);
                diagnostics.push(load_error(
                    asked_by,
                    LoadError::NotUtf8 {
                        path: shown,
                        span: None,
                    },
                ));
                continue;
            }
            Err(error) => {
                by_path.insert(path, None);
                let reason = error.kind().to_string();
                diagnostics.push(load_error(
                    asked_by,
                    LoadError::Unreadable {
                        path: shown,
                        reason,
                        span: None,
                    },
                ));
                continue;
            }
        };
        let id = program.files.len();
        program.files.push(SourceFile::new(shown, text));
        by_path.insert(path.clone(), Some(id));
        if let Some((from, _)) = asked_by {
            add_use(&mut program, from, id);
        }
        match parser::parse(&program.files[id].text) {
            Ok(ast) => {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                for item in ast.items.iter().rev() {
                    if let ast::Item::Use(u) = item {
                        queue.push((
                            normalise(&base.join(&u.path.node)),
                            false,
                            Some((id, u.path.span)),
                        ));
                    }
                }
                program.modules.push(Module {
                    file: id,
                    ast,
                    uses: Vec::new(),
                    root,
                });
            }
            Err(error) => diagnostics.push(Diagnostic::new(Some(id), error)),
        }
    }
    (program, diagnostics)
}

fn add_use(program: &mut Program, from: FileId, to: FileId) {
    if let Some(module) = program.modules.iter_mut().find(|m| m.file == from) {
        module.uses.push(to);
    }
}

fn load_error(asked_by: Option<(FileId, Span)>, error: LoadError) -> Diagnostic {
    match asked_by {
        Some((file, span)) => Diagnostic::new(Some(file), error.at(span)),
        None => Diagnostic::new(None, error),
    }
}

/// `a/./b/../c` → `a/c`, without asking the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
