#!/usr/bin/env bash
# Image data in recipes: recipes/images.q (PNG folders, folder labels) gives the very encodings, QDQ
# model and accuracy of the same rows read from .npy; JPEG folders, text and CSV labels work; bad images,
# a missing preprocess block and rows the model cannot take fail naming the file, with nothing written.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
PY=/usr/bin/python3
. tests/suites/named_checks.bash
summary() { grep -E '^  (accuracy|agreement)' "$1"; }

# The same 256 calibration rows and 300 test rows as .npy, in the same order.
cat >"$tmp/npy.q" <<EOF
import "$PWD/recipes/demo.q";
calibrate { samples 256; }
evaluate { samples 300; }
export { dir "$tmp/npy"; prefix "m"; }
EOF
cat >"$tmp/png.q" <<EOF
import "$PWD/recipes/images.q";
export { dir "$tmp/png"; prefix "m"; }
EOF
"$QRC" build "$tmp/npy.q" >"$tmp/npy.out" 2>"$tmp/err"
"$QRC" build "$tmp/png.q" >"$tmp/png.out" 2>>"$tmp/err"
diff <(summary "$tmp/npy.out") <(summary "$tmp/png.out") >"$tmp/d" && [ "$(summary "$tmp/png.out" | wc -l)" -eq 2 ]
check "images.q: accuracy equals the .npy rows' ($(grep accuracy "$tmp/png.out" | sed 's/^ *accuracy *//'))" $? \
    "$(cat "$tmp/d") $(tail -2 "$tmp/err")"
cmp -s "$tmp/npy/m.encodings" "$tmp/png/m.encodings" && cmp -s "$tmp/npy/m.onnx" "$tmp/png/m.onnx"
check "images.q: encodings and QDQ model byte-identical to the .npy build" $? "differ"
grep -q '^  images  *image: 300 files, gray, resize exact 28x28, unit, mean 0.286, std 0.353, NCHW, labels from folders' \
    "$tmp/png.out" && grep -q 'labels from folders' "$tmp/png/m.report.json" &&
    grep -q '"calibrate: 256 images from .*fmnist_png/calib/00000.png": "[0-9a-f]\{64\}"' "$tmp/png/m.report.json"
check "the preprocessing is in the summary and the report, the image list hashed as one" $? "$(grep images "$tmp/png.out")"
"$QRC" plan recipes/images.q | grep -q '^preprocess image (recipes/images.q:8:12)'
check "qrc plan prints the preprocess block" $? "$("$QRC" plan recipes/images.q | grep -A3 preprocess)"

# JPEG copies, text labels in image order, CSV labels by file name: the same accuracy.
"$PY" - "$tmp" <<'EOF'
import os, sys
from PIL import Image
root = sys.argv[1]
src = "recipes/data/fmnist_png/test"
order = []
for cls in sorted(os.listdir(src)):
    for f in sorted(os.listdir(os.path.join(src, cls))):
        order.append((cls, f))
os.makedirs(f"{root}/flat", exist_ok=True)
os.makedirs(f"{root}/jpg", exist_ok=True)
with open(f"{root}/labels.txt", "w") as t, open(f"{root}/labels.csv", "w") as c:
    c.write("file,label\n")
    for cls, f in order:
        im = Image.open(os.path.join(src, cls, f))
        im.save(f"{root}/flat/{cls}_{f}")
        os.makedirs(f"{root}/jpg/{cls}", exist_ok=True)
        im.convert("RGB").save(f"{root}/jpg/{cls}/{f[:-4]}.jpg", quality=100, subsampling=0)
        t.write(f"{int(cls[0])}\n")
        c.write(f"{cls}_{f},{int(cls[0])}\n")
EOF
for labels in labels.txt labels.csv; do
    cat >"$tmp/$labels.q" <<EOF
import "$PWD/recipes/images.q";
evaluate { data image = "$tmp/flat/*.png"; labels "$tmp/$labels"; }
export { dir "$tmp/out_$labels"; }
EOF
    "$QRC" build "$tmp/$labels.q" >"$tmp/$labels.out" 2>"$tmp/err"
    [ "$(grep accuracy "$tmp/$labels.out")" = "$(grep accuracy "$tmp/png.out")" ]
    check "labels from $labels give the folder labels' accuracy" $? "$(grep accuracy "$tmp/$labels.out") $(tail -2 "$tmp/err")"
