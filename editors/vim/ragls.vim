" ragls for Vim 9 through Vim's built-in LSP channel (job_start with in_mode/out_mode 'lsp'):
" no plugin needed. Copy this file to ~/.vim/plugin/ (or :source it from your vimrc) and set,
" before it loads:
"
"   let g:ragls_command  = ['ragls', 'serve']
"   let g:ragls_settings = {'modelUrl': 'http://127.0.0.1:11434/v1',
"         \ 'chatModel': 'qwen2.5-coder:7b-instruct', 'completionModel': 'qwen2.5-coder:1.5b-base'}
"
" Then, in a buffer of one of g:ragls_filetypes:
"   :RaglsHover      what the index knows of the symbol under the cursor
"   :RaglsActions    ragls's code actions here (Explain, Document function, Write tests, ...)
"   <C-x><C-o>       the model's completion (omnifunc)
" Progress and messages from ragls are echoed; they also fire the User autocommands
" RaglsProgress (g:ragls_progress holds the $/progress value) and RaglsMessage
" (g:ragls_message holds the window/showMessage params).
"
" If you use the vim-lsp plugin instead, register ragls with it:
"   au User lsp_setup call lsp#register_server({'name': 'ragls',
"         \ 'cmd': {_ -> ['ragls', 'serve']}, 'allowlist': ['go', 'python'],
"         \ 'initialization_options': g:ragls_settings,
"         \ 'workspace_config': {'ragls': g:ragls_settings}})

if exists('g:loaded_ragls') || !has('channel') || v:version < 900
  finish
endif
let g:loaded_ragls = 1

let g:ragls_command = get(g:, 'ragls_command', ['ragls', 'serve'])
let g:ragls_settings = get(g:, 'ragls_settings', {})
let g:ragls_filetypes = get(g:, 'ragls_filetypes',
      \ ['go', 'python', 'javascript', 'typescript', 'rust', 'java', 'c', 'cpp'])
let g:ragls_root_markers = get(g:, 'ragls_root_markers',
      \ ['.git', 'go.mod', 'pyproject.toml', 'package.json', 'Cargo.toml'])
" Milliseconds to wait for a code action or completion: the model may be slow.
let g:ragls_timeout = get(g:, 'ragls_timeout', 60000)

let s:job = v:null
let s:ch = v:null
let s:utf8 = 0        " positions are byte columns (negotiated), else UTF-16 (approximated by characters)
let s:open = {}       " bufnr -> [version, changedtick sent]
let g:ragls_exit = v:null

function! s:Root(path) abort
  let dir = fnamemodify(a:path, ':p:h')
  let best = ''
  for m in g:ragls_root_markers
    for hit in [finddir(m, dir . ';'), findfile(m, dir . ';')]
      if hit !=# ''
        let root = fnamemodify(substitute(fnamemodify(hit, ':p'), '/$', '', ''), ':h')
        if len(root) > len(best)
          let best = root
        endif
      endif
    endfor
  endfor
  return best ==# '' ? dir : best
endfunction

function! s:Uri(path) abort
  let p = fnamemodify(a:path, ':p')
  return 'file://' . substitute(p, '[^A-Za-z0-9/._~-]', '\=s:Escape(submatch(0))', 'g')
endfunction

" s:Escape percent-encodes each byte of a character's UTF-8 form.
function! s:Escape(c) abort
  let out = ''
  for i in range(len(a:c))
    let out .= printf('%%%02X', char2nr(a:c[i]))
  endfor
  return out
endfunction

function! RaglsRunning() abort
  return s:ch isnot v:null && ch_status(s:ch) ==# 'open'
endfunction

" RaglsStart starts the server for the workspace of the current buffer and opens the buffer.
function! RaglsStart() abort
  if !RaglsRunning()
    let root = s:Root(expand('%:p'))
    let s:job = job_start(g:ragls_command, {
          \ 'in_mode': 'lsp', 'out_mode': 'lsp', 'err_mode': 'nl',
          \ 'out_cb': function('s:OnMessage'),
          \ 'err_cb': {ch, line -> 0},
          \ 'exit_cb': function('s:OnExit'),
          \ 'noblock': 1})
    if job_status(s:job) !=# 'run'
      echoerr 'ragls: cannot start ' . string(g:ragls_command)
      return
    endif
    let s:ch = job_getchannel(s:job)
    let s:open = {}
    let resp = ch_evalexpr(s:ch, {'method': 'initialize', 'params': {
          \ 'processId': getpid(),
          \ 'clientInfo': {'name': 'vim', 'version': string(v:version)},
          \ 'rootUri': s:Uri(root),
          \ 'workspaceFolders': [{'uri': s:Uri(root), 'name': fnamemodify(root, ':t')}],
          \ 'initializationOptions': g:ragls_settings,
          \ 'capabilities': s:Capabilities()}}, {'timeout': 10000})
    if empty(resp) || has_key(resp, 'error')
      echoerr 'ragls: initialize failed: ' . string(resp)
      return
    endif
    let s:utf8 = get(resp.result.capabilities, 'positionEncoding', 'utf-16') ==# 'utf-8'
    call ch_sendexpr(s:ch, {'method': 'initialized', 'params': {}})
  endif
  call s:DidOpen(bufnr('%'))
