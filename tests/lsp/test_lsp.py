"""test_lsp.py — `qrc lsp` driven over pipes by a scripted client: the protocol, diagnostics with their
exact ranges, completion, hover, definition, formatting, symbols, model-bound checks, bad input.

Usage: test_lsp.py QRC. Prints one line per check and ends with "N passed, N failed".
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lspclient import Client, pos, uri_of  # noqa: E402

QRC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/qrc")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(REPO, "recipes", "models", "fmnist_cnn.onnx")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


RECIPE = """import "base.q";

model "%s" {
  input image: float32[N, 1, 28, 28];
}

prepare {
  method symbolic;
  exclude modules "conv1";
  exclude ops Relu;
}

qconfig {
  module "fc2": act int16;
  default: act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  scheme tf_enhanced;
  rounding nearest;
}

calibrate {
  data image = "calib.npy";
  samples 512;
}
""" % MODEL

BASE = """export { dir "out"; }
"""


def labels(resp):
    res = resp.get("result") or {}
    return [i["label"] for i in (res.get("items", []) if isinstance(res, dict) else res)]


def complete(c, path, p):
    return c.request("textDocument/completion", {"textDocument": {"uri": uri_of(path)}, "position": p})


def test_protocol_errors(tmp):
    c = Client(QRC, cwd=tmp)
    r = c.request("textDocument/hover", {})
    check("request before initialize: ServerNotInitialized", r.get("error", {}).get("code") == -32002, r)
    c.initialize(tmp)
    c.raw(b"Content-Type: text/plain\r\n\r\n")
    r = c.response(None)
    check("header without Content-Length: parse error", r.get("error", {}).get("code") == -32700 and r["id"] is None, r)
    c.raw(b"Content-Length: 9\r\n\r\n{not json")
    r = c.response(None)
    check("malformed JSON: parse error", r.get("error", {}).get("code") == -32700, r)
    c.raw(c.frame([1, 2, 3]))
    r = c.response(None)
    check("a JSON array: invalid request", r.get("error", {}).get("code") == -32600, r)
    r = c.request("textDocument/frobnicate", {})
    check("unknown method: MethodNotFound", r.get("error", {}).get("code") == -32601, r)
    c.notify("$/cancelRequest", {"id": 99})
    c.notify("workspace/unknownNotification", {})
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.q"}, "position": {"line": 0, "character": 0}})
    check("hover on a document never opened: InvalidParams", r.get("error", {}).get("code") == -32602, r)
    r = c.request("textDocument/completion", {"textDocument": {"uri": 7}, "position": "x"})
    check("bad params: an error, not a crash", r.get("error", {}).get("code") == -32602, r)
    huge = b"Content-Length: %d\r\n\r\n" % (48 << 20)
    c.raw(huge)
    chunk = b" " * (1 << 20)
    for _ in range(48):
        c.raw(chunk)
    r = c.response(None, timeout=60)
    check("a 48 MiB message: refused with an error", r.get("error", {}).get("code") == -32600 and "over the limit" in r["error"]["message"], r)
    # a large but acceptable document (about 1 MB of recipe) still works afterwards
    path = os.path.join(tmp, "big.q")
    text = RECIPE.replace('import "base.q";\n', "") + "".join("# filler comment line %d\n" % i for i in range(40000))
    c.open(path, text)
    d = c.diagnostics(uri_of(path))
    check("a 1 MB document after the refused message: diagnosed", d["diagnostics"] == [], d["diagnostics"][:2])
    c.raw(b"Content-Length: 5\r\n\r\n{}")   # body cut short by the end of input
    code = c.close_pipes()
    check("end of input without shutdown: exit status 1", code == 1, code)


def test_session(tmp):
    with open(os.path.join(tmp, "base.q"), "w") as f:
        f.write(BASE)
    path = os.path.join(tmp, "r.q")
    uri = uri_of(path)
    c = Client(QRC, cwd=tmp)
    init = c.initialize(tmp)
    caps = init["result"]["capabilities"]
    check("initialize: capabilities", caps["textDocumentSync"]["change"] == 1 and caps["hoverProvider"]
          and caps["completionProvider"] and caps["definitionProvider"] and caps["documentFormattingProvider"]
          and caps["documentSymbolProvider"], caps)

    broken = RECIPE.replace("samples 512;", "sampels 512;").replace("rounding nearest;", "rounding nearst;")
    c.open(path, broken)
    d = c.diagnostics(uri)["diagnostics"]
    want = [
        ({"start": pos(broken, "nearst"), "end": pos(broken, "nearst", 6)}, "unknown rounding mode"),
        ({"start": pos(broken, "sampels"), "end": pos(broken, "sampels", 7)}, "unknown key 'sampels' in 'calibrate'"),
    ]
    got = [(x["range"], x["message"]) for x in d]
    ok = len(d) == 2 and all(any(g[0] == w[0] and w[1] in g[1] for g in got) for w in want)
    check("didOpen of a broken recipe: two errors at their exact ranges", ok, d)
    check("diagnostics carry the hint", any("hint: did you mean 'samples'?" in x["message"] for x in d), d)
    check("severity error", all(x["severity"] == 1 for x in d), d)
    dm = c.diagnostics(uri)["diagnostics"]
    check("model-bound checks publish again with the model loaded", len(dm) == 2, dm)

    fixed = RECIPE
    c.change(path, fixed, 2)
    p = c.diagnostics(uri, 2)
    check("didChange fixing it: empty diagnostics", p["diagnostics"] == [] and p["version"] == 2, p)
    p = c.diagnostics(uri, 2)
    check("... and the model-bound checks agree", p["diagnostics"] == [], p)

    # an error in an imported file lands on the import line
    with open(os.path.join(tmp, "base.q"), "w") as f:
        f.write('export { dri "out"; }\n')
    c.change(path, fixed + "\n", 3)
    d = c.diagnostics(uri, 3)["diagnostics"]
    imp = {"start": pos(fixed, '"base.q"'), "end": pos(fixed, ";")}
    ok = len(d) == 1 and d[0]["range"]["start"] == imp["start"] and "in imported file" in d[0]["message"] \
        and "unknown key 'dri'" in d[0]["message"] and d[0]["relatedInformation"][0]["location"]["uri"] == uri_of(os.path.join(tmp, "base.q"))
    check("imported file's error attached to the import line", ok, d)
    with open(os.path.join(tmp, "base.q"), "w") as f:
        f.write(BASE)
    c.diagnostics(uri, 3)
    c.notify("textDocument/didSave", {"textDocument": {"uri": uri_of(os.path.join(tmp, "base.q"))}})
    p = c.diagnostics(uri, 3)
    check("saving the imported file checks the importing document again", p["diagnostics"] == [], p)
    c.diagnostics(uri, 3)

    # model-bound checks: a selector matching nothing, an op type absent, a misspelled module
    bound = fixed.replace('exclude modules "conv1";', 'exclude modules "cnov1", re"fc[0-9]";').replace(
        "exclude ops Relu;", "exclude ops Softmax;")
    c.change(path, bound, 4)
    d0 = c.diagnostics(uri, 4)["diagnostics"]
    d = c.diagnostics(uri, 4)["diagnostics"]
    sel = [x for x in d if "cnov1" in x["message"]]
    ops = [x for x in d if "Softmax" in x["message"]]
    check("no model-bound errors before the model is consulted", d0 == [], d0)
    check("selector matching nothing: error on the selector with the closest names",
          len(sel) == 1 and sel[0]["range"] == {"start": pos(bound, '"cnov1"'), "end": pos(bound, '"cnov1"', 7)}
          and '"conv1"' in sel[0]["message"], d)
    check("a regex that matches: no error", not any("fc[0-9]" in x["message"] for x in d), d)
    check("op type absent from the model: error", len(ops) == 1 and ops[0]["range"]["start"] == pos(bound, "Softmax"), d)
    c.change(path, fixed, 5)
    c.diagnostics(uri, 5)
    c.diagnostics(uri, 5)

    # completion
    t = fixed
    check("completion at the top level: sections",
          {"model", "prepare", "qconfig", "calibrate", "export"} <= set(labels(complete(c, path, {"line": 1, "character": 0}))))
    got = labels(complete(c, path, pos(t, "  samples", 2)))
    check("completion at a key in calibrate: its keys", {"data", "samples", "batch", "seed", "encodings"} == set(got), got)
    got = labels(complete(c, path, pos(t, "rounding ", 9)))
    check("completion of rounding's values", got == ["nearest", "stochastic"], got)
    got = labels(complete(c, path, pos(t, "method ", 7)))
    check("completion of prepare methods", set(got) == {"eager", "symbolic", "jit", "jit_strip"}, got)
    got = labels(complete(c, path, pos(t, "scheme ", 7)))
    check("completion of schemes", {"tf", "tf_enhanced", "percentile", "mse"} <= set(got), got)
    got = labels(complete(c, path, pos(t, "float32[", 0)))
    check("completion of dtypes after 'input NAME:'", {"float32", "int8", "uint8", "float16"} <= set(got), got)
    got = labels(complete(c, path, pos(t, "Relu", 0)))
    check("completion of op types: the model's first, then ONNX's", got[:6] == sorted(got[:6]) and "Conv" in got[:6]
          and "Softmax" in got and "LayerNorm" in got, got[:10])
    r = complete(c, path, pos(t, '"conv1"', 1))
    got = labels(r)
    check("completion of module names inside a selector string",
          {"conv1", "conv2", "fc1", "fc2", "bn1"} <= set(got) and "Conv" not in got, got)
    edit = r["result"]["items"][0]["textEdit"]["range"]
    check("module completion replaces the string's text before the cursor",
          edit == {"start": pos(t, '"conv1"', 1), "end": pos(t, '"conv1"', 1)}, edit)
    got = labels(complete(c, path, pos(t, "act int16", 0)))
    check("completion after a qconfig selector: settings", {"act", "weight", "int8", "per_channel", "symmetric"} <= set(got), got)
    got = labels(complete(c, path, pos(t, "image =", 0)))
    check("completion of a data binding's input: the model's inputs", got == ["image"], got)
    tq = t.replace("  method symbolic;", "  method jit_strip;\n  quantize from ")
    c.change(path, tq, 51)
    c.diagnostics(uri, 51)
    r = complete(c, path, pos(tq, "quantize from ", 14))
    items = {i["label"]: i.get("insertText") for i in r["result"]["items"]}
    check("completion after 'quantize from': tensors and modules, quoted where a name is not plain",
          items.get("/conv1/Conv_output_0") == '"/conv1/Conv_output_0"' and "conv1" in items
          and items.get("image", "bare") is None, list(items.items())[:5])
    got = labels(complete(c, path, pos(tq, "quantize from", 9)))
    check("completion after 'quantize': from, to", got == ["from", "to"], got)
    c.change(path, t, 52)
    c.diagnostics(uri, 52)

    # hover
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(t, "samples", 2)})["result"]
    check("hover on a key: the README's reference text", "(default 512)" in h["contents"]["value"]
          and h["range"] == {"start": pos(t, "samples"), "end": pos(t, "samples", 7)}, h)
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(t, "calibrate", 1)})["result"]
    readme = open(os.path.join(REPO, "README.md")).read()
    check("hover on a section: the README text, verbatim", h["contents"]["value"].split("\n")[0] in readme
          and "calibrate" in h["contents"]["value"], h)
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(t, "tf_enhanced", 1)})["result"]
    check("hover on a value: its key's reference and the list of values",
          "`scheme SCHEME;`" in h["contents"]["value"] and "`tf_enhanced`" in h["contents"]["value"], h)
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(t, "conv1", 2)})["result"]
    check("hover on a module name: the ops it holds", h and "Conv" in h["contents"]["value"] and "module" in h["contents"]["value"], h)
    check("... and the qconfig rule deciding them (the default here)",
          "`default: act uint8 asymmetric, weight int8 symmetric per_channel;`" in h["contents"]["value"], h)
    h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos(t, '"fc2"', 2)})["result"]
    check("hover on a module a rule names: that rule", 'r.q:14): `module "fc2": act int16;`' in h["contents"]["value"]
          and "Gemm" in h["contents"]["value"], h)

    # definition
    r = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos(t, "base.q", 1)})["result"]
    check("definition on import \"path\": the imported file", r and r["uri"] == uri_of(os.path.join(tmp, "base.q")), r)
    with open(os.path.join(tmp, "inputs.q"), "w") as f:
        f.write('model "%s" {\n  input image: float32[N, 1, 28, 28];\n}\n' % MODEL)
    t2 = 'import "inputs.q";\n\ncalibrate {\n  data image = "calib.npy";\n}\n'
    path2 = os.path.join(tmp, "r2.q")
    c.open(path2, t2)
    c.diagnostics(uri_of(path2))
    r = c.request("textDocument/definition", {"textDocument": {"uri": uri_of(path2)}, "position": pos(t2, "image", 1)})["result"]
    check("definition on a name declared in an imported file", r and r["uri"] == uri_of(os.path.join(tmp, "inputs.q"))
          and r["range"]["start"] == {"line": 1, "character": 8}, r)

    # formatting through fmt
    ugly = fixed.replace("  samples 512;", "samples    512 ;").replace("  rounding nearest;", "      rounding nearest;")
    c.change(path, ugly, 6)
    c.diagnostics(uri, 6)
    r = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    edits = r["result"]
    with open(os.path.join(tmp, "ugly.q"), "w") as f:
        f.write(ugly)
    want = subprocess.run([QRC, "fmt", os.path.join(tmp, "ugly.q")], capture_output=True, text=True).stdout
    check("formatting: one edit with qrc fmt's output", len(edits) == 1 and edits[0]["newText"] == want
          and edits[0]["range"]["start"] == {"line": 0, "character": 0}, edits)
    c.change(path, want, 7)
    c.diagnostics(uri, 7)
    r = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {}})
    check("formatting a canonical recipe: no edits", r["result"] == [], r)
    c.change(path, fixed + "calibrate {", 8)
    c.diagnostics(uri, 8)
    r = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {}})
    check("formatting with syntax errors: a request error", r.get("error", {}).get("code") == -32803, r)

    # symbols
    c.change(path, fixed, 9)
    c.diagnostics(uri, 9)
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})["result"]
    names = [s["name"] for s in syms]
    check("document symbols: the sections", names[0] == 'import "base.q"' and names[1].startswith("model ")
          and names[2:] == ["prepare", "qconfig", "quantsim", "calibrate"], names)
    check("document symbols: keys as children", [k["name"] for k in syms[5]["children"]] == ['data image', "samples 512"],
          syms[5])

    # UTF-16 columns: a diagnostic after a non-BMP character and an accented one
    c.change(path, fixed.replace("  samples 512;", "  /* é😀 */ sampels 512; # a comment"), 10)
    d = c.diagnostics(uri, 10)["diagnostics"]
    t3 = fixed.replace("  samples 512;", "  /* é😀 */ sampels 512; # a comment")
    got = labels(complete(c, path, pos(t3, "a comment", 2)))
    check("completion in a comment: nothing", got == [], got)
    check("ranges count UTF-16 code units (2 + 3 + 1 + 2 + 4 before the key)",
          d and d[0]["range"] == {"start": pos(t3, "sampels"), "end": pos(t3, "sampels", 7)}
          and d[0]["range"]["start"]["character"] == 12, d)

    r = c.request("shutdown")
    check("shutdown: null result", "result" in r and r["result"] is None, r)
    r = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    check("a request after shutdown: InvalidRequest", r.get("error", {}).get("code") == -32600, r)
    c.notify("exit")
    code = c.proc.wait(10)
    check("exit after shutdown: status 0", code == 0, code)


def test_model_cache(tmp):
    """A model is read once while it is unchanged, and again when its file changes."""
    import shutil
    model = os.path.join(tmp, "m.onnx")
    shutil.copy(MODEL, model)
    text = RECIPE.replace(MODEL, model).replace('import "base.q";\n', "")
    path = os.path.join(tmp, "cache.q")
    c = Client(QRC, cwd=tmp)
    c.initialize(tmp)
    c.open(path, text)
    c.diagnostics(uri_of(path))
    c.diagnostics(uri_of(path))
    with open(model, "wb") as f:
        f.write(b"not a model")
    os.utime(model, (1, 1))
    c.change(path, text, 2)
    c.diagnostics(uri_of(path))
    d = c.diagnostics(uri_of(path))["diagnostics"]
    check("a changed model is loaded again (and its error shown on the model line)",
          len(d) == 1 and "does not load" in d[0]["message"] and d[0]["range"]["start"]["line"] == 1, d)
    c.request("shutdown")
    c.notify("exit")
    c.proc.wait(10)


with tempfile.TemporaryDirectory() as tmp:
    for t in (test_protocol_errors, test_session, test_model_cache):
        try:
            t(tmp)
        except Exception as e:  # a crash of the server or the client is one failure, and the rest still run
            import traceback
            traceback.print_exc()
            check(t.__name__ + " ran to the end", False, repr(e))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
