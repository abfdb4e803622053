// extension.js — starts `qrc lsp` for .q files through vscode-languageclient (run `npm install` here first).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("qrc").get("path") || "qrc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient("qrc", "qrc recipes", { run: server, debug: server },
                              { documentSelector: [{ scheme: "file", language: "qrc" }] });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
