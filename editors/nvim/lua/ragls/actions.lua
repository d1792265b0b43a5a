-- The interactive half of the ragls plugin: buffer-local keys, the :Ragls… commands, ghost text
-- and the omnifunc. init.lua calls the returned function with its module, config and status.
return function(M, get_config, status)
  local api = vim.api
  local ns = api.nvim_create_namespace('ragls_ghost')
  local has_inline_virt = vim.fn.has('nvim-0.10') == 1
  local ghost = {} -- bufnr -> { items, index, row, col, tick, timer, req }

  local function notify(msg, level)
    vim.notify('ragls: ' .. msg, level or vim.log.levels.INFO)
  end

  local function termcodes(keys)
    return api.nvim_replace_termcodes(keys, true, false, true)
  end

  -- Code actions ------------------------------------------------------------------------------

  -- Which listed action each command runs, by the title ragls gives it.
  local titles = {
    explain = { '^ragls: Explain selection', '^ragls: Explain function' },
    document = { '^ragls: Document' },
    refactor = { '^ragls: Refactor' },
    fix = { '^ragls: Fix:' },
    tests = { '^ragls: Write tests' },
  }

  local function line_diagnostics(bufnr)
    local lnum = api.nvim_win_get_cursor(0)[1] - 1
    if vim.lsp.diagnostic.get_line_diagnostics and vim.fn.has('nvim-0.10') == 0 then
      return vim.lsp.diagnostic.get_line_diagnostics(bufnr, lnum)
    end
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = lnum })) do
      local lsp = d.user_data and d.user_data.lsp
      table.insert(out, lsp or {
        range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col } },
        message = d.message,
        severity = d.severity,
      })
    end
    return out
  end

  -- apply runs a picked action: resolves it when it has data, applies its edit, runs its command.
  function M.apply_action(client, action, bufnr)
    local function finish(a)
      if a.edit then
        vim.lsp.util.apply_workspace_edit(a.edit, client.offset_encoding)
      end
      local cmd = type(a.command) == 'table' and a.command or (type(a.command) == 'string' and a) or nil
      if cmd then
        client.request('workspace/executeCommand', { command = cmd.command, arguments = cmd.arguments }, function(err)
          if err then
            notify(err.message, vim.log.levels.ERROR)
          end
        end, bufnr)
      end
    end
    if type(action.command) ~= 'string' and not action.edit and action.data then
      client.request('codeAction/resolve', action, function(err, resolved)
        if err then
          return notify(err.message, vim.log.levels.ERROR)
        end
        finish(resolved or action)
      end, bufnr)
    else
      finish(action)
    end
  end

  -- run asks ragls for its actions at the cursor (or over opts.range, lines 1-based) and runs
  -- the one `what` names. opts.on_done(title) is called once the action was sent, for tests.
  function M.run(what, opts)
    opts = opts or {}
    local bufnr = api.nvim_get_current_buf()
    local client = M.client(bufnr)
    if not client then
      return notify('not attached to this buffer', vim.log.levels.WARN)
    end
    local params
    if opts.range then
      local last = api.nvim_buf_get_lines(bufnr, opts.range[2] - 1, opts.range[2], true)[1] or ''
      params = vim.lsp.util.make_given_range_params({ opts.range[1], 0 }, { opts.range[2], math.max(#last - 1, 0) }, bufnr, client.offset_encoding)
      params.range['end'] = { line = opts.range[2] - 1, character = #last }
    else
      params = vim.lsp.util.make_range_params(0, client.offset_encoding)
    end
    params.context = { diagnostics = line_diagnostics(bufnr) }
    client.request('textDocument/codeAction', params, function(err, result)
      if err then
        return notify(err.message, vim.log.levels.ERROR)
      end
      for _, action in ipairs(result or {}) do
        for _, pattern in ipairs(titles[what] or {}) do
          if action.title:find(pattern) then
            local function go(instruction)
              if instruction and instruction ~= '' then
                -- The instruction travels in the action's data, whether resolved or run as
                -- the ragls.action command.
                local data = action.data or (type(action.command) == 'table' and action.command.arguments and action.command.arguments[1])
                  or (type(action.command) == 'string' and action.arguments and action.arguments[1])
                if type(data) == 'table' then
                  data.instruction = instruction
                end
              end
              M.apply_action(client, action, bufnr)
              if opts.on_done then
                opts.on_done(action.title)
              end
            end
            if what == 'refactor' and opts.instruction == nil then
              vim.ui.input({ prompt = 'ragls: refactor how? (empty: improve it) ' }, function(input)
                if input ~= nil then -- nil: cancelled
                  go(input)
                end
              end)
            else
              go(opts.instruction)
            end
            return
          end
        end
      end
      local why = what == 'fix' and 'no diagnostic under the cursor' or (what == 'refactor' and 'select the code to refactor first' or 'not offered here')
      notify(what .. ': ' .. why, vim.log.levels.WARN)
    end, bufnr)
  end

  -- actions lists ragls's actions only (0.8+ can filter; on 0.7 all servers' are listed).
  function M.actions()
    if vim.lsp.start then
      vim.lsp.buf.code_action({ filter = function(a) return a.title:find('^ragls: ') ~= nil end })
    else
      vim.lsp.buf.code_action()
    end
  end

  -- reindex restarts the ragls clients; each new server indexes its workspace again.
  function M.reindex()
    local clients = vim.lsp.get_clients and vim.lsp.get_clients({ name = 'ragls' }) or vim.lsp.get_active_clients({ name = 'ragls' })
    for _, client in ipairs(clients) do
      local bufs = vim.tbl_keys(client.attached_buffers or {})
      client.stop()
      local tries = 0
      local function again()
        tries = tries + 1
        if not client.is_stopped() and tries < 50 then
          return vim.defer_fn(again, 100)
        end
        for _, b in ipairs(bufs) do
          if api.nvim_buf_is_valid(b) then
            M.start(b)
          end
        end
      end
      vim.defer_fn(again, 100)
    end
    notify('restarting to re-index')
  end

  -- status describes the clients, running tasks and recent messages.
  function M.status()
    local lines = {}
    local clients = vim.lsp.get_clients and vim.lsp.get_clients({ name = 'ragls' }) or vim.lsp.get_active_clients({ name = 'ragls' })
    if #clients == 0 then
      table.insert(lines, 'ragls: no server running')
    end
    for _, c in ipairs(clients) do
      local info = c.server_info or (c.initialize_result and c.initialize_result.serverInfo) or {}
      table.insert(lines, string.format('ragls %s: client %d, root %s, %s', info.version or '', c.id, c.config.root_dir or '?', c.is_stopped() and 'stopped' or 'running'))
    end
    for _, task in pairs(status.progress) do
      table.insert(lines, string.format('  %s%s %s%s', task.title, task.percentage and (' ' .. task.percentage .. '%') or '', task.message, task.done and ' (done)' or ''))
    end
    for _, m in ipairs(status.messages) do
      table.insert(lines, '  message: ' .. m)
    end
    return table.concat(lines, '\n')
  end

  -- Omni completion ---------------------------------------------------------------------------

  local function word_start(line, col)
    local start = col
    while start > 0 and line:sub(start, start):match('[%w_]') do
      start = start - 1
    end
    return start
  end

  -- completion_items turns an LSP completion result into complete-items. Vim inserts a word as
  -- one line (a newline becomes ^@), so only the first line is the word; the rest goes into
  -- user_data and CompleteDone inserts it.
  function M.completion_items(result)
    local items = {}
    for _, item in ipairs((result or {}).items or result or {}) do
      local text = (item.textEdit and item.textEdit.newText) or item.insertText or item.label
      local first, rest = text:match('^([^\n]*)\n(.*)$')
      table.insert(items, {
        word = first or text,
        abbr = item.label,
        menu = item.detail or '',
        empty = 1,
        dup = 1,
        icase = 1,
        user_data = { ragls_rest = rest, ragls_command = type(item.command) == 'table' and item.command or nil },
      })
    end
    return items
  end

  function M.omnifunc(findstart, _)
    local bufnr = api.nvim_get_current_buf()
    local line = api.nvim_get_current_line()
    local col = api.nvim_win_get_cursor(0)[2]
    if findstart == 1 then
      local client = M.client(bufnr)
      if not client then
        return -3
      end
      local start = word_start(line, col)
      local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
      client.request('textDocument/completion', params, function(err, result)
        if err or vim.fn.mode():sub(1, 1) ~= 'i' then
          return
        end
        vim.fn.complete(start + 1, M.completion_items(result))
      end, bufnr)
      return -2 -- the items come asynchronously, through complete()
    end
    return {}
  end

  -- complete_done finishes a chosen omni-completion item (CompleteDone's v:completed_item):
  -- it inserts the lines the item's word left out, then runs the item's command, which for
  -- ragls is ragls.accepted: the acceptance is counted for `ragls stats`, as on the ghost-text
  -- path, and the server prefetches the completion after it.
  -- on_reply, if given, is called with the server's reply to the command.
  function M.complete_done(bufnr, item, on_reply)
    local data = type(item) == 'table' and item.user_data
    if type(data) ~= 'table' then
      return false
    end
    if type(data.ragls_rest) == 'string' then
      M.insert_rest(bufnr, data.ragls_rest)
    end
    local cmd = data.ragls_command
    local client = M.client(bufnr)
    if client and type(cmd) == 'table' and cmd.command then
      client.request('workspace/executeCommand', { command = cmd.command, arguments = cmd.arguments }, on_reply or function() end, bufnr)
    elseif on_reply then
      on_reply('no command to run')
    end
    return true
  end

  -- insert_rest puts the lines a completed item left out after the cursor.
  function M.insert_rest(bufnr, rest)
    local row, col = unpack(api.nvim_win_get_cursor(0))
    local lines = vim.split('\n' .. rest, '\n', { plain = true })
    api.nvim_buf_set_text(bufnr, row - 1, col, row - 1, col, lines)
    api.nvim_win_set_cursor(0, { row - 1 + #lines, #lines[#lines] })
  end

  -- Ghost text ---------------------------------------------------------------------------------

  local function ghost_text(state)
    local item = state.items[state.index]
    local text = item and item.insertText
    if type(text) == 'table' then
      text = text.value -- a snippet string; shown as is
    end
    return text
  end

  function M.ghost_clear(bufnr)
    bufnr = bufnr or api.nvim_get_current_buf()
    api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
    local state = ghost[bufnr]
    if state then
      state.items = nil
    end
  end

  local function show(bufnr, state)
    api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
    local text = ghost_text(state)
    if not text or text == '' then
      return
    end
    local tab = string.rep(' ', vim.bo[bufnr].tabstop)
    local lines = vim.split(text, '\n', { plain = true })
    local virt_lines = {}
    for i = 2, #lines do
      table.insert(virt_lines, { { (lines[i]:gsub('\t', tab)), 'Comment' } })
    end
    local opts = { hl_mode = 'combine', virt_text_pos = has_inline_virt and 'inline' or 'overlay' }
    if lines[1] ~= '' then
      opts.virt_text = { { (lines[1]:gsub('\t', tab)), 'Comment' } }
    end
    if #virt_lines > 0 then
      opts.virt_lines = virt_lines
    end
    api.nvim_buf_set_extmark(bufnr, ns, state.row, state.col, opts)
  end

  -- ghost_request asks for ghost text at the cursor after the debounce; a newer request or edit
  -- cancels the older one all the way to the server.
  function M.ghost_request(bufnr, opts)
    opts = opts or {}
    bufnr = bufnr or api.nvim_get_current_buf()
    local client = M.client(bufnr)
    if not client then
      return
    end
    local state = ghost[bufnr] or {}
    ghost[bufnr] = state
    M.ghost_clear(bufnr)
    if state.req then
      client.cancel_request(state.req)
      state.req = nil
    end
    if state.timer then
      state.timer:stop()
    end
    state.timer = state.timer or vim.loop.new_timer()
    local delay = opts.now and 0 or get_config().ghost_text.debounce_ms
    state.timer:start(delay, 0, vim.schedule_wrap(function()
      if not api.nvim_buf_is_valid(bufnr) or api.nvim_get_current_buf() ~= bufnr then
        return
      end
      if not opts.now and vim.fn.mode():sub(1, 1) ~= 'i' then
        return
      end
      local row, col = unpack(api.nvim_win_get_cursor(0))
      local tick = api.nvim_buf_get_changedtick(bufnr)
      local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
      params.context = { triggerKind = 2 }
      local _, id = client.request('textDocument/inlineCompletion', params, function(err, result)
        state.req = nil
        if err or not result or api.nvim_buf_get_changedtick(bufnr) ~= tick then
          return
        end
        local r2, c2 = unpack(api.nvim_win_get_cursor(0))
        if r2 ~= row or c2 ~= col then
          return -- the cursor moved on: stale
        end
        state.items = result.items or result
        state.index = 1
        state.invoked = false
        state.row, state.col, state.tick = row - 1, col, tick
        show(bufnr, state)
      end, bufnr)
      state.req = id
    end))
  end

  function M.ghost_visible(bufnr)
    local state = ghost[bufnr or api.nvim_get_current_buf()]
    return state ~= nil and state.items ~= nil and ghost_text(state) ~= nil and ghost_text(state) ~= ''
  end

  local function insert(bufnr, state, text)
    local lines = vim.split(text, '\n', { plain = true })
    api.nvim_buf_set_text(bufnr, state.row, state.col, state.row, state.col, lines)
    local row = state.row + #lines - 1
    local col = (#lines == 1 and state.col or 0) + #lines[#lines]
    api.nvim_win_set_cursor(0, { row + 1, col })
    return row, col
  end

  -- ghost_accept inserts the whole ghost text.
  function M.ghost_accept(bufnr)
    bufnr = bufnr or api.nvim_get_current_buf()
    local state = ghost[bufnr]
    if not M.ghost_visible(bufnr) then
      return false
    end
    local text = ghost_text(state)
    local item = state.items[state.index]
    M.ghost_clear(bufnr)
    insert(bufnr, state, text)
    -- An accepted item's command tells the server (ragls.accepted counts acceptances for
    -- `ragls stats`), as VS Code runs it on Tab.
    local client = M.client(bufnr)
    if client and item and type(item.command) == 'table' and item.command.command then
      client.request('workspace/executeCommand', { command = item.command.command, arguments = item.command.arguments }, function() end, bufnr)
    end
    return true
  end

  -- ghost_accept_word inserts the ghost text up to the end of its next word and keeps showing
  -- the rest.
  function M.ghost_accept_word(bufnr)
    bufnr = bufnr or api.nvim_get_current_buf()
    local state = ghost[bufnr]
    if not M.ghost_visible(bufnr) then
      return false
    end
    local text = ghost_text(state)
    local word = text:match('^\n?[ \t]*[%w_]+') or text:match('^\n?[ \t]*[^%w_%s]') or text:sub(1, 1)
    local rest = text:sub(#word + 1)
    local row, col = insert(bufnr, state, word)
    if rest == '' then
      M.ghost_clear(bufnr)
      return true
    end
    state.items = { { insertText = rest } }
    state.index = 1
    state.row, state.col = row, col
    state.tick = api.nvim_buf_get_changedtick(bufnr)
    state.keep = state.tick -- the next TextChangedI is this insertion: keep the rest shown
    show(bufnr, state)
    return true
  end

  -- ghost_next shows the next suggestion. The first time, it asks the server explicitly
  -- (triggerKind Invoked), which adds alternatives sampled from the model to what typing got;
  -- after that it cycles through what the server sent.
  function M.ghost_next(bufnr)
    bufnr = bufnr or api.nvim_get_current_buf()
    local state = ghost[bufnr]
    if not M.ghost_visible(bufnr) then
      return false
    end
    local client = M.client(bufnr)
    if not state.invoked and client and not state.keep and state.tick == api.nvim_buf_get_changedtick(bufnr) then
      state.invoked = true
      local tick, row, col = state.tick, state.row, state.col
      local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
      params.context = { triggerKind = 1 }
      client.request('textDocument/inlineCompletion', params, function(err, result)
        local items = not err and result and (result.items or result)
        if not items or #items == 0 or not state.items or api.nvim_buf_get_changedtick(bufnr) ~= tick or state.row ~= row or state.col ~= col then
          return
        end
        state.items = items
        state.index = math.min(2, #items)
        show(bufnr, state)
      end, bufnr)
    end
    state.index = state.index % #state.items + 1
    show(bufnr, state)
    return true
  end

  -- ghost_key serves the insert-mode mappings: the action when ghost text is shown, else the
  -- key's usual meaning.
  function M.ghost_key(what, key)
    if not M.ghost_visible() then
      return termcodes(key)
    end
    return termcodes('<Cmd>lua require("ragls").ghost_' .. what .. '()<CR>')
  end

  function M.ghost_dismiss(bufnr)
    M.ghost_clear(bufnr)
    return true
  end

  -- Attaching a buffer -------------------------------------------------------------------------

  local function map(bufnr, mode, lhs, rhs, desc, expr)
    if not lhs or lhs == false then
      return
    end
    api.nvim_buf_set_keymap(bufnr, mode, lhs, rhs, { noremap = true, silent = true, expr = expr or false, desc = desc })
  end

  function M.attach(client, bufnr)
    local config = get_config()
    if config.omnifunc then
      vim.bo[bufnr].omnifunc = "v:lua.require'ragls'.omnifunc"
    end
    local keys = config.keys or {}
    map(bufnr, 'n', keys.hover, '<Cmd>lua vim.lsp.buf.hover()<CR>', 'ragls: hover')
    map(bufnr, 'n', keys.actions, '<Cmd>lua require("ragls").actions()<CR>', 'ragls: code actions')
    for _, what in ipairs({ 'explain', 'document', 'refactor', 'fix', 'tests' }) do
      map(bufnr, 'n', keys[what], '<Cmd>lua require("ragls").run("' .. what .. '")<CR>', 'ragls: ' .. what)
      map(bufnr, 'x', keys[what], ':<C-u>lua require("ragls").run("' .. what .. '", {range = {vim.fn.line("\'<"), vim.fn.line("\'>")}})<CR>', 'ragls: ' .. what)
    end

    local group = api.nvim_create_augroup('ragls_buf_' .. bufnr, { clear = true })
    api.nvim_create_autocmd('CompleteDone', {
      group = group,
      buffer = bufnr,
      callback = function()
        M.complete_done(bufnr, vim.v.completed_item)
      end,
    })

    local gt = config.ghost_text or {}
    if not gt.enabled then
      return
    end
    if vim.lsp.inline_completion and vim.lsp.inline_completion.enable then
      -- Neovim's own inline completion (0.12+) does the same with the server's answers.
      vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
      local k = gt.keys or {}
      if k.accept then
        vim.keymap.set('i', k.accept, function()
          if not vim.lsp.inline_completion.get() then
            return k.accept
          end
        end, { buffer = bufnr, expr = true, desc = 'ragls: accept ghost text' })
      end
      return
    end
    local k = gt.keys or {}
    map(bufnr, 'i', k.accept, "luaeval('require\"ragls\".ghost_key(\"accept\", _A)', '" .. (k.accept or '') .. "')", 'ragls: accept ghost text', true)
    map(bufnr, 'i', k.accept_word, "luaeval('require\"ragls\".ghost_key(\"accept_word\", _A)', '" .. (k.accept_word or '') .. "')", 'ragls: accept a word of ghost text', true)
    map(bufnr, 'i', k.dismiss, "luaeval('require\"ragls\".ghost_key(\"dismiss\", _A)', '" .. (k.dismiss or '') .. "')", 'ragls: dismiss ghost text', true)
    map(bufnr, 'i', k.next, "luaeval('require\"ragls\".ghost_key(\"next\", _A)', '" .. (k.next or '') .. "')", 'ragls: next ghost text', true)
    api.nvim_create_autocmd({ 'TextChangedI', 'TextChangedP' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        local state = ghost[bufnr]
        if state and state.keep and state.keep == api.nvim_buf_get_changedtick(bufnr) then
          state.keep = nil
          return
        end
        M.ghost_request(bufnr)
      end,
    })
    api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        M.ghost_clear(bufnr)
      end,
    })
  end

  return M
end