done
cat >"$tmp/jpg.q" <<EOF
import "$PWD/recipes/images.q";
evaluate { data image = "$tmp/jpg"; labels folders; }
export { dir "$tmp/out_jpg"; }
EOF
"$QRC" build "$tmp/jpg.q" >"$tmp/jpg.out" 2>"$tmp/err" &&
    grep -Eq '^  accuracy +float top-1 9[0-9]\.[0-9]+ %' "$tmp/jpg.out" &&
    grep -q 'image: 300 files' "$tmp/jpg.out"
check "JPEG folders decode ($(grep accuracy "$tmp/jpg.out" | sed 's/^ *accuracy *//'))" $? "$(tail -2 "$tmp/err")"

# Failures: exit 3, the message names the file (or the recipe place), no artifact written.
bad() { # name, data folder, expected message part, [extra recipe text]
    local name=$1 data=$2 want=$3 extra=${4:-}
    cat >"$tmp/bad_$name.q" <<EOF
import "$PWD/recipes/images.q";
calibrate { data image = "$data"; }
$extra
export { dir "$tmp/bad_$name"; }
EOF
    "$QRC" build --quiet "$tmp/bad_$name.q" >/dev/null 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 3 ] && grep -qF -- "$want" "$tmp/err" && [ ! -e "$tmp/bad_$name" ]
    check "bad input ($name): exit 3 naming '$want'" $? "rc $rc: $(tail -2 "$tmp/err")"
}
mkdir -p "$tmp/b1" "$tmp/b2" "$tmp/b3" "$tmp/b4" "$tmp/b5"
cp recipes/data/fmnist_png/calib/0000*.png "$tmp/b1/"
head -c 60 recipes/data/fmnist_png/calib/00010.png >"$tmp/b1/00010.png"
bad truncated_png "$tmp/b1" "b1/00010.png"
cp recipes/data/fmnist_png/calib/0000*.png "$tmp/b2/"
echo "not a picture" >"$tmp/b2/00005.png"
bad not_an_image "$tmp/b2" "b2/00005.png: not a PNG or JPEG file"
cp "$tmp/jpg/0_tshirt/"*.jpg "$tmp/b3/"
f=$(ls "$tmp/b3" | head -1)
head -c 300 "$tmp/jpg/0_tshirt/$f" >"$tmp/b3/$f"
bad truncated_jpeg "$tmp/b3" "b3/$f"
: >"$tmp/b4/empty.png"
bad empty_file "$tmp/b4" "empty.png"
bad no_images "$tmp/b5" "no .png or .jpg image in"
mkdir -p "$tmp/b6"
"$PY" -c 'import struct, sys, zlib
ihdr = b"IHDR" + struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
sys.stdout.buffer.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr[4:]) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                        + chunk(b"IEND", b""))' \
    >"$tmp/b6/huge.png"
bad huge_header "$tmp/b6" "huge.png: image of 20000x20000 pixels"
bad three_channels "$PWD/recipes/data/fmnist_png/calib" "rows of [3, 28, 28]" "preprocess image { color rgb; resize exact 28, 28; }"
cat >"$tmp/npyfolders.q" <<EOF
import "$PWD/recipes/demo.q";
evaluate { labels folders; }
export { dir "$tmp/npyfolders"; }
EOF
"$QRC" build --quiet "$tmp/npyfolders.q" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && grep -q "'labels folders' needs folders of images" "$tmp/err" && [ ! -e "$tmp/npyfolders" ]
check "labels folders with .npy data is an error" $? "$(tail -2 "$tmp/err")"
cat >"$tmp/noprep.q" <<EOF
model "$PWD/recipes/models/fmnist_cnn.onnx";
calibrate { data image = "$PWD/recipes/data/fmnist_png/calib"; }
export { dir "$tmp/noprep"; }
EOF
"$QRC" build --quiet "$tmp/noprep.q" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && grep -q "noprep.q:2:18: error: data for input 'image' are images, but the recipe has no 'preprocess image" "$tmp/err"
check "image data without a preprocess block names the recipe place" $? "$(tail -2 "$tmp/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
