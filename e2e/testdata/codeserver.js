// Drives a real VS Code (code-server) in Debian's Chromium with playwright-core, with the packaged
// ragls extension installed: indexing progress in the status bar, a hover, Explain and Document
// from the quick-fix menu, ghost text accepted with Tab. Prints what it saw as JSON.
//
// Usage: node codeserver.js '<plan JSON>' (see e2e/codeserver_test.go); Node 24, NODE_PATH
// holding playwright-core.
'use strict';

const cp = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

const plan = JSON.parse(process.argv[2]);
const out = { errors: [], statusTexts: [], steps: [] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function step(name) {
	out.steps.push(name);
}

function healthy(port) {
	return new Promise((resolve) => {
		http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
			res.resume();
			resolve(res.statusCode === 200);
		}).on('error', () => resolve(false));
	});
}

async function editorText(page) {
	// The whole model, not the rendered lines: VS Code only renders what is in view.
	return page.evaluate(() => {
		// Rendered lines are absolutely positioned, in no particular DOM order: sort by top.
		const lines = [...document.querySelectorAll('.editor-instance .view-lines .view-line')]
			.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
		return lines.map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n');
	});
}

async function gotoLine(page, line, col) {
	await page.keyboard.press('Control+G');
	await page.keyboard.type(`${line + 1}:${col + 1}`);
	await page.keyboard.press('Enter');
	await sleep(200);
}

async function quickFix(page, title) {
	const item = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
	// The menu is listed asynchronously and a keystroke can land while the editor is busy: retry.
	for (let i = 0; ; i++) {
		await page.keyboard.press('Control+.');
		try {
			await item.waitFor({ timeout: 5000 });
			break;
		} catch (e) {
			if (i === 3) throw e;
			await page.keyboard.press('Escape');
		}
	}
	out.quickFixTitles = await page.locator('.action-widget .monaco-list-row').allTextContents();
	await item.click();
}

