// A scripted LSP client on vscode-languageserver-protocol, the library VS Code's own client is
// built on. It starts `ragls serve`, plays one scenario and prints what it saw as one JSON object
// on stdout; the Go test makes the assertions.
//
// Usage: node client.js '<plan JSON>' (see e2e/node_test.go for the plan's fields).
'use strict';

const cp = require('child_process');
const fs = require('fs');
const url = require('url');
const rpc = require('vscode-languageserver-protocol/node');

const plan = JSON.parse(process.argv[2]);
const out = {
	progress: [], // kinds of $/progress values, in order
	progressTitles: [],
	messages: [], // window/showMessage texts
	messageTypes: [],
	hover: '',
	actions: [],
	before: '',
	after: '',
	created: {}, // uri -> text of files created by edits
	completion: [], // labels
	completionItems: [],
	inline: [],
	errors: [], // unexpected failures, as text
	respelled: [], // document URIs the server sent back spelled differently
	shown: [], // window/showDocument: {uri, text}
	steps: {}, // milliseconds per step
	serverExit: null,
};

const child = cp.spawn(plan.server[0], plan.server.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code === null ? -1 : code)));

const conn = rpc.createProtocolConnection(
	new rpc.StreamMessageReader(child.stdout),
	new rpc.StreamMessageWriter(child.stdin));

// The buffers this client holds, as an editor would: file path -> {uri, text, version}. Keyed
// by path, as VS Code compares URIs after decoding them: the server may spell a URI with other
// escapes than the client did.
const docs = new Map();
const key = (uri) => (uri.startsWith('file:') ? url.fileURLToPath(uri) : uri);

let progressEnded;
const progressEnd = new Promise((resolve) => { progressEnded = resolve; });
conn.onRequest('window/workDoneProgress/create', () => null);
conn.onProgress(rpc.WorkDoneProgress.type, undefined, () => {});
conn.onNotification('$/progress', (p) => {
	out.progress.push(p.value.kind);
	if (p.value.title) out.progressTitles.push(p.value.title);
	if (p.value.kind === 'end') progressEnded();
});
conn.onNotification('window/showMessage', (p) => { out.messages.push(p.message); out.messageTypes.push(p.type); });
conn.onNotification('window/logMessage', () => {});
conn.onRequest('client/registerCapability', () => null);
conn.onRequest('workspace/configuration', (p) => p.items.map(() => plan.settings));
conn.onRequest('window/showDocument', (p) => {
	// Read it now: the server removes its explanation files when it exits.
	let text = '';
	try { text = fs.readFileSync(url.fileURLToPath(p.uri), 'utf8'); } catch (e) { text = 'unreadable: ' + e.message; }
	out.shown.push({ uri: p.uri, text });
	return { success: true };
});
conn.onRequest('workspace/applyEdit', (p) => {
	try {
		applyWorkspaceEdit(p.edit);
		return { applied: true };
	} catch (e) {
		return { applied: false, failureReason: String(e) };
	}
});
conn.listen();

// offsetAt converts an LSP position (UTF-16, as negotiated by default) to a string index.
function offsetAt(text, pos) {
	let line = 0;
	let i = 0;
	while (line < pos.line) {
		const nl = text.indexOf('\n', i);
		if (nl < 0) return text.length;
		i = nl + 1;
		line++;
	}
	const eol = text.indexOf('\n', i);
	return Math.min(i + pos.character, eol < 0 ? text.length : eol);
}

function applyTextEdits(text, edits) {
	const sorted = edits.map((e) => ({ s: offsetAt(text, e.range.start), e: offsetAt(text, e.range.end), t: e.newText }))
		.sort((a, b) => b.s - a.s);
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i].e > sorted[i - 1].s) throw new Error('overlapping edits');
	}
	for (const e of sorted) text = text.slice(0, e.s) + e.t + text.slice(e.e);
	return text;
}

