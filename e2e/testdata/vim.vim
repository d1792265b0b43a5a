" Drives ragls from Vim 9 in silent Ex mode through the shipped editors/vim/ragls.vim, then
" writes what it saw as JSON to the plan's result file. Run: vim -Nu NONE -i NONE -es -S vim.vim
" with RAGLS_E2E_PLAN set (see e2e/vim_test.go).
let s:plan = json_decode(getenv('RAGLS_E2E_PLAN'))
let s:out = {'progress': [], 'messages': [], 'errors': [], 'actions': [], 'completion': []}

let g:ragls_command = s:plan.server
let g:ragls_settings = s:plan.settings
let g:ragls_timeout = s:plan.actionTimeout
execute 'source ' . fnameescape(s:plan.plugin . '/ragls.vim')
autocmd User RaglsProgress call add(s:out.progress, g:ragls_progress.kind)
autocmd User RaglsMessage call add(s:out.messages, g:ragls_message.message)
filetype on

function! s:Wait(ms, cond) abort
  let n = 0
  while !eval(a:cond) && n < a:ms / 10
    sleep 10m
    let n += 1
  endwhile
  return eval(a:cond)
endfunction

function! s:Goto(pos) abort
  call cursor(a:pos.line + 1, a:pos.character + 1)
endfunction

function! s:Main() abort
  execute 'edit ' . fnameescape(s:plan.file)
  if !RaglsRunning()
    throw 'ragls did not start for ' . s:plan.file
  endif
  let s:out.before = join(getline(1, '$'), "\n") . "\n"
  if !s:Wait(10000, '!empty(s:out.progress) && s:out.progress[-1] ==# "end"')
    call add(s:out.errors, 'no end of indexing progress: ' . string(s:out.progress))
  endif

  call s:Goto(s:plan.hover)
  let s:out.hover = RaglsHover()
  " The user's command too (it echoes: no popups without a terminal).
  silent RaglsHover

  call s:Goto(s:plan.action)
  let actions = RaglsCodeActions(0, 0, [s:plan.diagnostic])
  let s:out.actions = map(copy(actions), 'v:val.title')
  let doc = filter(copy(actions), 'v:val.title ==# "ragls: Document function"')
  if empty(doc)
    throw 'no "ragls: Document function" action'
  endif
  if !RaglsRunAction(doc[0])
    call add(s:out.errors, 'Document function applied no edit')
  endif
  let s:out.after = join(getline(1, '$'), "\n") . "\n"
  call s:Goto(s:plan.hoverAfter)
  let s:out.hoverAfter = RaglsHover()

  call s:Goto(s:plan.completion)
  call RaglsComplete(1, '')
  let s:out.completion = map(RaglsComplete(0, ''), 'v:val.abbr')
endfunction

try
  call s:Main()
catch
  call add(s:out.errors, v:exception . ' at ' . v:throwpoint)
endtry
call RaglsStop()
if g:ragls_exit is v:null
  call add(s:out.errors, 'ragls serve did not exit')
else
  let s:out.serverExit = g:ragls_exit
endif
call writefile([json_encode(s:out)], s:plan.result)
qall!