async function main() {
	const { codeServer, node, vsix, workspace, port, dir } = plan;
	const env = Object.assign({}, process.env, {
		HOME: path.join(dir, 'home'),
		XDG_CONFIG_HOME: path.join(dir, 'xdg-config'),
		XDG_DATA_HOME: path.join(dir, 'xdg-data'),
		XDG_CACHE_HOME: path.join(dir, 'xdg-cache'),
		PATH: path.dirname(node) + ':' + process.env.PATH,
	});
	const userData = path.join(dir, 'user-data');
	const extensions = path.join(dir, 'extensions');
	fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
	fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(Object.assign({
		'workbench.startupEditor': 'none',
		'security.workspace.trust.enabled': false,
		'editor.inlineSuggest.enabled': true,
		'editor.quickSuggestions': { other: false, comments: false, strings: false },
		'chat.disableAIFeatures': true,
		'telemetry.telemetryLevel': 'off',
		'ragls.inlineCompletion.debounceMs': 0,
	}, plan.settings)));
	const t0 = Date.now();
	cp.execFileSync(node, [codeServer, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], { env, stdio: 'pipe' });
	out.installMs = Date.now() - t0;
	step('installed');

	const server = cp.spawn(node, [codeServer, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
		'--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--reconnection-grace-time', '5',
		'--user-data-dir', userData, '--extensions-dir', extensions, workspace], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	let serverLog = '';
	server.stdout.on('data', (d) => { serverLog += d; });
	server.stderr.on('data', (d) => { serverLog += d; });
	let browser;
	try {
		for (let i = 0; !(await healthy(port)); i++) {
			if (i > 300) throw new Error('code-server not healthy after 30 s');
			await sleep(100);
		}
		step('healthy');
		browser = await chromium.launchPersistentContext(path.join(dir, 'chromium'), {
			executablePath: plan.chromium,
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			viewport: { width: 1400, height: 900 },
		});
		const page = browser.pages()[0] || (await browser.newPage());
		await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
		await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
		step('workbench');

		out.page = page;
		const statusItem = page.locator('.statusbar-item', { hasText: 'ragls' }).first();
		let watching = true;
		(async () => {
			while (watching) {
				const label = await statusItem.getAttribute('aria-label', { timeout: 200 }).catch(() => '');
				if (label && out.statusTexts[out.statusTexts.length - 1] !== label) out.statusTexts.push(label);
				await sleep(25);
			}
		})();
		out.stopWatching = () => { watching = false; };
		// Open cart.go from the explorer (a double click pins it, so that nothing replaces it).
		const openCart = async () => {
			const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'cart.go' }).first();
			await file.waitFor({ timeout: 30000 });
			await file.dblclick();
			await page.locator('.tab.active', { hasText: 'cart.go' }).waitFor({ timeout: 30000 });
			await page.locator('.editor-instance .view-lines').first().click();
		};
		await openCart();
		out.original = await editorText(page);
		step('opened');

		// The status bar item, watched from before the extension starts: indexing, then ready.
		const deadline = Date.now() + 30000;
		while (Date.now() < deadline) {
			const label = await statusItem.getAttribute('aria-label', { timeout: 1000 }).catch(() => '');
			// Recorded here too: the watcher may not have seen this label yet when the loop ends.
			if (label && out.statusTexts[out.statusTexts.length - 1] !== label) out.statusTexts.push(label);
			if (/index ready/.test(label || '') && out.statusTexts.some((t) => /indexing/.test(t))) break;
			await sleep(100);
		}
		step('status');
		out.stopWatching();

		// Hover on the call to Total.
		await gotoLine(page, plan.hover.line, plan.hover.character);
		await page.keyboard.press('Control+K');
		await page.keyboard.press('Control+I');
		const hover = page.locator('.monaco-hover-content', { hasText: 'Total' }).first();
		await hover.waitFor({ timeout: 15000 });
		out.hover = await hover.textContent();
		await page.keyboard.press('Escape');
		step('hover');

		// Explain from the quick-fix menu: a Markdown document opens.
		await gotoLine(page, plan.action.line, plan.action.character);
		await quickFix(page, 'ragls: Explain function');
		const tab = page.locator('.tab', { hasText: 'explanation-' }).first();
		await tab.waitFor({ timeout: plan.actionTimeout });
		out.explanation = await editorText(page);
		step('explain');
		await openCart();

		// Document from the quick-fix menu: the edit lands in the buffer.
		await gotoLine(page, plan.action.line, plan.action.character);
		await quickFix(page, 'ragls: Document function');
		const before = await editorText(page);
		for (let i = 0; i < plan.actionTimeout / 100; i++) {
			if ((await editorText(page)) !== before) break;
			await sleep(100);
		}
		await sleep(300);
		out.documented = await editorText(page);
		await page.keyboard.press('Control+Z');
		await sleep(300);
		step('document');

		// Ghost text while typing, accepted with Tab.
		await gotoLine(page, plan.ghost.line, plan.ghost.character);
		await page.keyboard.press('End');
		await page.keyboard.type(plan.ghost.type, { delay: 50 });
		const ghost = page.locator('.ghost-text-decoration, .ghost-text').first();
		await ghost.waitFor({ timeout: plan.actionTimeout });
		out.ghost = await page.locator('.ghost-text-decoration, .ghost-text, .ghost-text-decoration-preview').allTextContents();
		await page.keyboard.press('Tab');
		await sleep(500);
		out.afterGhost = await editorText(page);
		step('ghost');
	} catch (e) {
		if (out.page) await out.page.screenshot({ path: path.join(dir, 'failure.png') }).catch(() => {});
		out.screenshot = path.join(dir, 'failure.png');
		throw e;
	} finally {
		if (browser) await browser.close().catch(() => {});
		try {
			process.kill(-server.pid, 'SIGKILL'); // the extension host outlives code-server's own PID
		} catch (e) { /* gone */ }
		out.serverLog = serverLog.slice(-3000);
	}
}

main().catch(async (e) => {
	out.errors.push('main: ' + (e && e.stack ? e.stack : String(e)));
}).finally(() => {
	delete out.page;
	if (out.stopWatching) out.stopWatching();
	delete out.stopWatching;
	process.stdout.write(JSON.stringify(out) + '\n');
	process.exit(0);
});
