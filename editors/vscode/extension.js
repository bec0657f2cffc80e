// Starts `rem lsp` for .rem files. The server does the work: diagnostics, hover, completion,
// go to definition, symbols, formatting and quick fixes.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("rem").get("path") || "rem";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "rem",
    "rem",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "rem" }],
      synchronize: {
        // Template files and the other policies of a folder feed completion and diagnostics.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{rem,toml}"),
      },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
