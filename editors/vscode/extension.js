// The jointgov extension: starts `jointgov lsp` for YAML files and hands it the settings.
// The server checks only files with a top-level `jointgov:` key; Red Hat's YAML extension does the schema.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const settings = vscode.workspace.getConfiguration("jointgov");
  const [command, ...args] = settings.get("command", ["jointgov", "lsp"]);
  client = new LanguageClient("jointgov", "jointgov", { command, args }, {
    documentSelector: [{ scheme: "file", language: "yaml" }],
    initializationOptions: settings.get("initializationOptions", {}),
  });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