// applyWorkspaceEdit applies an edit to the buffers and tells the server, as an editor does.
function applyWorkspaceEdit(edit) {
	const changes = [];
	for (const [uri, edits] of Object.entries(edit.changes || {})) changes.push({ uri, edits });
	for (const dc of edit.documentChanges || []) {
		if (dc.kind === 'create') {
			if (!docs.has(key(dc.uri))) out.created[dc.uri] = '';
			continue;
		}
		if (dc.kind) throw new Error('unsupported resource operation ' + dc.kind);
		const d = docs.get(key(dc.textDocument.uri));
		if (d && dc.textDocument.version != null && dc.textDocument.version !== d.version) {
			throw new Error(`edit for version ${dc.textDocument.version}, buffer is at ${d.version}`);
		}
		changes.push({ uri: dc.textDocument.uri, edits: dc.edits });
	}
	for (const { uri, edits } of changes) {
		const d = docs.get(key(uri));
		if (d && d.uri !== uri) out.respelled.push(`${d.uri} came back as ${uri}`);
		if (!d) {
			out.created[uri] = applyTextEdits(out.created[uri] || '', edits);
			continue;
		}
		d.text = applyTextEdits(d.text, edits);
		d.version++;
		conn.sendNotification('textDocument/didChange', {
			textDocument: { uri: d.uri, version: d.version },
			contentChanges: [{ text: d.text }],
		});
	}
}

function open(path) {
	const uri = url.pathToFileURL(path).href;
	const text = fs.readFileSync(path, 'utf8');
	const languageId = path.endsWith('.py') ? 'python' : 'go';
	docs.set(key(uri), { uri, text, version: 1 });
	conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
	return uri;
}

function timeout(ms, what) {
	return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms));
}

async function step(name, f) {
	const t0 = Date.now();
	try {
		return await f();
	} catch (e) {
		out.errors.push(`${name}: ${e && e.message ? e.message : JSON.stringify(e)}`);
		return undefined;
	} finally {
		out.steps[name] = Date.now() - t0;
	}
}

const capabilities = {
	general: { positionEncodings: ['utf-16'] },
	window: { workDoneProgress: true, showDocument: { support: true } },
	workspace: {
		applyEdit: true,
		configuration: true,
		workspaceFolders: true,
		workspaceEdit: { documentChanges: true, resourceOperations: ['create'] },
		didChangeWatchedFiles: { dynamicRegistration: true },
	},
	textDocument: {
		synchronization: { didSave: true },
		hover: { contentFormat: ['markdown', 'plaintext'] },
		completion: { completionItem: { snippetSupport: false } },
		inlineCompletion: {},
		codeAction: {
			codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.rewrite'] } },
			dataSupport: true,
			resolveSupport: { properties: ['edit'] },
		},
	},
};

async function main() {
	const started = Date.now();
	const rootUri = url.pathToFileURL(plan.root).href;
	await step('initialize', () => Promise.race([conn.sendRequest('initialize', {
		processId: process.pid,
		clientInfo: { name: 'ragls-e2e-node' },
		rootUri,
		workspaceFolders: [{ uri: rootUri, name: 'shop' }],
		capabilities,
		initializationOptions: plan.settings,
	}), timeout(5000, 'initialize')]));
	conn.sendNotification('initialized', {});
	const uri = open(plan.file);
	out.before = docs.get(key(uri)).text;
	await step('progress', () => Promise.race([progressEnd, timeout(10000, 'indexing progress end')]));

	await step('hover', async () => {
		const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: plan.hover });
		out.hover = h && h.contents ? (h.contents.value || JSON.stringify(h.contents)) : '';
	});

	if (plan.pyFile) {
		const py = open(plan.pyFile);
		await step('pyHover', async () => {
			const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri: py }, position: plan.pyHover });
			out.pyHover = h && h.contents ? h.contents.value : '';
		});
	}

	if (plan.mode === 'happy') await happy(uri);
	else await failure(uri);

	await step('shutdown', () => Promise.race([conn.sendRequest('shutdown'), timeout(5000, 'shutdown')]));
	conn.sendNotification('exit');
	const t0 = Date.now();
	out.serverExit = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 5000))]);
	out.steps.exit = Date.now() - t0;
	if (out.serverExit === null) {
		out.errors.push('ragls serve still running 5 s after exit');
		child.kill('SIGKILL');
	}
	out.steps.total = Date.now() - started;
	conn.dispose();
	out.stderr = stderr.slice(-4000);
	process.stdout.write(JSON.stringify(out) + '\n');
	process.exit(0);
}

