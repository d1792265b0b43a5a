// ragls for VS Code: starts `ragls serve` over stdio with vscode-languageclient and passes the
// "ragls.*" settings the user has set, as initializationOptions, in answer to
// workspace/configuration, and on every change. It turns on the client's proposed features (LSP
// inline completion: ghost text), shows indexing and the model's health in the status bar, and
// adds commands for each action.
'use strict';

const cp = require('child_process');
const vscode = require('vscode');
const { LanguageClient, WorkDoneProgress } = require('vscode-languageclient/node');

const LANGUAGES = ['go', 'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'rust', 'java', 'c', 'cpp'];

// Settings ragls reads; the others ("path", "languages", "inlineCompletion.*") are the extension's.
const KEYS = ['modelUrl', 'apiKey', 'chatModel', 'completionModel', 'embeddingModel', 'fim', 'timeoutMs',
	'maxTokens', 'temperature', 'contextWindow', 'stop', 'templatesDir', 'warmUp'];

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

function option(key, def) {
	const v = vscode.workspace.getConfiguration('ragls').get(key);
	return v === undefined || v === null ? def : v;
}

function sleep(ms, token) {
	return new Promise((resolve) => {
		const t = setTimeout(resolve, ms);
		if (token && token.onCancellationRequested) token.onCancellationRequested(() => { clearTimeout(t); resolve(); });
	});
}

let client;
let status; // the status bar item, when the window has one

// setStatus shows state in the status bar: indexing progress, model ok or down with the reason.
const state = { indexing: undefined, problem: undefined, indexed: '' };
function renderStatus() {
	if (!status) return;
	if (state.problem) {
		status.text = '$(warning) ragls';
		status.tooltip = 'ragls: ' + state.problem + ' (click for ragls doctor)';
	} else if (state.indexing !== undefined) {
		status.text = `$(sync~spin) ragls ${state.indexing}`;
		status.tooltip = 'ragls is indexing the workspace';
	} else {
		status.text = '$(check) ragls';
		status.tooltip = 'ragls: index ready' + (state.indexed ? ` (${state.indexed})` : '') + ', model ok (click for ragls doctor)';
	}
	status.show();
}

function createClient() {
	const command = option('path', 'ragls');
	// Run: and Debug: stdio, without the --stdio argument vscode-languageclient would add for
	// TransportKind.stdio (ragls accepts it, but needs none).
	const server = { command, args: ['serve'] };
	const languages = option('languages', LANGUAGES);
	const c = new LanguageClient('ragls', 'ragls', { run: server, debug: server }, {
		documentSelector: languages.map((language) => ({ scheme: 'file', language })),
		initializationOptions: settings(),
		outputChannelName: 'ragls',
		middleware: {
			workspace: {
				configuration: (params) => params.items.map((item) =>
					item.section === 'ragls' ? settings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : null),
			},
			// Ghost text: off when the user says so (for every language or one); otherwise asked
			// for after a short pause, and dropped when the user types on (VS Code cancels the
			// token, which becomes $/cancelRequest).
			// An explicit request (the user cycling to the next suggestion, or triggering one) is
			// not debounced, and reaches ragls as LSP's Invoked (1), which asks the model for
			// alternatives: vscode-languageclient 9 sends VS Code's own numbers (Invoke 0,
			// Automatic 1), which read as LSP's Invoked while typing.
			provideInlineCompletionItems: async (document, position, context, token, next) => {
				if (!option('inlineCompletion.enable', true)) return null;
				const off = option('inlineCompletion.disabledLanguages', []);
				if (off.includes(document.languageId)) return null;
				const invoked = context.triggerKind === (vscode.InlineCompletionTriggerKind || { Invoke: 0 }).Invoke;
				if (!invoked) await sleep(option('inlineCompletion.debounceMs', 150), token);
				if (token.isCancellationRequested) return null;
				const lspContext = { triggerKind: invoked ? 1 : 2, selectedCompletionInfo: context.selectedCompletionInfo };
				return next(document, position, lspContext, token);
			},
		},
	});
	// vscode-languageclient 9 implements LSP inline completion as a proposed feature: without
	// this, VS Code never asks ragls for ghost text.
	c.registerProposedFeatures();
	return c;
}

// watch follows the server's reports for the status bar: $/progress on tokens it creates
// (indexing), and its problem messages (the model server down, slow or answering garbage).
function watch(c) {
	if (!c.onNotification) return;
	c.onNotification('window/showMessage', (p) => {
		const text = String(p.message || '');
		if (p.type === 1 || p.type === 2) {
			state.problem = text.replace(/^ragls: /, '');
			renderStatus();
			(p.type === 1 ? vscode.window.showErrorMessage : vscode.window.showWarningMessage)(text);
		} else if (vscode.window && vscode.window.showInformationMessage) {
			vscode.window.showInformationMessage(text);
		}
	});
	c.onNotification('window/logMessage', (p) => {
		if (/^ragls: resolved: /.test(p.message || '')) {
			state.problem = undefined;
			renderStatus();
		}
		if (c.outputChannel) c.outputChannel.appendLine(p.message);
	});
}

// showProgress takes over window/workDoneProgress/create from the client, to see the progress:
// indexing goes to the status bar, anything else (actions over 300 ms) to a notification whose
// Cancel button sends window/workDoneProgress/cancel, as the client's own handler would.
function showProgress(c) {
	if (!c.onRequest || !c.onProgress || !WorkDoneProgress) return;
	c.onRequest('window/workDoneProgress/create', ({ token }) => {
		let title = '';
		let finish;
		let report;
		const d = c.onProgress(WorkDoneProgress.type, token, (v) => {
			if (v.kind === 'begin') {
				title = v.title || '';
				if (!/^Indexing/i.test(title) && vscode.window.withProgress) {
					vscode.window.withProgress({
						location: vscode.ProgressLocation ? vscode.ProgressLocation.Notification : 15,
						title: /^ragls/.test(title) ? title : 'ragls: ' + title,
						cancellable: !!v.cancellable,
					}, (progress, cancel) => {
						report = (m) => progress.report({ message: m });
						if (v.message) report(v.message);
						cancel.onCancellationRequested(() => c.sendNotification('window/workDoneProgress/cancel', { token }));
						return new Promise((resolve) => { finish = resolve; });
					});
					return;
				}
			}
			if (/^Indexing/i.test(title)) {
				state.indexing = v.kind === 'end' ? undefined : (v.percentage !== undefined ? v.percentage + '%' : '');
				if (v.kind === 'end' && v.message) state.indexed = v.message;
				renderStatus();
			} else if (v.kind === 'report' && report && v.message) {
				report(v.message);
			}
			if (v.kind === 'end') {
				if (finish) finish();
				d.dispose();
			}
		});
		return null;
	});
}

// runAction asks ragls for one action on the selection (or the function at the cursor) and lets
// the server apply the edit or show the explanation (workspace/applyEdit, window/showDocument).
async function runAction(kind, extra) {
	const editor = vscode.window.activeTextEditor;
	if (!editor || !client) {
		vscode.window.showWarningMessage('ragls: open a file ragls serves first');
		return;
	}
	const doc = editor.document;
	const sel = editor.selection;
	const data = Object.assign({
		kind,
		uri: doc.uri.toString(),
		version: doc.version,
		range: {
			start: { line: sel.start.line, character: sel.start.character },
			end: { line: sel.end.line, character: sel.end.character },
		},
	}, extra || {});
	try {
		await client.sendRequest('workspace/executeCommand', { command: 'ragls.action', arguments: [data] });
	} catch (e) {
		vscode.window.showErrorMessage(String(e && e.message ? e.message : e));
	}
}

// doctor runs `ragls doctor` in the first workspace folder and shows its output.
function doctor(output) {
	const folder = (vscode.workspace.workspaceFolders || [])[0];
	const args = ['doctor'];
	if (folder) args.push('--root', folder.uri.fsPath);
	return new Promise((resolve) => {
		cp.execFile(option('path', 'ragls'), args, { timeout: 60000 }, (err, stdout, stderr) => {
			output.clear();
			output.appendLine(stdout + stderr + (err && !stdout ? String(err.message) : ''));
			output.show(true);
			resolve(stdout + stderr);
		});
	});
}

async function start() {
	client = createClient();
	watch(client);
	await client.start();
	// After start: the client registers its own handler while starting, and the last one wins.
	showProgress(client);
}

async function activate(context) {
	if (vscode.window && vscode.window.createStatusBarItem) {
		status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment ? vscode.StatusBarAlignment.Right : 2, 100);
		status.command = 'ragls.showStatus';
		status.name = 'ragls';
		context.subscriptions.push(status);
		state.indexing = '';
		renderStatus();
	}
	const output = vscode.window && vscode.window.createOutputChannel ? vscode.window.createOutputChannel('ragls doctor') : null;
	const fix = async () => {
		const editor = vscode.window.activeTextEditor;
		if (!editor) return;
		const diags = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.range.contains(editor.selection.active));
		if (diags.length === 0) {
			vscode.window.showInformationMessage('ragls: no problem under the cursor to fix');
			return;
		}
		await runAction('fix', { diagnostic: diags[0].message, range: {
			start: { line: diags[0].range.start.line, character: diags[0].range.start.character },
			end: { line: diags[0].range.end.line, character: diags[0].range.end.character },
		} });
	};
	const cmds = {
		'ragls.explain': () => runAction('explain'),
		'ragls.explainInline': () => runAction('explain-inline'),
		'ragls.document': () => runAction('document'),
		'ragls.refactor': async () => {
			const instruction = await vscode.window.showInputBox({
				title: 'ragls: Refactor',
				prompt: 'What should the refactoring do? (empty: let the model improve the code)',
				placeHolder: 'e.g. use early returns',
			});
			if (instruction === undefined) return; // cancelled
			await runAction('refactor', instruction ? { instruction } : {});
		},
		'ragls.fix': fix,
		'ragls.writeTests': () => runAction('test'),
		'ragls.reindex': () => vscode.commands.executeCommand('ragls.restart'),
		'ragls.restart': async () => {
			if (client) await client.stop();
			state.indexing = '';
			state.problem = undefined;
			renderStatus();
			await start();
		},
		'ragls.showStatus': () => (output ? doctor(output) : undefined),
	};
	for (const [name, f] of Object.entries(cmds)) {
		context.subscriptions.push(vscode.commands.registerCommand(name, f));
	}
	context.subscriptions.push(
		vscode.workspace.onDidChangeConfiguration(async (e) => {
			if (!client || !e.affectsConfiguration('ragls')) return;
			if (e.affectsConfiguration('ragls.path') || e.affectsConfiguration('ragls.languages')) {
				await vscode.commands.executeCommand('ragls.restart');
				return;
			}
			await client.sendNotification('workspace/didChangeConfiguration', { settings: { ragls: settings() } });
		}),
	);
	await start();
}

function deactivate() {
	return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
