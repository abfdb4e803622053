/* Placeholder grammar: replaced by the recipe language. */
%define api.pure full
%locations
%expect 0
%code requires { typedef void *yyscan_t; }
%param { yyscan_t scanner }
%code { int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner); void yyerror(YYLTYPE *l, yyscan_t s, const char *m); }
%token END 0
%%
recipe: %empty ;
%%
void yyerror(YYLTYPE *l, yyscan_t s, const char *m) { (void)l; (void)s; (void)m; }
