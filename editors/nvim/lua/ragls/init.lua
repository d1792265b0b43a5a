-- ragls for Neovim: starts `ragls serve` for the buffers of a workspace, one server per root,
-- with Neovim's built-in LSP client (vim.lsp.start on 0.8 and later, vim.lsp.start_client on 0.7).
--
--   require('ragls').setup({
--     settings = { modelUrl = 'http://127.0.0.1:11434/v1', chatModel = 'qwen2.5-coder:7b-instruct' },
--   })
--
-- In attached buffers it maps K (hover) and <leader>r… keys buffer-locally, defines :RaglsExplain,
-- :RaglsDocument, :RaglsRefactor, :RaglsFix, :RaglsTests, :RaglsReindex and :RaglsStatus, shows
-- the model's completion as ghost text while typing (extmarks; vim.lsp.inline_completion where
-- Neovim has it), shows progress in the command line, and completes with an omnifunc that
-- inserts multi-line items correctly. See editors/nvim/README.md.
local M = {}

-- Defaults; every key may be overridden in setup(). Keys not listed here (on_attach, on_exit,
-- handlers, capabilities, flags, ...) are passed on to Neovim's client as they are.
M.defaults = {
  cmd = { 'ragls', 'serve' },
  filetypes = {
    'go', 'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact',
    'rust', 'java', 'c', 'cpp',
  },
  -- A buffer's workspace root is the nearest directory above it holding one of these.
  root_markers = { '.git', 'go.mod', 'pyproject.toml', 'setup.py', 'package.json', 'Cargo.toml', 'pom.xml' },
  -- The "ragls" settings (modelUrl, chatModel, completionModel, embeddingModel, timeoutMs,
  -- maxTokens, fim, warmUp, ...), sent as initializationOptions and served to workspace/configuration.
  settings = {},
  -- Set omnifunc in attached buffers, so <C-x><C-o> asks ragls (multi-line items insert whole).
  omnifunc = true,
  -- Buffer-local keys in attached buffers; set one to false to leave that key alone.
  keys = {
    hover = 'K',
    actions = '<leader>ra',
    explain = '<leader>re',
    document = '<leader>rd',
    refactor = '<leader>rr',
    fix = '<leader>rf',
    tests = '<leader>rt',
  },
  -- Ghost text: the model's completion shown after the cursor while typing in insert mode.
  ghost_text = {
    enabled = true,
    debounce_ms = 150,
    keys = { accept = '<Tab>', accept_word = '<M-Right>', dismiss = '<C-]>', next = '<M-]>' },
  },
  -- Echo progress ($/progress: indexing, actions) in the command line.
  progress = true,
}

local config = vim.deepcopy(M.defaults)
local clients = {} -- root directory -> client id (0.7 only; vim.lsp.start reuses clients itself)

local own = {
  cmd = true, filetypes = true, root_markers = true, settings = true, omnifunc = true,
  keys = true, ghost_text = true, progress = true,
}
local status = { progress = {}, messages = {} } -- what :RaglsStatus shows

