-- Drives ragls from headless Neovim through the shipped plugin (editors/nvim), then writes what
-- it saw as JSON to plan.result. Run: nvim --headless --clean -u NONE -c 'luafile nvim.lua'
-- with RAGLS_E2E_PLAN set (see e2e/nvim_test.go).
local plan = vim.fn.json_decode(os.getenv('RAGLS_E2E_PLAN'))
local out = { progress = {}, messages = {}, errors = {}, actions = {}, completion = {} }
local server_exit

local function fail(msg)
  table.insert(out.errors, msg)
end

local function main()
  vim.opt.runtimepath:append(plan.plugin)
  vim.cmd('filetype on')
  local default_progress = vim.lsp.handlers['$/progress']
  local ragls = require('ragls')
  ragls.setup({
    cmd = plan.server,
    settings = plan.settings,
    on_exit = function(code)
      server_exit = code
    end,
    handlers = {
      ['$/progress'] = function(err, result, ctx, cfg)
        table.insert(out.progress, result.value.kind)
        if default_progress then
          return default_progress(err, result, ctx, cfg)
        end
      end,
      ['window/showMessage'] = function(_, result)
        table.insert(out.messages, result.message)
      end,
    },
  })

  vim.cmd('edit ' .. vim.fn.fnameescape(plan.file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  if not vim.wait(5000, function()
    client = ragls.client(bufnr)
    return client ~= nil and client.initialized
  end, 20) then
    return fail('ragls did not attach to ' .. plan.file)
  end
  out.before = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
  if not vim.wait(10000, function() return out.progress[#out.progress] == 'end' end, 20) then
    fail('no end of indexing progress: ' .. vim.inspect(out.progress))
  end

  local uri = vim.uri_from_bufnr(bufnr)
  local res, err = client.request_sync('textDocument/hover', { textDocument = { uri = uri }, position = plan.hover }, 5000, bufnr)
  if err or not res or res.err then
    fail('hover: ' .. vim.inspect(err or res))
  elseif res.result then
    out.hover = res.result.contents.value or vim.inspect(res.result.contents)
  end

  -- Code actions the way a user runs them: vim.lsp.buf.code_action() at the cursor, with the
  -- choice made in vim.ui.select; Neovim then resolves the action and applies its edit.
  vim.api.nvim_win_set_cursor(0, { plan.action.line + 1, plan.action.character })
  vim.ui.select = function(items, _, on_choice)
    local chosen
    for _, item in ipairs(items) do
      table.insert(out.actions, item[2].title)
      if item[2].title == 'ragls: Document function' then
        chosen = item
      end
    end
    on_choice(chosen)
  end
  vim.notify = function(msg)
    fail('notify: ' .. msg)
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.buf.code_action({ diagnostics = { plan.diagnostic } })
  if not vim.wait(plan.actionTimeout, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end, 20) then
    fail('"ragls: Document function" did not change the buffer')
  end
  out.after = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
  -- Neovim sends the edit to the server as an incremental change; the server must follow it.
  res, err = client.request_sync('textDocument/hover', { textDocument = { uri = uri }, position = plan.hoverAfter }, 5000, bufnr)
  if not err and res and res.result then
    out.hoverAfter = res.result.contents.value
  end

  local all
  all, err = vim.lsp.buf_request_sync(bufnr, 'textDocument/completion', { textDocument = { uri = uri }, position = plan.completion }, plan.actionTimeout)
  res = all and all[client.id]
  if err or not res or res.err then
    return fail('completion: ' .. vim.inspect(err or all))
  end
  for _, item in ipairs((res.result or {}).items or res.result or {}) do
    table.insert(out.completion, item.label)
  end
end

local ok, e = pcall(main)
if not ok then
  fail('lua error: ' .. tostring(e))
end
-- Shut down as Neovim does on :quit, and wait for the server's exit status.
for _, c in pairs(vim.lsp.get_active_clients()) do
  c.stop()
end
if not vim.wait(5000, function() return server_exit ~= nil end, 20) then
  fail('ragls serve did not exit within 5 s of shutdown')
end
out.serverExit = server_exit
local f = assert(io.open(plan.result, 'w'))
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd('qall!')