async function happy(uri) {
	const actions = await step('codeAction', () => conn.sendRequest('textDocument/codeAction', {
		textDocument: { uri },
		range: { start: plan.action, end: plan.action },
		context: { diagnostics: [plan.diagnostic] },
	}));
	out.actions = (actions || []).map((a) => a.title);
	const doc = (actions || []).find((a) => a.title === 'ragls: Document function');
	if (doc) {
		await step('resolve', async () => {
			const resolved = await conn.sendRequest('codeAction/resolve', doc);
			if (!resolved.edit) throw new Error('resolved action has no edit: ' + JSON.stringify(resolved));
			applyWorkspaceEdit(resolved.edit);
		});
	}
	out.after = docs.get(key(uri)).text;
	await step('hoverAfter', async () => {
		const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: plan.hoverAfter });
		out.hoverAfter = h && h.contents ? h.contents.value : '';
	});
	// The command path, for clients that cannot resolve: the server computes the action and
	// sends it back through workspace/applyEdit.
	const tests = (actions || []).find((a) => a.title === 'ragls: Write tests');
	if (tests && plan.runTests) {
		await step('writeTests', async () => {
			const again = await conn.sendRequest('textDocument/codeAction', {
				textDocument: { uri }, range: { start: plan.action, end: plan.action }, context: { diagnostics: [] },
			});
			const t = again.find((a) => a.title === 'ragls: Write tests');
			await conn.sendRequest('workspace/executeCommand', { command: 'ragls.action', arguments: [t.data] });
		});
	}
	if (plan.runExplain) {
		// Listed again: the edit above made the first list stale. Explanations are shown, not
		// applied, so they always come as a command.
		await step('explain', async () => {
			const again = await conn.sendRequest('textDocument/codeAction', {
				textDocument: { uri }, range: { start: plan.hoverAfter, end: plan.hoverAfter }, context: { diagnostics: [] },
			});
			const explain = again.find((a) => a.title === 'ragls: Explain function');
			await conn.sendRequest('workspace/executeCommand', explain.command);
		});
	}
	const pos = plan.completion;
	await step('completion', async () => {
		const list = await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: pos });
		const items = Array.isArray(list) ? list : (list ? list.items : []);
		out.completion = items.map((i) => i.label);
		out.completionItems = items.map((i) => ({ label: i.label, detail: i.detail, newText: i.textEdit ? i.textEdit.newText : i.insertText }));
	});
	await step('inlineCompletion', async () => {
		const list = await conn.sendRequest('textDocument/inlineCompletion', {
			textDocument: { uri }, position: pos, context: { triggerKind: 1 },
		});
		const items = Array.isArray(list) ? list : (list ? list.items : []);
		out.inline = items.map((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value));
	});
}

// failure plays the model-server failures: completions must come back (empty or cancelled)
// and the server must keep answering.
async function failure(uri) {
	const pos = plan.completion;
	const completion = async (name, cancelAfter) => step(name, async () => {
		const src = new rpc.CancellationTokenSource();
		if (cancelAfter) setTimeout(() => src.cancel(), cancelAfter);
		const t0 = Date.now();
		try {
			const list = await Promise.race([
				conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: pos }, src.token),
				timeout(10000, name)]);
			out[name] = { items: (list && list.items ? list.items : list || []).length, ms: Date.now() - t0 };
		} catch (e) {
			out[name] = { error: e.message, code: e.code, ms: Date.now() - t0 };
		}
	});
	await completion('completion1', plan.cancelAfter);
	// A second request: the problem must not be shown again.
	await completion('completion2', plan.cancelAfter);
	if (plan.resolve) {
		await step('resolveFailure', async () => {
			const actions = await conn.sendRequest('textDocument/codeAction', {
				textDocument: { uri }, range: { start: plan.action, end: plan.action }, context: { diagnostics: [] },
			});
			out.actions = actions.map((a) => a.title);
			const doc = actions.find((a) => a.title === 'ragls: Document function');
			try {
				await Promise.race([conn.sendRequest('codeAction/resolve', doc), timeout(10000, 'resolve')]);
				out.resolveError = '';
			} catch (e) {
				out.resolveError = e.message;
			}
		});
	}
	// Let a late duplicate showMessage arrive before counting.
	await new Promise((r) => setTimeout(r, 300));
	await step('hoverAfter', async () => {
		const h = await Promise.race([
			conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: plan.hover }),
			timeout(3000, 'hover after failure')]);
		out.hoverAfter = h && h.contents ? h.contents.value : '';
	});
}

main().catch((e) => {
	out.errors.push('main: ' + (e && e.stack ? e.stack : String(e)));
	out.stderr = stderr.slice(-4000);
	process.stdout.write(JSON.stringify(out) + '\n');
	child.kill('SIGKILL');
	process.exit(0);
});
