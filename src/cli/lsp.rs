//! `rem lsp`: the language server over standard input and output. The protocol's framing is
//! `lsp-server`'s; every answer comes from `rem::lsp::Server`, which reads files only through
//! the safe reader of `read.rs`.

use std::path::{Path, PathBuf};

use lsp_server::{Connection, Message};

use super::exit::{Failure, Outcome};

/// Files as the server reads them: policy files the safe way, folders listed without
/// following anything but plain entries.
struct Disk;

impl rem::lsp::Files for Disk {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        super::read::policy_file(path)
    }

    fn list(&self, folder: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

pub fn run() -> Outcome {
    let (connection, threads) = Connection::stdio();
    let failed = |e: lsp_server::ProtocolError| Failure::Message(format!("lsp: {e}"));
    let capabilities = serde_json::json!({
        "capabilities": rem::lsp::capabilities(),
        "serverInfo": { "name": "rem", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize(capabilities).map_err(failed)?;
    let mut server = rem::lsp::Server::default();
    for message in &connection.receiver {
        if let Message::Request(request) = &message {
            if connection.handle_shutdown(request).map_err(failed)? {
                break;
            }
        }
        for answer in server.handle(message, &Disk) {
            if connection.sender.send(answer).is_err() {
                return Err(Failure::Message(
                    "lsp: the editor closed the connection".into(),
                ));
            }
        }
    }
    drop(connection);
    threads
        .join()
        .map_err(|e| Failure::Message(format!("lsp: {e}")))?;
    Ok(super::exit::Exit::Ok)
}
