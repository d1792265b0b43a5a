-- Drives the shipped Neovim plugin (editors/nvim) the way a user does: the K mapping, the
-- :Ragls… commands, ghost text (extmarks) accepted and dismissed, and a multi-line completion
-- item. Writes what it saw as JSON to plan.result. See e2e/nvim_plugin_test.go.
local plan = vim.fn.json_decode(os.getenv('RAGLS_E2E_PLAN'))
local out = { errors = {}, commands = {}, messages = {} }
local server_exit

local function fail(msg)
  table.insert(out.errors, msg)
end

local function lines(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), '\n') .. '\n'
end

local function main()
  vim.opt.runtimepath:append(plan.plugin)
  vim.cmd('filetype on')
  local ragls = require('ragls')
  ragls.setup({ cmd = plan.server, settings = plan.settings, on_exit = function(code) server_exit = code end })
  vim.notify = function(msg)
    table.insert(out.messages, msg)
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(plan.file))
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  if not vim.wait(5000, function()
    client = ragls.client(bufnr)
    return client ~= nil and client.initialized
  end, 20) then
    return fail('ragls did not attach to ' .. plan.file)
  end
  local original = lines(bufnr)

  for _, name in ipairs({ 'RaglsExplain', 'RaglsDocument', 'RaglsRefactor', 'RaglsFix', 'RaglsTests', 'RaglsReindex', 'RaglsStatus' }) do
    if vim.fn.exists(':' .. name) == 2 then
      table.insert(out.commands, name)
    end
  end
  local k = vim.fn.maparg('K', 'n', false, true)
  out.kBufferLocal = k.buffer == 1
  out.omnifunc = vim.bo[bufnr].omnifunc

  -- The index must be ready before the hover can name Total's definition.
  if not vim.wait(15000, function() return ragls.status():find('Indexing.*%(done%)') ~= nil end, 20) then
    fail('indexing did not finish: ' .. ragls.status())
  end
  -- K opens the hover in a floating window.
  vim.api.nvim_win_set_cursor(0, { plan.hover.line + 1, plan.hover.character })
  vim.cmd('normal K')
  vim.wait(10000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        out.hover = lines(vim.api.nvim_win_get_buf(w))
        return true
      end
    end
  end, 20)
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      vim.api.nvim_win_close(w, true)
    end
  end

  -- :RaglsDocument in Checkout resolves the action and applies its edit.
  vim.api.nvim_win_set_cursor(0, { plan.action.line + 1, plan.action.character })
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.cmd('RaglsDocument')
  if not vim.wait(plan.actionTimeout, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end, 20) then
    fail(':RaglsDocument did not change the buffer')
  end
  out.documented = lines(bufnr)
  vim.cmd('silent undo')
  out.status = ragls.status()

  -- Ghost text at the cursor: shown as extmarks, dismissed, shown again and accepted. The script
  -- stays in normal mode, where the cursor cannot sit after a line's last character as it does
  -- while typing: 'virtualedit' lets it.
  vim.o.virtualedit = 'onemore'
  local ns = vim.api.nvim_get_namespaces()['ragls_ghost']
  local function marks()
    return vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })
  end
  vim.api.nvim_win_set_cursor(0, { plan.completion.line + 1, plan.completion.character })
  ragls.ghost_request(bufnr, { now = true })
  if not vim.wait(plan.actionTimeout, function() return #marks() > 0 end, 20) then
    return fail('no ghost text extmark')
  end
  local d = marks()[1][4]
  out.ghostText = ''
  for _, chunk in ipairs(d.virt_text or {}) do
    out.ghostText = out.ghostText .. chunk[1]
  end
  for _, l in ipairs(d.virt_lines or {}) do
    out.ghostText = out.ghostText .. '\n' .. l[1][1]
  end
  ragls.ghost_dismiss(bufnr)
  out.marksAfterDismiss = #marks()
  out.unchangedAfterDismiss = lines(bufnr) == original
  ragls.ghost_request(bufnr, { now = true })
  if not vim.wait(plan.actionTimeout, function() return #marks() > 0 end, 20) then
    return fail('no ghost text extmark the second time')
  end
  out.accepted = ragls.ghost_accept(bufnr)
  out.afterAccept = lines(bufnr)
  out.marksAfterAccept = #marks()
  vim.cmd('silent undo')

  -- A multi-line completion item: the word is its first line, the rest is inserted after it.
  local uri = vim.uri_from_bufnr(bufnr)
  local res = client.request_sync('textDocument/completion', { textDocument = { uri = uri }, position = plan.completion }, plan.actionTimeout, bufnr)
  if not res or res.err then
    return fail('completion: ' .. vim.inspect(res))
  end
  local items = ragls.completion_items(res.result)
  if #items == 0 then
    return fail('no completion items')
  end
  out.itemWord = items[1].word
  out.itemRest = items[1].user_data.ragls_rest
  -- What Vim does with the chosen item, then what the plugin's CompleteDone handler does with
  -- v:completed_item (the item Vim was given): insert the rest and run the item's command,
  -- ragls.accepted, whose reply is waited for so that the server counts it before it stops.
  local row, col = plan.completion.line, plan.completion.character
  vim.api.nvim_buf_set_text(bufnr, row, col, row, col, { items[1].word })
  vim.api.nvim_win_set_cursor(0, { row + 1, col + #items[1].word })
  local replied, reply_err = false, nil
  out.itemCommand = items[1].user_data.ragls_command and items[1].user_data.ragls_command.command or ''
  ragls.complete_done(bufnr, items[1], function(err) replied, reply_err = true, err end)
  if not vim.wait(plan.actionTimeout, function() return replied end, 20) or reply_err then
    fail('the omni-completion item\'s command got no reply: ' .. vim.inspect(reply_err))
  end
  out.afterItem = lines(bufnr)
  out.original = original
end

local ok, e = pcall(main)
if not ok then
  fail('lua error: ' .. tostring(e))
end
for _, c in pairs(vim.lsp.get_active_clients()) do
  c.stop()
end
vim.wait(5000, function() return server_exit ~= nil end, 20)
out.serverExit = server_exit
local f = assert(io.open(plan.result, 'w'))
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd('qall!')