endfunction

function! s:Capabilities() abort
  return {
        \ 'general': {'positionEncodings': ['utf-8', 'utf-16']},
        \ 'window': {'workDoneProgress': v:true},
        \ 'workspace': {'applyEdit': v:true, 'configuration': v:true, 'workspaceFolders': v:true},
        \ 'textDocument': {
        \   'synchronization': {'didSave': v:true},
        \   'hover': {'contentFormat': ['plaintext', 'markdown']},
        \   'completion': {'completionItem': {'snippetSupport': v:false}},
        \   'codeAction': {
        \     'codeActionLiteralSupport': {'codeActionKind': {'valueSet': ['', 'quickfix', 'refactor', 'refactor.rewrite']}},
        \     'dataSupport': v:true,
        \     'resolveSupport': {'properties': ['edit']}}}}
endfunction

function! s:Text(bufnr) abort
  return join(getbufline(a:bufnr, 1, '$'), "\n") . "\n"
endfunction

function! s:DidOpen(bufnr) abort
  if !RaglsRunning() || has_key(s:open, a:bufnr) || bufname(a:bufnr) ==# ''
    return
  endif
  let s:open[a:bufnr] = [1, getbufvar(a:bufnr, 'changedtick')]
  call ch_sendexpr(s:ch, {'method': 'textDocument/didOpen', 'params': {'textDocument': {
        \ 'uri': s:Uri(bufname(a:bufnr)), 'languageId': getbufvar(a:bufnr, '&filetype'),
        \ 'version': 1, 'text': s:Text(a:bufnr)}}})
  call setbufvar(a:bufnr, '&omnifunc', 'RaglsComplete')
endfunction

" RaglsSync sends the buffer's text if it changed since ragls last saw it (whole-document
" changes: simple, and cheap for the buffers one edits by hand).
function! RaglsSync(bufnr) abort
  if !RaglsRunning() || !has_key(s:open, a:bufnr)
    return
  endif
  let [vers, tick] = s:open[a:bufnr]
  if tick == getbufvar(a:bufnr, 'changedtick')
    return
  endif
  let s:open[a:bufnr] = [vers + 1, getbufvar(a:bufnr, 'changedtick')]
  call ch_sendexpr(s:ch, {'method': 'textDocument/didChange', 'params': {
        \ 'textDocument': {'uri': s:Uri(bufname(a:bufnr)), 'version': vers + 1},
        \ 'contentChanges': [{'text': s:Text(a:bufnr)}]}})
endfunction

function! s:DidClose(bufnr) abort
  if RaglsRunning() && has_key(s:open, a:bufnr)
    call remove(s:open, a:bufnr)
    call ch_sendexpr(s:ch, {'method': 'textDocument/didClose', 'params': {'textDocument': {'uri': s:Uri(bufname(a:bufnr))}}})
  endif
endfunction

function! s:DidSave(bufnr) abort
  if RaglsRunning() && has_key(s:open, a:bufnr)
    call RaglsSync(a:bufnr)
    call ch_sendexpr(s:ch, {'method': 'textDocument/didSave', 'params': {'textDocument': {'uri': s:Uri(bufname(a:bufnr))}}})
  endif
endfunction

" s:Col converts a 1-based byte column of a line to an LSP character offset, and back.
function! s:ToLsp(line, col) abort
  return s:utf8 ? a:col - 1 : strchars(strpart(a:line, 0, a:col - 1))
endfunction

function! s:FromLsp(line, character) abort
  return s:utf8 ? a:character : byteidx(a:line, a:character) < 0 ? len(a:line) : byteidx(a:line, a:character)
endfunction

function! s:Position() abort
  return {'line': line('.') - 1, 'character': s:ToLsp(getline('.'), col('.'))}
endfunction

" RaglsRequest sends a request about the current buffer and waits for its result (v:null on
" failure, with the error echoed).
function! RaglsRequest(method, params, ...) abort
  if !RaglsRunning()
    echoerr 'ragls is not running'
    return v:null
  endif
  call RaglsSync(bufnr('%'))
  let resp = ch_evalexpr(s:ch, {'method': a:method, 'params': a:params}, {'timeout': a:0 ? a:1 : g:ragls_timeout})
  if empty(resp)
    echomsg 'ragls: ' . a:method . ' timed out'
    return v:null
  endif
  if has_key(resp, 'error')
    echomsg 'ragls: ' . get(resp.error, 'message', string(resp.error))
    return v:null
  endif
  return get(resp, 'result', v:null)
