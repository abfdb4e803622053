" qrc recipes: *.q files
autocmd BufRead,BufNewFile *.q setfiletype qrc
