"""test_grammars.py — the editor grammars in grammar/editors/ applied to a recipe.

The TextMate grammar (VS Code) is run by a small interpreter of the parts it uses (match, begin/end,
captures, include) with Python's re, whose syntax agrees with Oniguruma for these patterns; the Vim
syntax file is run by headless Neovim. Each checks the scope of a few tokens of recipes/demo.q.
Usage: test_grammars.py. Ends with "N passed, N failed".
"""
import json
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed, failed = passed + bool(ok), failed + (not ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else " " + str(detail)))


def flatten(grammar, patterns):
    out = []
    for p in patterns:
        if "include" in p:
            out += flatten(grammar, grammar["repository"][p["include"][1:]]["patterns"])
        elif "patterns" in p and "match" not in p and "begin" not in p:
            out += flatten(grammar, p["patterns"])
        else:
            out.append(p)
    return out


def tokenize(grammar, text):
    """[(line, col, token text, scope)] for every scoped piece of text."""
    top = flatten(grammar, grammar["patterns"])
    for p in top:
        for k in ("match", "begin", "end"):
            if k in p:
                p["_" + k] = re.compile(p[k])
    tokens, inside = [], None
    for ln, line in enumerate(text.split("\n")):
        i = 0
        while i <= len(line):
            if inside:
                m = inside["_end"].search(line, i)
                end = m.end() if m else len(line)
                tokens.append((ln, i, line[i:end], inside["name"]))
                i = end
                if m:
                    inside = None
                if i >= len(line):
                    break
                continue
            best = None
            for p in top:
                m = (p.get("_match") or p["_begin"]).search(line, i)
                if m and (best is None or m.start() < best[1].start()):
                    best = (p, m)
            if not best or best[1].end() == best[1].start():
                break
            p, m = best
            if "_begin" in p:
                tokens.append((ln, m.start(), m.group(0), p["name"]))
                i = m.end()
                inside = p
                continue
            if "captures" in p:
                for g, cap in p["captures"].items():
                    if m.group(int(g)) is not None:
                        tokens.append((ln, m.start(int(g)), m.group(int(g)), cap["name"]))
            else:
                tokens.append((ln, m.start(), m.group(0), p["name"]))
            i = m.end()
    return tokens


def scope_of(tokens, text, needle):
    idx = text.index(needle)
    ln = text.count("\n", 0, idx)
    col = idx - (text.rfind("\n", 0, idx) + 1)
    for t in tokens:
        if t[0] == ln and t[1] <= col < t[1] + max(1, len(t[2])):
            return t[3]
    return None


demo = open(os.path.join(REPO, "recipes", "demo.q")).read()
with open(os.path.join(REPO, "grammar", "editors", "vscode", "qrc.tmLanguage.json")) as f:
    grammar = json.load(f)
toks = tokenize(grammar, demo)
want = [("# demo.q", "comment.line.number-sign.qrc"), ("model \"", "entity.name.section.qrc"),
        ('"models/', "string.quoted.double.qrc"), ("input image", "variable.other.property.qrc"),
        ("float32", "storage.type.dtype.qrc"), ("calibrate {", "entity.name.section.qrc"),
        ("512;", "constant.numeric.qrc"), ("tf_enhanced", "constant.other.value.qrc"), ("uint8", "storage.type.dtype.qrc")]
for needle, scope in want:
    got = scope_of(toks, demo, needle)
    check("TextMate: %r is %s" % (needle, scope), got == scope, got)
for name in ("package.json", "language-configuration.json"):
    with open(os.path.join(REPO, "grammar", "editors", "vscode", name)) as f:
        check("VS Code %s is valid JSON" % name, json.load(f) is not None)

nvim = shutil.which("nvim")
if not nvim:
    check("Vim syntax: nvim is installed", False, "make deps installs neovim")
else:
    probes = [("# demo.q", "qrcComment"), ("model \"", "qrcSection"), ('"models/', "qrcString"), ("input image", "qrcKey"),
              ("float32", "qrcDtype"), ("512;", "qrcNumber"), ("calibrate {", "qrcSection")]
    lua = "local out = {}\n"
    for needle, _ in probes:
        idx = demo.index(needle)
        ln = demo.count("\n", 0, idx) + 1
        col = idx - (demo.rfind("\n", 0, idx) + 1) + 1
        lua += "table.insert(out, vim.fn.synIDattr(vim.fn.synID(%d, %d, 1), 'name'))\n" % (ln, col)
    lua += "vim.fn.writefile(out, vim.env.OUT)\n"
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "qrc_vim_syntax.%d" % os.getpid())
    script = out + ".lua"
    with open(script, "w") as f:
        f.write(lua)
    rtp = os.path.join(REPO, "grammar", "editors", "vim")
    subprocess.run([nvim, "--headless", "--clean", "-n", "--cmd", "set rtp^=" + rtp, "-c", "filetype on", "-c", "syntax on",
                    "-c", "edit " + os.path.join(REPO, "recipes", "demo.q"), "-c", "luafile " + script, "-c", "qa!"],
                   env=dict(os.environ, OUT=out), timeout=60, capture_output=True)
    got = open(out).read().split("\n") if os.path.exists(out) else []
    for (needle, group), g in zip(probes, got + [None] * len(probes)):
        check("Vim syntax: %r is %s" % (needle, group), g == group, g)
    for p in (out, script):
        if os.path.exists(p):
            os.remove(p)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