endfunction

function! RaglsHover() abort
  let r = RaglsRequest('textDocument/hover', {'textDocument': {'uri': s:Uri(expand('%:p'))}, 'position': s:Position()}, 5000)
  if type(r) != v:t_dict
    return ''
  endif
  let text = type(r.contents) == v:t_dict ? r.contents.value : string(r.contents)
  return text
endfunction

function! s:ShowHover() abort
  let text = RaglsHover()
  if text ==# ''
    echo 'ragls: nothing known here'
  elseif exists('*popup_atcursor') && !has('gui_running') && &term !=# ''
    call popup_atcursor(split(text, "\n"), {'border': []})
  else
    echo text
  endif
endfunction

" RaglsCodeActions lists ragls's actions for lines l1..l2 (the cursor when l1 == l2 == 0),
" with the given diagnostics in the context.
function! RaglsCodeActions(l1, l2, diagnostics) abort
  if a:l1 == 0
    let start = s:Position()
    let end = start
  else
    let start = {'line': a:l1 - 1, 'character': 0}
    let end = {'line': a:l2, 'character': 0}
  endif
  let r = RaglsRequest('textDocument/codeAction', {'textDocument': {'uri': s:Uri(expand('%:p'))},
        \ 'range': {'start': start, 'end': end}, 'context': {'diagnostics': a:diagnostics}}, 5000)
  return type(r) == v:t_list ? r : []
endfunction

" RaglsRunAction computes a listed action and applies its edit; it returns 1 when it did.
function! RaglsRunAction(action) abort
  let a = a:action
  if has_key(a, 'data') && !has_key(a, 'edit')
    let a = RaglsRequest('codeAction/resolve', a)
    if type(a) != v:t_dict
      return 0
    endif
  endif
  let applied = 0
  if has_key(a, 'edit')
    let applied = s:ApplyWorkspaceEdit(a.edit)
  endif
  let cmd = get(a, 'command', v:null)
  if type(cmd) == v:t_dict
    " Asynchronous: ragls may answer with workspace/applyEdit or a message first.
    call ch_sendexpr(s:ch, {'method': 'workspace/executeCommand',
          \ 'params': {'command': cmd.command, 'arguments': get(cmd, 'arguments', [])}},
          \ {'callback': {ch, resp -> has_key(resp, 'error') ? s:Echo(resp.error.message) : 0}})
  endif
  return applied
endfunction

function! s:Echo(msg) abort
  echomsg a:msg
endfunction

function! s:PickAction(l1, l2, range) abort
  let actions = a:range ? RaglsCodeActions(a:l1, a:l2, []) : RaglsCodeActions(0, 0, [])
  if empty(actions)
    echo 'ragls: no actions here'
    return
  endif
  let choice = inputlist(['ragls actions:'] + map(copy(actions), {i, a -> (i + 1) . '. ' . a.title}))
  if choice >= 1 && choice <= len(actions)
    call RaglsRunAction(actions[choice - 1])
  endif
endfunction

" s:ApplyTextEdits applies LSP text edits to a buffer, last first so earlier positions hold.
function! s:ApplyTextEdits(bufnr, edits) abort
  let edits = sort(copy(a:edits), {a, b -> a.range.start.line != b.range.start.line
        \ ? b.range.start.line - a.range.start.line : b.range.start.character - a.range.start.character})
  for e in edits
    let lines = getbufline(a:bufnr, 1, '$')
    let sl = e.range.start.line
    let el = e.range.end.line
    if sl >= len(lines)
      " After the last newline: append.
      call appendbufline(a:bufnr, '$', split(substitute(e.newText, '\n$', '', ''), "\n", 1))
      continue
    endif
    let first = lines[sl]
    let last = el < len(lines) ? lines[el] : ''
    let prefix = strpart(first, 0, s:FromLsp(first, e.range.start.character))
    let suffix = el < len(lines) ? strpart(last, s:FromLsp(last, e.range.end.character)) : ''
    let el = min([el, len(lines) - 1])
    let new = split(prefix . e.newText . suffix, "\n", 1)
    let old = el - sl + 1
    if len(new) >= old
      call setbufline(a:bufnr, sl + 1, new[: old - 1])
      if len(new) > old
        call appendbufline(a:bufnr, sl + old, new[old :])
      endif
    else
      call setbufline(a:bufnr, sl + 1, new)
      call deletebufline(a:bufnr, sl + 1 + len(new), el + 1)
    endif
  endfor
