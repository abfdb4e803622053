# reference.awk — README.md's "### Reference" section as a C table (lsp_ref_entries, see lsp/reference.h).
#
# The README is the one source of the recipe reference: hover and completion read this generated table.
# A line "**`section ...`** — text" starts a section's entry, a line "- `key ...` — text" a key's entry in
# the current section; lines indented by two spaces continue a key's entry, other lines of text continue
# the section's entry (a new paragraph of it after a blank line or a key's entry).
function esc(s) {
    gsub(/\\/, "\\\\", s)
    gsub(/"/, "\\\"", s)
    gsub(/\n/, "\\n", s)
    return s
}
function first_word(s,    w) {
    w = s
    sub(/^[^`]*`/, "", w)
    sub(/[^A-Za-z0-9_].*$/, "", w)
    return w
}
function syntax(s,    w) {
    w = s
    sub(/^[^`]*`/, "", w)
    sub(/`.*$/, "", w)
    return w
}
BEGIN { inside = 0; n = 0; cur = ""; secidx = 0
        print "/* Generated from README.md by compiler/lsp/reference.awk; do not edit. */"
        print "#include \"lsp/reference.h\""
        print ""
        print "const lsp_ref_entry lsp_ref_entries[] = {" }
/^### Reference/ { inside = 1; next }
inside && /^### / { inside = 0 }
!inside { next }
/^\*\*`/ {
    cur = first_word($0); n++; sec[n] = cur; key[n] = ""; syn[n] = syntax($0); txt[n] = $0; secidx = n; last = n; para = 0; next
}
/^- `/ && cur != "" {
    n++; sec[n] = cur; key[n] = first_word($0); syn[n] = syntax($0); txt[n] = $0; last = n; para = 0; next
}
/^  [^ ]/ && last { t = $0; sub(/^ +/, "", t); txt[last] = txt[last] "\n" t; next }
/^$/ { para = 1; next }
secidx { txt[secidx] = txt[secidx] (para || last != secidx ? "\n\n" : "\n") $0; last = secidx; para = 0 }
END {
    for (i = 1; i <= n; i++) {
        printf "    {\"%s\", %s, \"%s\", \"%s\"},\n", esc(sec[i]), key[i] == "" ? "NULL" : "\"" esc(key[i]) "\"", esc(syn[i]), esc(txt[i])
    }
    print "};"
    print "const size_t lsp_ref_count = sizeof lsp_ref_entries / sizeof *lsp_ref_entries;"
}
