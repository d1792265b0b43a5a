// Loads the VS Code extension of editors/vscode with stand-ins for the `vscode` module and
// vscode-languageclient (neither can run outside VS Code), whose LanguageClient plays the real
// protocol with vscode-languageserver-protocol. It checks the extension's part: the command it
// starts, the settings it sends as initializationOptions, in answer to workspace/configuration
// and on a change. Prints what it saw as JSON.
//
// Usage: node vscode.js '<plan JSON>' (see e2e/vscode_test.go).
'use strict';

const cp = require('child_process');
const fs = require('fs');
const Module = require('module');
const url = require('url');
const rpc = require('vscode-languageserver-protocol/node');

const plan = JSON.parse(process.argv[2]);
const out = { errors: [], clients: [], configurationAnswers: [], completions: [], serverExit: null };

// The user's settings, as VS Code's configuration holds them: only what is in plan.user is set.
const user = Object.assign({}, plan.user);
const changeListeners = [];
const commands = {};
const vscode = {
	workspace: {
		getConfiguration(section) {
			if (section !== 'ragls') throw new Error('unexpected configuration section ' + section);
			return {
				get: (k, d) => (k in user ? user[k] : k === 'path' ? 'ragls' : d),
				inspect: (k) => ({ key: 'ragls.' + k, defaultValue: k === 'path' ? 'ragls' : undefined, globalValue: user[k] }),
			};
		},
		onDidChangeConfiguration(f) {
			changeListeners.push(f);
			return { dispose() {} };
		},
	},
	commands: {
		registerCommand(name, f) {
			commands[name] = f;
			return { dispose() {} };
		},
		executeCommand: (name, ...args) => commands[name](...args),
	},
	Uri: { parse: (s) => ({ toString: () => s }) },
};

let progressEnded;
const progressEnd = new Promise((resolve) => { progressEnded = resolve; });

// LanguageClient stands in for vscode-languageclient's: same constructor, start, stop and
// sendNotification, over the same protocol library.
class LanguageClient {
	constructor(id, name, serverOptions, clientOptions) {
		this.serverOptions = serverOptions;
		this.clientOptions = clientOptions;
		out.clients.push({ id, name, serverOptions, initializationOptions: clientOptions.initializationOptions,
			languages: clientOptions.documentSelector.map((s) => s.language) });
		client = this;
	}

	async start() {
		const run = this.serverOptions.run || this.serverOptions;
		this.child = cp.spawn(run.command, run.args || [], { stdio: ['pipe', 'pipe', 'pipe'] });
		this.stderr = '';
		this.child.stderr.on('data', (d) => { this.stderr += d; });
		this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code === null ? -1 : code)));
		const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(this.child.stdout), new rpc.StreamMessageWriter(this.child.stdin));
		this.conn = conn;
		const mw = (this.clientOptions.middleware || {}).workspace || {};
		conn.onRequest('workspace/configuration', (params, token) => {
			const answer = mw.configuration ? mw.configuration(params, token, () => params.items.map(() => null)) : params.items.map(() => null);
			out.configurationAnswers.push(answer);
			return answer;
		});
		conn.onRequest('window/workDoneProgress/create', () => null);
		conn.onNotification('$/progress', (p) => { if (p.value.kind === 'end') progressEnded(); });
		conn.onNotification('window/showMessage', (p) => out.errors.push('showMessage: ' + p.message));
		conn.onNotification('window/logMessage', () => {});
		conn.listen();
		const rootUri = url.pathToFileURL(plan.root).href;
		await conn.sendRequest('initialize', {
			processId: process.pid,
			rootUri,
			workspaceFolders: [{ uri: rootUri, name: 'shop' }],
			capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true } },
			initializationOptions: this.clientOptions.initializationOptions,
		});
		conn.sendNotification('initialized', {});
	}

	// The extension must turn on the proposed features: inline completion (ghost text) is one.
	registerProposedFeatures() {
		out.proposedFeatures = true;
	}

	sendNotification(method, params) {
		return this.conn.sendNotification(method, params);
	}

	async stop() {
		await this.conn.sendRequest('shutdown');
		this.conn.sendNotification('exit');
		out.serverExit = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r(null), 5000))]);
		if (out.serverExit === null) this.child.kill('SIGKILL');
		this.conn.dispose();
	}
}
let client;

const load = Module._load;
Module._load = function (request, ...rest) {
	if (request === 'vscode') return vscode;
	if (request === 'vscode-languageclient/node') return { LanguageClient };
	return load.call(this, request, ...rest);
};

async function completion(uri, position) {
	const list = await client.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position });
	return (list && list.items ? list.items : []).map((i) => (i.textEdit ? i.textEdit.newText : i.insertText || i.label));
}

async function main() {
	const ext = require(plan.extension);
	await ext.activate({ subscriptions: [] });
	const uri = url.pathToFileURL(plan.file).href;
	client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text: fs.readFileSync(plan.file, 'utf8') } });
	await Promise.race([progressEnd, new Promise((_, reject) => setTimeout(() => reject(new Error('no indexing progress end')), 10000))]);
	out.completions.push(await completion(uri, plan.completion));

	// The user points ragls at another model server: the extension must pass it on.
	Object.assign(user, plan.change);
	for (const f of changeListeners) {
		await f({ affectsConfiguration: (s) => s === 'ragls' || Object.keys(plan.change).some((k) => s === 'ragls.' + k) });
	}
	await new Promise((r) => setTimeout(r, 200)); // the server applies settings off its reading goroutine
	out.completions.push(await completion(uri, plan.completion2));
	// Ghost text goes through the extension's middleware: asked for after the debounce, not at
	// all in a disabled language, dropped when the user types on (the token is cancelled).
	const mw = client.clientOptions.middleware;
	const doc = (languageId) => ({ languageId });
	const live = { isCancellationRequested: false, onCancellationRequested() {} };
	const sent = [];
	const next = async (d, p, context) => { sent.push(context.triggerKind); return 'asked'; };
	out.inline = {};
	out.inline.go = await mw.provideInlineCompletionItems(doc('go'), {}, {}, live, next);
	// VS Code's Invoke (0: the user cycles or asks) and Automatic (1) reach ragls as LSP's
	// Invoked (1) and Automatic (2).
	await mw.provideInlineCompletionItems(doc('go'), {}, { triggerKind: 0 }, live, next);
	await mw.provideInlineCompletionItems(doc('go'), {}, { triggerKind: 1 }, live, next);
	out.inline.sent = sent;
	user['inlineCompletion.disabledLanguages'] = ['go'];
	out.inline.disabled = await mw.provideInlineCompletionItems(doc('go'), {}, {}, live, next);
	delete user['inlineCompletion.disabledLanguages'];
	let onCancel;
	const typedOn = { isCancellationRequested: false, onCancellationRequested(f) { onCancel = f; } };
	const pending = mw.provideInlineCompletionItems(doc('go'), {}, {}, typedOn, next);
	typedOn.isCancellationRequested = true;
	onCancel();
	out.inline.cancelled = await pending;
	out.stderr = client.stderr.slice(-4000);
	await ext.deactivate();
}

main().catch((e) => out.errors.push('main: ' + (e && e.stack ? e.stack : String(e)))).finally(() => {
	if (client && client.child && out.serverExit === null) client.child.kill('SIGKILL');
	process.stdout.write(JSON.stringify(out) + '\n');
	process.exit(0);
});