endfunction

" s:PathOf decodes a file URI; each %XX is one byte of the UTF-8 path.
function! s:PathOf(uri) abort
  return substitute(substitute(a:uri, '^file://', '', ''), '%\(\x\x\)', '\=eval(''"\x'' . submatch(1) . ''"'')', 'g')
endfunction

function! s:ApplyWorkspaceEdit(edit) abort
  let todo = []
  for [uri, edits] in items(get(a:edit, 'changes', {}))
    call add(todo, [uri, edits])
  endfor
  for dc in get(a:edit, 'documentChanges', [])
    if has_key(dc, 'textDocument')
      call add(todo, [dc.textDocument.uri, dc.edits])
    endif
  endfor
  for [uri, edits] in todo
    let path = s:PathOf(uri)
    let b = bufnr(path)
    if b < 0
      let b = bufadd(path)
    endif
    call bufload(b)
    call s:ApplyTextEdits(b, edits)
    call RaglsSync(b)
  endfor
  return !empty(todo)
endfunction

" RaglsComplete is the omnifunc: the model's completion at the cursor.
function! RaglsComplete(findstart, base) abort
  if a:findstart
    let line = getline('.')[: col('.') - 2]
    return col('.') - 1 - len(matchstr(line, '\k*$'))
  endif
  let r = RaglsRequest('textDocument/completion', {'textDocument': {'uri': s:Uri(expand('%:p'))}, 'position': s:Position()})
  let items = type(r) == v:t_dict ? get(r, 'items', []) : type(r) == v:t_list ? r : []
  let out = []
  for it in items
    let word = has_key(it, 'textEdit') ? it.textEdit.newText : get(it, 'insertText', it.label)
    call add(out, {'word': word, 'abbr': it.label, 'menu': get(it, 'detail', ''), 'dup': 1})
  endfor
  return out
endfunction

" s:OnMessage handles what the server sends on its own: notifications and requests.
function! s:OnMessage(ch, msg) abort
  let method = get(a:msg, 'method', '')
  if method ==# '$/progress'
    let g:ragls_progress = a:msg.params.value
    let v = g:ragls_progress
    echo 'ragls: ' . get(v, 'title', '') . ' ' . get(v, 'message', '')
    if exists('#User#RaglsProgress')
      doautocmd <nomodeline> User RaglsProgress
    endif
  elseif method ==# 'window/showMessage' || method ==# 'window/logMessage'
    let g:ragls_message = a:msg.params
    if method ==# 'window/showMessage'
      echomsg a:msg.params.message
      if exists('#User#RaglsMessage')
        doautocmd <nomodeline> User RaglsMessage
      endif
    endif
  endif
  if !has_key(a:msg, 'id') || method ==# ''
    return
  endif
  " A request from the server: every one gets an answer.
  let result = v:null
  if method ==# 'workspace/configuration'
    let result = map(copy(a:msg.params.items), {_, it -> get(it, 'section', '') ==# 'ragls' ? g:ragls_settings : v:null})
  elseif method ==# 'workspace/applyEdit'
    let result = {'applied': s:ApplyWorkspaceEdit(a:msg.params.edit) ? v:true : v:false}
  elseif method ==# 'workspace/workspaceFolders'
    let result = []
  endif
  call ch_sendexpr(a:ch, {'id': a:msg.id, 'result': result})
endfunction

function! s:OnExit(job, status) abort
  let g:ragls_exit = a:status
  let s:ch = v:null
endfunction

" RaglsStop shuts the server down and waits (up to two seconds) for it to exit.
function! RaglsStop() abort
  if !RaglsRunning()
    return
  endif
  call ch_evalexpr(s:ch, {'method': 'shutdown'}, {'timeout': 5000})
  call ch_sendexpr(s:ch, {'method': 'exit'})
  let n = 0
  while job_status(s:job) ==# 'run' && n < 200
    sleep 10m
    let n += 1
  endwhile
  let g:ragls_exit = job_info(s:job).exitval
endfunction

command! RaglsStart call RaglsStart()
command! RaglsStop call RaglsStop()
command! RaglsHover call s:ShowHover()
command! -range=0 RaglsActions call s:PickAction(<line1>, <line2>, <count>)

augroup ragls
  autocmd!
  execute 'autocmd FileType ' . join(g:ragls_filetypes, ',') . ' call RaglsStart()'
  autocmd TextChanged,InsertLeave * call RaglsSync(str2nr(expand('<abuf>')))
  autocmd BufWritePost * call s:DidSave(str2nr(expand('<abuf>')))
  autocmd BufUnload * call s:DidClose(str2nr(expand('<abuf>')))
  autocmd VimLeavePre * call RaglsStop()
augroup END
