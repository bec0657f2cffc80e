//! Stage 0: the source files of a program and how they are found.
//!
//! [`load`] follows `use` lines from the files named on the command line. It reads files only
//! through the function it is given, so the core never touches the file system itself; the CLI
//! passes one that reads only regular files and never more than a policy file may hold
//! (`src/cli/read.rs`), tests pass an in-memory map.
//!
//! A policy file is untrusted input, so `load` decides which paths a `use` may name before
//! anything is read: a relative path to a `.rem` file. A file that is not a `.rem` file is never
//! read, so no diagnostic can show a line of, say, `/etc/passwd`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::ast::{self, Span};
use miette::SourceSpan;

use crate::parser;
use crate::parser::ParseError;

/// A file that could not be read.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic, PartialEq)]
pub enum LoadError {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(rem::E005),
        help("check the path; a path in `use` is relative to the file that holds the `use`")
    )]
    Unreadable {
        path: String,
        reason: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("there is no file `{path}`")]
    #[diagnostic(
        code(rem::E005),
        help(
            "it was looked for in {folder}: a path in `use` is relative to the folder of the file that holds the `use`; check the spelling of the folder and file names"
        )
    )]
    Missing {
        path: String,
        /// Where it was looked for, in words: "the folder `policies/shared/`".
        folder: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is not UTF-8 text")]
    #[diagnostic(
        code(rem::E006),
        help("save the file as UTF-8 (most editors have this under \"Save with encoding\")")
    )]
    NotUtf8 {
        path: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is an absolute path")]
    #[diagnostic(
        code(rem::E007),
        help(
            "write the path relative to the file that has the `use`, e.g. `use \"shared/clinic-defaults.rem\"`"
        )
    )]
    AbsoluteUse {
        path: String,
        #[label("absolute")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is not a .rem file")]
    #[diagnostic(
        code(rem::E007),
        help(
            "rem reads only policy files, whose names end in `.rem`; write e.g. `use \"shared/clinic-defaults.rem\"`, relative to the file that has the `use`"
        )
    )]
    NotRemFile {
        path: String,
        #[label("not a .rem file")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is not a regular file")]
    #[diagnostic(
        code(rem::E008),
        help(
            "name a .rem file saved on disk; folders, pipes and devices are not read as policies"
        )
    )]
    NotRegularFile {
        path: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is larger than the {limit} bytes a policy file may have")]
    #[diagnostic(
        code(rem::E009),
        help("check that this is the file you meant; real policy files are a few kilobytes")
    )]
    TooLarge {
        path: String,
        limit: usize,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` would be file number {limit} of this program, more than rem reads")]
    #[diagnostic(
        code(rem::E018),
        help(
            "a chain of `use` lines this long is a loop through links in the file system, or a mistake; real programs use a handful of files"
        )
    )]
    TooManyFiles {
        path: String,
        limit: usize,
        #[label("used here")]
        span: Option<SourceSpan>,
    },
}

impl LoadError {
    /// Points the error at the `use` line that asked for the file.
    pub fn at(mut self, at: Span) -> Self {
        match &mut self {
            LoadError::Unreadable { span, .. }
            | LoadError::Missing { span, .. }
            | LoadError::NotUtf8 { span, .. }
            | LoadError::AbsoluteUse { span, .. }
            | LoadError::NotRemFile { span, .. }
            | LoadError::NotRegularFile { span, .. }
            | LoadError::TooLarge { span, .. }
            | LoadError::TooManyFiles { span, .. } => *span = Some(at.into()),
        }
        self
    }
}

/// Why a file was not loaded: it could not be read, or it does not parse.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadFailure {
    Load(LoadError),
    Parse(ParseError),
}

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
    /// The template files (R19) found for the `template "ID"` lines of a policy file: by the
    /// policy file and the id, the file `templates/ID.toml` beside it. An id without a file
    /// names a template the sending system keeps.
    pub templates: BTreeMap<(FileId, String), FileId>,
}

impl Program {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }
}

/// Why a `read` function refused a file instead of reading it. It travels inside an
/// [`std::io::Error`] (`io::Error::other(Refusal::NotAFile)`), so that `read` keeps the shape of
/// `std::fs::read`; [`load`] reports each refusal with its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A folder, pipe, socket or device: reading it could block or never end.
    #[error("not a regular file")]
    NotAFile,
    /// More than [`parser::MAX_SOURCE_BYTES`]; the reader stopped there.
    #[error("larger than a policy file may be")]
    TooLarge,
}

/// The most files one program may read, so that a chain of `use` lines (or a file system that
/// never ends) cannot keep the loader busy for ever. Real programs use a handful.
pub const MAX_FILES: usize = 1000;

/// A file still to load: its path, whether it was named on the command line, and the `use`
/// line that asked for it.
type Pending = (PathBuf, bool, Option<(FileId, Span)>);

/// Reads and parses the given files and every file they `use`, each once.
pub fn load(
    roots: &[PathBuf],
    read: impl FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> (Program, Vec<(Option<FileId>, LoadFailure)>) {
    let mut loader = Loader {
        read,
        program: Program::default(),
        failures: Vec::new(),
        by_path: BTreeMap::new(),
        queue: roots
            .iter()
            .rev()
            .map(|p| (normalise(p), true, None))
            .collect(),
    };
    while let Some(pending) = loader.queue.pop() {
        if loader.program.files.len() >= MAX_FILES {
            let (path, _, asked_by) = pending;
            loader.failures.push(load_error(
                asked_by,
                LoadError::TooManyFiles {
                    path: path.to_string_lossy().replace('\\', "/"),
                    limit: MAX_FILES,
                    span: None,
                },
            ));
            break;
        }
        loader.visit(pending);
    }
    (loader.program, loader.failures)
}

/// The state of one [`load`]: what is read, what failed, and what is still to read.
struct Loader<R> {
    read: R,
    program: Program,
    failures: Vec<(Option<FileId>, LoadFailure)>,
    /// Every path met, with its file when it could be read.
    by_path: BTreeMap<PathBuf, Option<FileId>>,
    queue: Vec<Pending>,
}

impl<R: FnMut(&Path) -> std::io::Result<Vec<u8>>> Loader<R> {
    fn visit(&mut self, (path, root, asked_by): Pending) {
        if let Some(known) = self.by_path.get(&path).copied() {
            self.met_again(known, root, asked_by);
            return;
        }
        let shown = path.to_string_lossy().replace('\\', "/");
        let text = if root && !is_rem_file(&path) {
            Err(LoadError::NotRemFile {
                path: shown.clone(),
                span: None,
            })
        } else {
            self.read_text(&path, shown.clone())
        };
        let text = match text {
            Ok(text) => text,
            Err(error) => {
                self.by_path.insert(path, None);
                self.failures.push(load_error(asked_by, error));
                return;
            }
        };
        let id = self.program.files.len();
        self.program.files.push(SourceFile::new(shown, text));
        self.by_path.insert(path.clone(), Some(id));
        if let Some((from, _)) = asked_by {
            add_use(&mut self.program, from, id);
        }
        self.parse(&path, id, root);
    }

    /// A file met before: link the `use` that asked for it, or mark it named on the command
    /// line.
    fn met_again(&mut self, known: Option<FileId>, root: bool, asked_by: Option<(FileId, Span)>) {
        let Some(id) = known else { return };
        if let Some((from, _)) = asked_by {
            add_use(&mut self.program, from, id);
        }
        if root {
            if let Some(module) = self.program.modules.iter_mut().find(|m| m.file == id) {
                module.root = true;
            }
        }
    }

    fn read_text(&mut self, path: &Path, shown: String) -> Result<String, LoadError> {
        match (self.read)(path).map(String::from_utf8) {
            // Editors on Windows may start a UTF-8 file with a byte-order mark; it is not part
            // of the text, and spans count from after it, as columns do in the editor.
            Ok(Ok(text)) => Ok(match text.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_string(),
                None => text,
            }),
            Ok(Err(_)) => Err(LoadError::NotUtf8 {
                path: shown,
                span: None,
            }),
            Err(error) => Err(read_error(shown, &error)),
        }
    }

    /// Parses file `id` and queues the files its `use` lines name.
    fn parse(&mut self, path: &Path, id: FileId, root: bool) {
        let ast = match parser::parse(&self.program.files[id].text) {
            Ok(ast) => ast,
            Err(error) => {
                let further = parser::further_errors(&self.program.files[id].text, &error);
                self.failures.push((Some(id), LoadFailure::Parse(error)));
                for error in further {
                    self.failures.push((Some(id), LoadFailure::Parse(error)));
                }
                return;
            }
        };
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for item in ast.items.iter().rev() {
            let ast::Item::Use(u) = item else { continue };
            match use_path_error(&u.path.node) {
                Some(error) => self
                    .failures
                    .push((Some(id), LoadFailure::Load(error.at(u.path.span)))),
                None => self.queue.push((
                    normalise(&base.join(&u.path.node)),
                    false,
                    Some((id, u.path.span)),
                )),
            }
        }
        self.templates(&base, id, &ast);
        self.program.modules.push(Module {
            file: id,
            ast,
            uses: Vec::new(),
            root,
        });
    }

    /// Reads the template file of each `template "ID"` of file `id` that has one (R19):
    /// `templates/ID.toml` beside the policy file. A missing file is no error (the sending
    /// system may keep the template); an id that is no plain file name is never looked for.
    fn templates(&mut self, base: &Path, id: FileId, ast: &ast::File) {
        let ids: BTreeSet<&str> = ast.template_ids().filter(|t| is_template_name(t)).collect();
        for template in ids {
            let path = normalise(&base.join("templates").join(format!("{template}.toml")));
            let file = match self.by_path.get(&path).copied() {
                Some(known) => known,
                None => {
                    let shown = path.to_string_lossy().replace('\\', "/");
                    let file = match (self.read)(&path) {
                        Ok(bytes) => match String::from_utf8(bytes) {
                            Ok(text) => {
                                let text =
                                    text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
                                self.program.files.push(SourceFile::new(shown, text));
                                Some(self.program.files.len() - 1)
                            }
                            Err(_) => {
                                self.failures.push((
                                    Some(id),
                                    LoadFailure::Load(LoadError::NotUtf8 {
                                        path: shown,
                                        span: None,
                                    }),
                                ));
                                None
                            }
                        },
                        Err(_) => None,
                    };
                    self.by_path.insert(path, file);
                    file
                }
            };
            if let Some(file) = file {
                self.program
                    .templates
                    .insert((id, template.to_string()), file);
            }
        }
    }
}

/// Whether a template id can name a file beside the policy: letters, digits, `-`, `_` and `.`,
/// not starting with a dot.
fn is_template_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Why a `use` may not name this path, if it may not: only a relative path to a `.rem` file is
/// read. `..` stays allowed, for defaults shared one folder up; the `.rem` rule keeps
/// `use "../../etc/passwd"` out.
fn use_path_error(path: &str) -> Option<LoadError> {
    let bytes = path.as_bytes();
    // Windows forms are refused on every system, so a policy means the same everywhere:
    // `\\server\share`, `\folder`, `C:\folder` and the drive-relative `C:folder`.
    let absolute = path.starts_with(['/', '\\'])
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
        || Path::new(path).has_root();
    if absolute {
        return Some(LoadError::AbsoluteUse {
            path: path.to_string(),
            span: None,
        });
    }
    if !is_rem_file(Path::new(path)) {
        return Some(LoadError::NotRemFile {
            path: path.to_string(),
            span: None,
        });
    }
    None
}

/// `name.rem`, and not a bare `.rem`.
fn is_rem_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rem")
}

/// The error for a file that `read` did not give: a refusal keeps its own code, any other
/// failure says only the operating system's reason, never what the file holds.
fn read_error(path: String, error: &std::io::Error) -> LoadError {
    let refusal = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<Refusal>())
        .copied();
    match refusal {
        Some(Refusal::NotAFile) => LoadError::NotRegularFile { path, span: None },
        Some(Refusal::TooLarge) => LoadError::TooLarge {
            path,
            limit: parser::MAX_SOURCE_BYTES,
            span: None,
        },
        None if error.kind() == std::io::ErrorKind::NotFound => {
            let folder = match path.rfind('/') {
                Some(end) => format!("the folder `{}`", &path[..=end]),
                None => "the current folder".to_string(),
            };
            LoadError::Missing {
                path,
                folder,
                span: None,
            }
        }
        None => LoadError::Unreadable {
            path,
            reason: error.kind().to_string(),
            span: None,
        },
    }
}

fn add_use(program: &mut Program, from: FileId, to: FileId) {
    if let Some(module) = program.modules.iter_mut().find(|m| m.file == from) {
        module.uses.push(to);
    }
}

fn load_error(asked_by: Option<(FileId, Span)>, error: LoadError) -> (Option<FileId>, LoadFailure) {
    match asked_by {
        Some((file, span)) => (Some(file), LoadFailure::Load(error.at(span))),
        None => (None, LoadFailure::Load(error)),
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
