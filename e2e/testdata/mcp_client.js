// A real MCP client — the official TypeScript SDK's — starting "ragls mcp" on stdio and playing
// the calls in the plan (argv[2], JSON): {server: [cmd, ...args], env: {...}, calls: [{name,
// arguments, progress?}]}. It prints one JSON object: the server's identity, its tools and each
// call's outcome.
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');

async function main() {
  const plan = JSON.parse(process.argv[2]);
  const transport = new StdioClientTransport({
    command: plan.server[0],
    args: plan.server.slice(1),
    env: { ...process.env, ...plan.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d.toString(); });
  const client = new Client({ name: 'ragls-e2e', version: '1.0.0' });
  const out = { calls: [] };
  const t0 = Date.now();
  await client.connect(transport);
  out.initializeMs = Date.now() - t0;
  out.server = client.getServerVersion();
  out.instructions = client.getInstructions();
  out.capabilities = client.getServerCapabilities();
  const listed = await client.listTools();
  out.tools = listed.tools.map((t) => ({
    name: t.name,
    description: t.description,
    required: (t.inputSchema && t.inputSchema.required) || [],
    properties: Object.keys((t.inputSchema && t.inputSchema.properties) || {}),
  }));
  for (const c of plan.calls) {
    const progress = [];
    const start = Date.now();
    const rec = { name: c.name, arguments: c.arguments };
    try {
      const opts = { timeout: 60000 };
      if (c.progress) {
        opts.onprogress = (p) => progress.push(p);
      }
      const res = await client.callTool({ name: c.name, arguments: c.arguments }, undefined, opts);
      rec.isError = !!res.isError;
      rec.text = (res.content || []).filter((x) => x.type === 'text').map((x) => x.text).join('');
    } catch (e) {
      rec.protocolError = String(e && e.message ? e.message : e);
    }
    rec.ms = Date.now() - start;
    rec.progress = progress;
    out.calls.push(rec);
  }
  await client.close();
  out.stderr = stderr;
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