-- root_of returns the workspace root for a file: the nearest ancestor holding a root marker,
-- else the file's directory.
local function root_of(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  local best
  for _, marker in ipairs(config.root_markers) do
    for _, hit in ipairs({ vim.fn.findfile(marker, dir .. ';'), vim.fn.finddir(marker, dir .. ';') }) do
      if hit ~= '' then
        local full = (vim.fn.fnamemodify(hit, ':p'):gsub('/$', ''))
        local root = vim.fn.fnamemodify(full, ':h')
        if not best or #root > #best then
          best = root
        end
      end
    end
  end
  return best or dir
end

local function client_config(root)
  local c = {
    name = 'ragls',
    cmd = config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = config.settings,
    -- Neovim answers workspace/configuration from here, by section.
    settings = { ragls = config.settings },
  }
  for k, v in pairs(config) do
    if not own[k] then
      c[k] = v
    end
  end
  c.handlers = vim.tbl_extend('keep', c.handlers or {}, {
    ['$/progress'] = M.progress_handler,
    ['window/showMessage'] = M.message_handler,
  })
  local user_attach = c.on_attach
  c.on_attach = function(client, bufnr)
    M.attach(client, bufnr)
    if user_attach then
      user_attach(client, bufnr)
    end
  end
  return c
end

-- progress_handler shows $/progress in the command line (0.7 has no default display) and keeps
-- the last message of each task for :RaglsStatus, then calls Neovim's own handler.
function M.progress_handler(err, result, ctx, cfg)
  local v = result and result.value or {}
  local key = tostring(result and result.token)
  local task = status.progress[key] or {}
  task.title = v.title or task.title or ''
  task.message = v.message or task.message or ''
  task.percentage = v.percentage or task.percentage
  task.done = v.kind == 'end'
  status.progress[key] = task
  if config.progress then
    local pct = task.percentage and (' ' .. task.percentage .. '%') or ''
    local line = 'ragls: ' .. task.title:gsub('^ragls: ', '') .. pct .. (task.message ~= '' and (' — ' .. task.message) or '')
    if task.done then
      line = line .. ' (done)'
    end
    vim.api.nvim_echo({ { line:sub(1, vim.o.columns - 12), 'ModeMsg' } }, false, {})
  end
  local default = vim.lsp.handlers['$/progress']
  if default then
    return default(err, result, ctx, cfg)
  end
end

function M.message_handler(err, result, ctx, cfg)
  if result and result.message then
    table.insert(status.messages, result.message)
    if #status.messages > 20 then
      table.remove(status.messages, 1)
    end
  end
  return vim.lsp.handlers['window/showMessage'](err, result, ctx, cfg)
end

-- start attaches ragls to a buffer (the current one by default), starting a server for its root
-- if none runs yet. It returns the client id, or nil for a buffer with no file.
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then
    return nil
  end
  local root = root_of(path)
  local id
  if vim.lsp.start then
    id = vim.lsp.start(client_config(root), { bufnr = bufnr })
  else
    id = clients[root]
    if not id or not vim.lsp.get_client_by_id(id) or vim.lsp.get_client_by_id(id).is_stopped() then
      id = vim.lsp.start_client(client_config(root))
      clients[root] = id
    end
    if id then
      vim.lsp.buf_attach_client(bufnr, id)
    end
  end
  return id
end

-- client returns the ragls client attached to a buffer, or nil.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local attached = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, c in pairs(attached) do
    if c.name == 'ragls' then
      return c
    end
  end
  return nil
end

-- setup sets the options and starts ragls for every buffer of the configured file types.
function M.setup(opts)
  config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  -- Lists replace the defaults rather than merge into them by index.
  for _, k in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
    if opts and opts[k] then
      config[k] = opts[k]
    end
  end
  local group = vim.api.nvim_create_augroup('ragls', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  vim.api.nvim_create_user_command('RaglsActions', function()
    M.actions()
  end, { desc = 'ragls code actions' })
  local commands = {
    RaglsExplain = 'explain', RaglsDocument = 'document', RaglsRefactor = 'refactor',
    RaglsFix = 'fix', RaglsTests = 'tests',
  }
  for name, what in pairs(commands) do
    vim.api.nvim_create_user_command(name, function(a)
      M.run(what, { range = a.range > 0 and { a.line1, a.line2 } or nil })
    end, { range = true, desc = 'ragls: ' .. what })
  end
  vim.api.nvim_create_user_command('RaglsReindex', function()
    M.reindex()
  end, { desc = 'ragls: restart the server, which indexes the workspace again' })
  vim.api.nvim_create_user_command('RaglsStatus', function()
    print(M.status())
  end, { desc = 'ragls: server, progress and recent messages' })
end

return require('ragls.actions')(M, function() return config end, status)
