// ragls for VS Code: starts `ragls serve` over stdio with vscode-languageclient and passes the
// "ragls.*" settings the user has set, as initializationOptions, in answer to
// workspace/configuration, and on every change.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

const LANGUAGES = ['go', 'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'rust', 'java', 'c', 'cpp'];

// Settings ragls reads; "path" is the extension's own.
const KEYS = ['modelUrl', 'apiKey', 'chatModel', 'completionModel', 'embeddingModel', 'fim', 'timeoutMs',
	'maxTokens', 'temperature', 'contextWindow', 'stop', 'templatesDir'];

// settings returns only what the user set: sending VS Code's defaults would hide ragls's own
// config file and environment, which rank below the editor's settings.
function settings(scope) {
	const cfg = vscode.workspace.getConfiguration('ragls', scope);
	const out = {};
	for (const key of KEYS) {
		const i = cfg.inspect(key);
		if (!i) continue;
		const v = [i.workspaceFolderValue, i.workspaceValue, i.globalValue].find((x) => x !== undefined);
		if (v !== undefined && v !== null && v !== '') out[key] = v;
	}
	return out;
}

let client;

function createClient() {
	const command = vscode.workspace.getConfiguration('ragls').get('path') || 'ragls';
	// Run: and Debug: stdio, without the --stdio argument vscode-languageclient would add for
	// TransportKind.stdio (ragls accepts it, but needs none).
	const server = { command, args: ['serve'] };
	return new LanguageClient('ragls', 'ragls', { run: server, debug: server }, {
		documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
		initializationOptions: settings(),
		outputChannelName: 'ragls',
		middleware: {
			workspace: {
				configuration: (params) => params.items.map((item) =>
					item.section === 'ragls' ? settings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : null),
			},
		},
	});
}

async function activate(context) {
	client = createClient();
	context.subscriptions.push(
		vscode.commands.registerCommand('ragls.restart', async () => {
			if (client) await client.stop();
			client = createClient();
			await client.start();
		}),
		vscode.workspace.onDidChangeConfiguration(async (e) => {
			if (!client || !e.affectsConfiguration('ragls')) return;
			if (e.affectsConfiguration('ragls.path')) {
				await vscode.commands.executeCommand('ragls.restart');
				return;
			}
			await client.sendNotification('workspace/didChangeConfiguration', { settings: { ragls: settings() } });
		}),
	);
	await client.start();
}

function deactivate() {
	return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
