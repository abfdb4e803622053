"""Checks an HTML report as Chromium rendered it (tests/suites/report_html.sh).

report_dom_check.py DOM LAYERS QUANTIZERS RECIPE_HASH  -- the DOM from `chromium --dump-dom`: one SQNR bar
    per layer, two accuracy bars, two weights-vs-activations bars, one histogram with a shaded range per
    quantizer, the sections and the hash.
report_dom_check.py --screenshot PNG  -- the screenshot is not blank: many colors, histogram blue and bar green.
Prints what it found; exit status 1 on a problem."""
import sys
from html.parser import HTMLParser

VOID = {"rect", "line", "img", "meta", "br", "path", "circle"}


class Scoped(HTMLParser):
    """Counts (nearest enclosing id, tag, class) triples."""

    def __init__(self):
        super().__init__()
        self.scopes, self.found = [], {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        scope = a.get("id") or (self.scopes[-1] if self.scopes else None)
        key = (scope, tag, a.get("class"))
        self.found[key] = self.found.get(key, 0) + 1
        if tag not in VOID:
            self.scopes.append(scope)

    def handle_endtag(self, tag):
        if tag not in VOID and self.scopes:
            self.scopes.pop()


def check_dom(path, layers, quantizers, recipe_hash):
    text = open(path, encoding="utf-8").read()
    p = Scoped()
    p.feed(text)

    def count(scope, tag, cls=None):
        return p.found.get((scope, tag, cls), 0)

    problems = []
    if count("sqnr", "rect", "bar") != layers:
        problems.append(f"{count('sqnr', 'rect', 'bar')} SQNR bars for {layers} layers")
    if count("accuracy", "rect", "bar") != 2:
        problems.append("the accuracy chart lacks its two bars")
    hists = count("hists", "svg", "histogram")
    if hists != quantizers:
        problems.append(f"{hists} histograms for {quantizers} quantizers")
    if count("hists", "rect", "range") != quantizers:
        problems.append("a histogram lacks its shaded range")
    if count("hists", "rect", "bin") < 5 * quantizers:
        problems.append("histograms with too few bins drawn")
    if recipe_hash not in text:
        problems.append("the recipe hash is missing")
    if count("split", "rect", "bar") != 2:
        problems.append("the weights vs activations chart lacks its two bars")
    for section in ("summary", "metrics", "quantizers", "provenance", "split-verdict"):
        if f'id="{section}"' not in text:
            problems.append(f"no #{section}")
    print("; ".join(problems) or f"{layers} SQNR bars, {hists} histograms with ranges, all sections")
    return not problems


def check_screenshot(path):
    from PIL import Image

    im = Image.open(path).convert("RGB")
    colors = im.getcolors(1 << 24)
    blue = sum(n for n, c in colors if c == (0x4A, 0x78, 0xB5))
    green = sum(n for n, c in colors if c == (0x3F, 0x9A, 0x4F))
    print(f"{im.size[0]}x{im.size[1]}, {len(colors)} colors, {blue} histogram-blue and {green} bar-green pixels")
    return len(colors) > 20 and blue > 2000 and green > 500


if __name__ == "__main__":
    if sys.argv[1] == "--screenshot":
        ok = check_screenshot(sys.argv[2])
    else:
        ok = check_dom(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    sys.exit(0 if ok else 1)
