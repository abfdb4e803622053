" Vim syntax file for qrc recipes (*.q): sections, keys, strings, regexes, numbers, dtypes, op types.
" Install: add grammar/editors/vim to 'runtimepath' (it also holds ftdetect/qrc.vim).
if exists("b:current_syntax")
  finish
endif

syn keyword qrcImport import
syn match qrcSection "^\s*\zs\(model\|prepare\|qconfig\|quantsim\|calibrate\|evaluate\|passes\|export\)\>\ze[^:=;]*\({\|\"\|$\)"
syn match qrcKey "^\s*\zs[A-Za-z_][A-Za-z0-9_]*\>" contains=qrcImport,qrcSection
syn keyword qrcBoolean true false
syn match qrcDtype "\<\(u\=int\(4\|5\|6\|7\|8\|9\|10\|11\|12\|13\|14\|15\|16\|32\|64\)\|float\(16\|32\|64\)\=\|bool\)\>"
syn match qrcNumber "-\=\<\d\+\(\.\d\+\)\=\([eE][-+]\=\d\+\)\=%\="
syn match qrcOpType "\<[A-Z][A-Za-z0-9]*\>"
syn match qrcEscape contained "\\[\"\\nt]"
syn region qrcString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=qrcEscape
syn region qrcRegex start=+\<re"+ skip=+\\"+ end=+"+ end=+$+
syn match qrcComment "#.*$" contains=@Spell
syn region qrcComment start="/\*" end="\*/" contains=@Spell

hi def link qrcImport Include
hi def link qrcSection Structure
hi def link qrcKey Identifier
hi def link qrcBoolean Boolean
hi def link qrcDtype Type
hi def link qrcNumber Number
hi def link qrcOpType Function
hi def link qrcEscape SpecialChar
hi def link qrcString String
hi def link qrcRegex String
hi def link qrcComment Comment

let b:current_syntax = "qrc"
