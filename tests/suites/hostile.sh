#!/usr/bin/env bash
# Hostile input for every reader: recipes, ONNX models, .npy data and labels, AIMET configs, encodings files
# and checkpoints, in every category (truncation, lying sizes, overflow, wrong types, cycles, huge counts,
# encodings that do not fit, special files). Each case states the exit status, a piece of the message that
# names what and where, and that no output file was written; none may crash or hang (each command runs under
# a time limit, and `make asan` runs this suite under the sanitizers).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build} LIMIT=${HOSTILE_TIMEOUT:-60}
QRC=$BUILD/qrc pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME STATUS MESSAGE OUTPUT CMD...: CMD exits with STATUS, prints MESSAGE on stderr (or stdout),
# and leaves no file at OUTPUT ("-" when the command writes nothing).
expect() {
    local name=$1 want=$2 msg=$3 out=$4
    shift 4
    rm -rf "$tmp/out"
    mkdir -p "$tmp/out"
    timeout "$LIMIT" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail=$((fail + 1)); echo "FAIL $name: exit $rc, wanted $want: $(head -c 400 "$tmp/stderr")"
    elif [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/stderr" "$tmp/stdout"; then
        fail=$((fail + 1)); echo "FAIL $name: no '$msg' in: $(head -c 400 "$tmp/stderr")"
    elif [ "$out" != "-" ] && [ -e "$out" ]; then
        fail=$((fail + 1)); echo "FAIL $name: left $out behind"
    else
        pass=$((pass + 1))
    fi
}

# ---- recipes ------------------------------------------------------------------------------------------
R=$tmp/r
mkdir -p "$R"
good_tail='calibrate { data image = "c.npy"; }'
recipe() { # NAME CONTENT (printf format, so \xNN and \0 work): writes $R/NAME.q
    printf "$2" >"$R/$1.q"
}
# compile: must fail with status 1 and a located message, write no plan; fmt --check must refuse it too
rq() { # NAME MESSAGE [fmt]
    expect "recipe $1" 1 "$2" "$tmp/out/p.qp" "$QRC" compile "$R/$1.q" -o "$tmp/out/p.qp"
    if [ "${3:-}" = fmt ]; then
        expect "fmt $1" 1 "$2" - "$QRC" fmt --check "$R/$1.q"
    fi
}
recipe nul_string 'model "m\0.onnx";\n'"$good_tail\n"
rq nul_string "nul_string.q:1:9: error: NUL byte in a string" fmt
recipe nul_regex 'model "m.onnx";\nprepare { exclude modules re"a\0b"; }\n'"$good_tail\n"
rq nul_regex "nul_regex.q:2:31: error: NUL byte in a regex" fmt
recipe nul_comment '/* a\0b */\nmodel "m.onnx";\n'"$good_tail\n"
rq nul_comment "nul_comment.q:1:5: error: NUL byte in a comment" fmt
recipe nul_line_comment 'model "m.onnx";  # a\0\n'"$good_tail\n"
rq nul_line_comment "nul_line_comment.q:1:21: error: NUL byte in a comment" fmt
recipe utf8_comment 'model "m.onnx";\n/* line\n   caf\xe9 */\n'"$good_tail\n"
rq utf8_comment "utf8_comment.q:3:7: error: invalid UTF-8 (byte 0xe9) in a comment" fmt
recipe nul_outside 'model "m.onnx";\0\n'"$good_tail\n"
rq nul_outside "nul_outside.q:1:16: error: unexpected byte 0x00" fmt
recipe utf8_ff 'model "m\xff.onnx";\n'"$good_tail\n"
rq utf8_ff "utf8_ff.q:1:9: error: invalid UTF-8 (byte 0xff) in a string" fmt
recipe utf8_cut 'model "m.onnx";\ncalibrate { data image = "c\xc3"; }\n'
rq utf8_cut "utf8_cut.q:2:28: error: invalid UTF-8 (byte 0xc3)" fmt
recipe utf8_overlong 'model "\xc0\xaf.onnx";\n'"$good_tail\n"
rq utf8_overlong "utf8_overlong.q:1:8: error: invalid UTF-8 (byte 0xc0)" fmt
recipe utf8_surrogate 'model "\xed\xa0\x80.onnx";\n'"$good_tail\n"
rq utf8_surrogate "utf8_surrogate.q:1:8: error: invalid UTF-8 (byte 0xed)" fmt
recipe utf8_beyond 'model "\xf4\x90\x80\x80.onnx";\n'"$good_tail\n"
rq utf8_beyond "utf8_beyond.q:1:8: error: invalid UTF-8 (byte 0xf4)" fmt
recipe utf8_continuation 'model "a\x80b.onnx";\n'"$good_tail\n"
rq utf8_continuation "utf8_continuation.q:1:9: error: invalid UTF-8 (byte 0x80)" fmt
recipe utf8_regex 'model "m.onnx";\nprepare { exclude modules re"\xfe"; }\n'"$good_tail\n"
rq utf8_regex "utf8_regex.q:2:30: error: invalid UTF-8 (byte 0xfe) in a regex" fmt
deep() { local open=$1 close=$2 n=$3 s="" t=""; for _ in $(seq "$n"); do s+=$open; t+=$close; done; echo "$s$t"; }
recipe deep_brackets "model \"m.onnx\";\nprepare { concrete x = $(deep '[' ']' 100000); }\n$good_tail\n"
rq deep_brackets "deep_brackets.q:2:87: error: brackets and braces nest deeper than 64 levels" fmt
recipe deep_braces "model \"m.onnx\";\n$(deep 'prepare {' '}' 20000)\n$good_tail\n"
rq deep_braces "deep_braces.q:2:585: error: brackets and braces nest deeper than 64 levels" fmt
recipe deep_parens "model \"m.onnx\";\nquantsim { scheme percentile$(deep '(' ')' 5000); }\n$good_tail\n"
rq deep_parens "error: brackets and braces nest deeper than 64 levels" fmt
recipe deep_ok "model \"m.onnx\";\nprepare { concrete x = $(deep '[' ']' 60); }\n$good_tail\n"
expect "recipe nesting within the limit" 0 "" - "$QRC" compile "$R/deep_ok.q" -o "$tmp/deep_ok.qp"
recipe rank9 'model "m.onnx" { input image: float32[1, 1, 1, 1, 1, 1, 1, 1, 1]; }\n'"$good_tail\n"
rq rank9 "rank9.q:1:63: error: a shape has at most 8 dimensions, this one 9"
recipe rank10000 "model \"m.onnx\" { input image: float32[$(seq -s ', ' 1 10000)]; }\n$good_tail\n"
rq rank10000 "error: a shape has at most 8 dimensions, this one 10000"
recipe dim_huge 'model "m.onnx" { input image: float32[9223372036854775807, 3]; }\n'"$good_tail\n"
rq dim_huge "dim_huge.q:1:39: error: dimension 9223372036854775807 is implausibly large"
recipe dim_2_41 'model "m.onnx" { input image: float32[2199023255552]; }\n'"$good_tail\n"
rq dim_2_41 "dim_2_41.q:1:39: error: dimension 2199023255552 is implausibly large"
recipe dim_zero 'model "m.onnx" { input image: float32[0, 3]; }\n'"$good_tail\n"
rq dim_zero "dim_zero.q:1:39: error: dimension must be at least 1, not 0"
recipe dim_negative 'model "m.onnx" { input image: float32[-4, 3]; }\n'"$good_tail\n"
rq dim_negative "dim_negative.q:1:39: error: dimension must be at least 1, not -4"
recipe pin_huge 'model "m.onnx" { input image: float32[N, 3]; }\nprepare { concrete N = 4611686018427387904; }\n'"$good_tail\n"
rq pin_huge "pin_huge.q:2:24: error: dimension 'N' must be pinned to a positive integer"
recipe int_range 'model "m.onnx";\ncalibrate { data image = "c.npy"; samples 99999999999999999999999; }\n'
rq int_range "int_range.q:2:43: error: integer out of range"
recipe float_range 'model "m.onnx";\nquantsim { scheme percentile(1e999); }\n'"$good_tail\n"
rq float_range "float_range.q:2:30: error: number out of range"
recipe samples_huge 'model "m.onnx";\ncalibrate { data image = "c.npy"; samples 9223372036854775807; }\n'
rq samples_huge "samples_huge.q:2:43: error: 'samples' must be at least 1"
recipe unterminated_string 'model "m.onnx;\n'"$good_tail\n"
rq unterminated_string "unterminated_string.q:1:7: error: unterminated string" fmt
recipe unterminated_comment 'model "m.onnx"; /* never closed\n'"$good_tail\n"
rq unterminated_comment "unterminated_comment.q:1:17: error: unterminated comment" fmt
recipe truncated 'model "m.onnx";\ncalibrate { data image = "c.n'
rq truncated "truncated.q:2:26: error: unterminated string" fmt
recipe truncated_block 'model "m.onnx";\ncalibrate { data image = "c.npy";'
rq truncated_block "truncated_block.q:2:33: error: unexpected end of file" fmt
recipe empty ''
rq empty "empty.q:1:1: error: recipe has no 'model'"
head -c 300 recipes/models/fmnist_cnn.onnx >"$R/binary.q"
rq binary "binary.q:1:1: error: unexpected byte"
recipe wrong_type 'model 42;\n'"$good_tail\n"
rq wrong_type "wrong_type.q:1:7: error:"
recipe list_value 'model "m.onnx";\ncalibrate { data image = "c.npy"; batch "32"; }\n'
rq list_value "list_value.q:2:41: error: 'batch' must be an integer, not string"

# imports and the recipe itself: only regular files, no cycles
mkfifo "$R/fifo.q" "$R/fifo_root.q"
mkdir "$R/dir.q"
recipe import_fifo 'import "fifo.q";\nmodel "m.onnx";\n'"$good_tail\n"
rq import_fifo "import_fifo.q:1:8: error: cannot read imported file"
grep -qF "it is a FIFO" "$tmp/stderr" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL import_fifo reason"; }
recipe import_dir 'import "dir.q";\nmodel "m.onnx";\n'"$good_tail\n"
rq import_dir "import_dir.q:1:8: error: cannot read imported file '$R/dir.q': it is a directory"
recipe import_device 'import "/dev/zero";\nmodel "m.onnx";\n'"$good_tail\n"
rq import_device "import_device.q:1:8: error: cannot read imported file '/dev/zero': it is a device"
recipe import_missing 'import "nothere.q";\nmodel "m.onnx";\n'"$good_tail\n"
rq import_missing "import_missing.q:1:8: error: cannot open imported file"
recipe cycle_a 'import "cycle_b.q";\nmodel "m.onnx";\n'"$good_tail\n"
recipe cycle_b 'import "cycle_a.q";\n'
rq cycle_a "cycle_b.q:1:8: error: import cycle:"
recipe self_import 'import "self_import.q";\nmodel "m.onnx";\n'"$good_tail\n"
rq self_import "self_import.q:1:8: error: import cycle:"
expect "recipe is a FIFO" 1 "cannot read recipe '$R/fifo_root.q': it is a FIFO" "$tmp/out/p.qp" \
    "$QRC" compile "$R/fifo_root.q" -o "$tmp/out/p.qp"
expect "recipe is a directory" 1 "it is a directory" "$tmp/out/p.qp" "$QRC" compile "$R/dir.q" -o "$tmp/out/p.qp"
expect "recipe is a device" 1 "cannot read recipe '/dev/zero': it is a device" "$tmp/out/p.qp" \
    "$QRC" compile /dev/zero -o "$tmp/out/p.qp"
expect "fmt of a FIFO" 1 "it is a FIFO" - "$QRC" fmt "$R/fifo_root.q"
expect "fmt of a device" 1 "it is a device" - "$QRC" fmt /dev/urandom
head -c $((17 << 20)) /dev/zero | tr '\0' ' ' >"$R/huge.q"
rq huge "cannot read recipe '$R/huge.q': larger than 16 MiB"

# huge counts: linear time, located errors all reported
big_recipe() { # LINES: a valid recipe of that many statements
    awk -v n="$1" 'BEGIN {
        print "model \"m.onnx\" { input image: float32[N, 3, 224, 224]; }"
        print "prepare {"
        for (i = 0; i < n / 3; i++) printf "  exclude modules \"block%d.conv\", re\"block%d\\\\.down\\\\..*\";\n", i, i
        print "}"
        print "qconfig {"
        for (i = 0; i < n - n / 3; i++) printf "  module \"layer%d.*\": act int16, weight int8 symmetric per_channel;  # rule %d\n", i, i
        print "  default: act uint8 asymmetric, weight int8 symmetric per_channel;"
        print "}"
        print "calibrate { data image = \"c.npy\"; }"
    }'
}
big_recipe 100000 >"$R/lines100k.q"
expect "100,000 statements compile" 0 "" - "$QRC" compile "$R/lines100k.q" -o "$tmp/lines100k.qp"
expect "100,000 statements format" 0 "" - "$QRC" fmt "$R/lines100k.q"
awk 'BEGIN { printf "model \"m.onnx\";\nprepare { exclude modules "; for (i = 0; i < 200000; i++) printf "%s\"m%d\"", i ? ", " : "", i;
             print "; }"; print "calibrate { data image = \"c.npy\"; }" }' >"$R/terms200k.q"
expect "a line of 200,000 terms compiles" 0 "" - "$QRC" compile "$R/terms200k.q" -o "$tmp/terms.qp"
expect "a line of 200,000 terms formats" 0 "" - "$QRC" fmt "$R/terms200k.q"
awk 'BEGIN { print "model \"m.onnx\";"; print "calibrate {"; print "  data image = \"c.npy\";";
             for (i = 0; i < 100000; i++) printf "  sampels %d;\n", i; print "}" }' >"$R/errors100k.q"
expect "100,000 errors, all reported" 1 "errors100k.q:100003:3: error: unknown key 'sampels'" "$tmp/out/p.qp" \
    "$QRC" compile "$R/errors100k.q" -o "$tmp/out/p.qp"
awk 'BEGIN { print "model \"m.onnx\" { input image: float32[N, 3]; }"; print "prepare {";
             for (i = 0; i < 100000; i++) printf "  concrete c%d = %d;\n", i, i; print "}";
             print "calibrate { data image = \"c.npy\"; }" }' >"$R/concrete100k.q"
expect "100,000 concrete values" 0 "" - "$QRC" compile "$R/concrete100k.q" -o "$tmp/c.qp"
awk 'BEGIN { print "model \"m.onnx\" {"; for (i = 0; i < 50000; i++) printf "  input i%d: float32[N, 3];\n", i; print "}";
             print "calibrate {"; for (i = 0; i < 50000; i++) printf "  data i%d = \"c.npy\";\n", i; print "}" }' >"$R/inputs50k.q"
expect "50,000 inputs and data bindings" 0 "" - "$QRC" compile "$R/inputs50k.q" -o "$tmp/i.qp"
awk 'BEGIN { print "model \"m.onnx\";"; print "prepare {";
             for (i = 0; i < 100000; i++) printf "  concrete c = %d;\n", i; print "}";
             print "calibrate { data image = \"c.npy\"; }" }' >"$R/dup100k.q"
expect "100,000 duplicates" 1 "dup100k.q:100002:12: error: duplicate concrete 'c'" "$tmp/out/p.qp" \
    "$QRC" compile "$R/dup100k.q" -o "$tmp/out/p.qp"

# ---- ONNX models ---------------------------------------------------------------------------------------
M=$tmp/m
mkdir -p "$M"
"$BUILD/tools/hostile_models" "$M" || { echo "hostile_models failed"; fail=$((fail + 1)); }
# model NAME MESSAGE [check]: `qrc run` exits 3 naming the problem and writes no output; with "check",
# `qrc check` must refuse the model too
model() {
    expect "run $1" 3 "$2" "$tmp/out/y.npy" "$QRC" run "$M/$1.onnx" --input "x=$M/$1.x.npy" --output "$tmp/out/y.npy"
    if [ "${3:-}" = check ]; then
        "$QRC" check "$M/$1.onnx" >"$tmp/check" 2>&1
        local rc=$?
        if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && grep -qF -- "$2" "$tmp/check"; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL check $1: exit $rc: $(head -c 300 "$tmp/check")"; fi
    fi
}
model reshape_overflow "node '/Reshape_0' (Reshape): target shape's element count overflows" check
model reshape_infer_overflow "node '/Reshape_0' (Reshape): target shape's element count overflows" check
model reshape_negative "node '/Reshape_0' (Reshape): shape value -5 is invalid" check
model conv_huge_pads "node '/Conv_0' (Conv): pads 4611686018427387904 and 4611686018427387904 are too large" check
model conv_huge_dilation "node '/Conv_0' (Conv): kernel 3 with dilation 4611686018427387904 is too large" check
model conv_negative_pads "node '/Conv_0' (Conv): negative pads are not supported" check
model conv_no_inputs "node '/Conv_0' (Conv): takes 2 to 3 inputs, has 0" check
model conv_omitted_inputs "node '/Conv_0' (Conv): input 0 is required" check
model conv_weight_only "node '/Conv_0' (Conv): input 0 is required" check
model tile_overflow "node '/Tile_0' (Tile): dim 0 times 4611686018427387904 repeats overflows" check
model tile_negative "node '/Tile_0' (Tile): repeat 0 is negative" check
model pad_overflow "node '/Pad_0' (Pad): pads 9223372036854775807 and 9223372036854775807 do not fit dim 0" check
model pad_negative "node '/Pad_0' (Pad): pads -9 and 0 do not fit dim 0 of 4" check
model flatten_overflow "node '/Flatten_0' (Flatten): flattened dim overflows"
model expand_huge "node '/Expand_0' (Expand): output 'y' of shape [1048576,1048576,1048576] (float) is too large"
model tile_huge "node '/Tile_0' (Tile): output 'y' of shape [4398046511104] (float) is too large"
model pad_huge "node '/Pad_0' (Pad): output 'y' of shape [1099511627780] (float) is too large"
model topk_huge "node '/TopK_0' (TopK): K = 1099511627776 is out of range for an axis of 4" check
model topk_negative "node '/TopK_0' (TopK): K = -3 is out of range for an axis of 4" check
model range_huge "node '/Range_0' (Range): asks for 1e+30 elements"
model range_nan "node '/Range_0' (Range): start, limit or delta is not a number"
model onehot_huge "node '/OneHot_0' (OneHot): depth 1e+30 is out of range"
model onehot_nan "node '/OneHot_0' (OneHot): depth nan is out of range"
model constant_of_shape_huge "node '/ConstantOfShape_0' (ConstantOfShape): output 'y' of shape [1099511627776,1099511627776]"
model gather_index_high "node '/Gather_0' (Gather): index 7 at position 0 is out of range for axis of size 4"
model gather_index_low "node '/Gather_0' (Gather): index -9 at position 0 is out of range for axis of size 4"
model flatten_axis_float "node '/Flatten_0' (Flatten): attribute 'axis' has the wrong type" check
model flatten_axis_empty_string "node '/Flatten_0' (Flatten): attribute 'axis' has the wrong type" check
model softmax_axis_ints "node '/Softmax_0' (Softmax): attribute 'axis' has the wrong type" check
model transpose_perm_range "node '/Transpose_0' (Transpose): perm is not a permutation of 0..1" check
expect "a chain of 100,000 Identity nodes runs" 0 "" - "$QRC" run "$M/identity_chain.onnx" \
    --input "x=$M/identity_chain.x.npy" --output "$tmp/chain.npy"
expect "a chain of 100,000 Identity nodes checks" 0 "1 nodes (from 100000)" - "$QRC" check "$M/identity_chain.onnx"
expect "a chain of 100,000 Dropout nodes runs" 0 "" - "$QRC" run "$M/dropout_chain.onnx" \
    --input "x=$M/dropout_chain.x.npy" --output "$tmp/dchain.npy"
expect "a chain of 100,000 Dropout nodes checks" 0 "1 nodes (from 100000)" - "$QRC" check "$M/dropout_chain.onnx"

# inputs the fuzzers found, kept as regressions: an initializer whose shape asks for 12 GB backed by 36 bytes
# (refused before anything is allocated), and an attribute whose bytes field is empty
expect "fuzz regression: lying initializer" 3 "tensor 'w': raw_data has 36 bytes, shape float[1056947192,3] needs" - \
    "$QRC" check tests/fuzz/corpus/onnx/regress_lying_initializer.onnx
expect "fuzz regression: empty string attribute" 1 "attribute 'axis' has the wrong type" - \
    "$QRC" check tests/fuzz/corpus/onnx/regress_empty_string_attr.onnx

# declared inputs that no tensor could have (the models are in the fuzz seed corpus)
F=tests/fuzz/corpus/onnx
expect "model input of rank 10,000" 3 "input 0: value 'x': rank 10000 exceeds 8" - "$QRC" check "$F/input_rank_10000.onnx"
expect "model input dim 2^63-1" 3 "input 0: value 'x': dim 0 is implausibly large (9223372036854775807)" - \
    "$QRC" check "$F/input_dim_huge.onnx"
expect "model input dim 2^62" 3 "input 0: value 'x': dim 0 is implausibly large (4611686018427387904)" - \
    "$QRC" check "$F/input_dim_2_62.onnx"
expect "model input dim -5" 3 "input 0: value 'x': dim 0 is negative (-5)" - "$QRC" check "$F/input_dim_negative.onnx"
expect "model input of rank 10,000: run" 3 "rank 10000 exceeds 8" "$tmp/out/y.npy" \
    "$QRC" run "$F/input_rank_10000.onnx" --input "x=$M/identity_chain.x.npy" --output "$tmp/out/y.npy"

# found by fuzz_recipe: a comment holding NUL bytes was accepted, and fmt printed it cut at the first NUL
expect "fuzz regression: NUL byte in a comment" 1 "regress_nul_in_comment.q:1:11: error: NUL byte in a comment" - \
    "$QRC" fmt --check tests/fuzz/corpus/recipe/regress_nul_in_comment.q

# damaged model files
cnn=recipes/models/fmnist_cnn.onnx
img=tests/models/ort_ref/input_64.npy
head -c 100000 $cnn >"$M/truncated.onnx"
head -c 20 $cnn >"$M/truncated_header.onnx"
: >"$M/empty.onnx"
printf 'ir_version: 8\ngraph { }\n' >"$M/text.onnx"
head -c 4096 /dev/urandom >"$M/random.onnx"
mkfifo "$M/fifo.onnx"
for m in truncated truncated_header empty text random; do
    expect "model $m: run" 3 "$M/$m.onnx" "$tmp/out/y.npy" "$QRC" run "$M/$m.onnx" --input "image=$img" --output "$tmp/out/y.npy"
    expect "model $m: check" 3 "$M/$m.onnx" - "$QRC" check "$M/$m.onnx"
done
expect "model is a FIFO: run" 3 "$M/fifo.onnx: not a regular file" "$tmp/out/y.npy" \
    "$QRC" run "$M/fifo.onnx" --input "image=$img" --output "$tmp/out/y.npy"
expect "model is a FIFO: check" 3 "$M/fifo.onnx: not a regular file" - "$QRC" check "$M/fifo.onnx"
expect "model is a directory" 3 "$M: not a regular file" "$tmp/out/y.npy" \
    "$QRC" run "$M" --input "image=$img" --output "$tmp/out/y.npy"
expect "model is a device" 3 "/dev/zero: not a regular file" "$tmp/out/y.npy" \
    "$QRC" run /dev/zero --input "image=$img" --output "$tmp/out/y.npy"

# ---- .npy inputs ---------------------------------------------------------------------------------------
N=$tmp/n
mkdir -p "$N"
npy() { # NAME HEADER-DICT [DATA-BYTES]: a version 1.0 .npy with that header and that many data bytes
    local h=$2 pad
    pad=$(( (64 - (10 + ${#h} + 1) % 64) % 64 ))
    { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $(( (${#h} + pad + 1) % 256 )))\\x$(printf %02x $(( (${#h} + pad + 1) / 256 )))";
      printf '%s%*s\n' "$h" "$pad" ''; head -c "${3:-0}" /dev/zero; } >"$N/$1.npy"
}
npy_case() { # NAME MESSAGE
    expect "npy $1" 3 "$2" "$tmp/out/y.npy" "$QRC" run $cnn --input "image=$N/$1.npy" --output "$tmp/out/y.npy"
}
npy ok "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 28, 28), }" 3136
expect "npy control case runs" 0 "" - "$QRC" run $cnn --input "image=$N/ok.npy" --output "$tmp/ok.npy"
npy short_data "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 28, 28), }" 3000
npy_case short_data "short_data.npy"
npy shape_overflow "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }" 16
npy_case shape_overflow "shape_overflow.npy"
npy shape_huge "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807,), }" 16
npy_case shape_huge "shape_huge.npy"
npy shape_digits "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999999, 1, 28, 28), }" 16
npy_case shape_digits "shape_digits.npy"
npy shape_negative "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 1, 28, 28), }" 3136
npy_case shape_negative "shape_negative.npy"
npy rank9 "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }" 4
npy_case rank9 "rank9.npy"
npy fortran "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 28, 28), }" 3136
npy_case fortran "fortran.npy"
npy object "{'descr': '|O', 'fortran_order': False, 'shape': (1, 1, 28, 28), }" 3136
npy_case object "object.npy"
npy complex "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1, 28, 28), }" 6272
npy_case complex "complex.npy"
npy no_shape "{'descr': '<f4', 'fortran_order': False, }" 3136
npy_case no_shape "no_shape.npy"
npy not_dict "[1, 2, 3]" 16
npy_case not_dict "not_dict.npy"
npy wrong_dtype "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1, 28, 28), }" 6272
npy_case wrong_dtype "input 'image': expected float, got int64[1,1,28,28]"
npy wrong_shape "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 28, 28), }" 9408
npy_case wrong_shape "input 'image'"
printf '\x93NUMPY\x01\x00\xff\xff{' >"$N/header_past_end.npy"
npy_case header_past_end "header_past_end.npy"
printf '\x93NUMPY\x09\x00\x10\x00' >"$N/version9.npy"
npy_case version9 "version9.npy"
printf 'PK\x03\x04 not numpy' >"$N/bad_magic.npy"
npy_case bad_magic "bad_magic.npy"
: >"$N/empty.npy"
npy_case empty "empty.npy"
head -c 7 "$N/ok.npy" >"$N/truncated_magic.npy"
npy_case truncated_magic "truncated_magic.npy"
mkfifo "$N/fifo.npy"
npy_case fifo "fifo.npy: not a regular file"
mkdir "$N/dir.npy"
npy_case dir "dir.npy"

# ---- qrc build: labels, encodings, AIMET configs, checkpoints ------------------------------------------
B=$tmp/b
mkdir -p "$B/models" "$B/data" "$B/configs"
cp $cnn "$B/models/"
cp recipes/data/calib_512.npy recipes/data/test_2000.npy recipes/data/test_2000_labels.npy "$B/data/"
"$QRC" build --quiet recipes/demo.q >/dev/null 2>&1   # the demo's encodings, to damage below
enc=out/demo/fmnist_cnn_w8a8.encodings
npy labels_neg "{'descr': '<i8', 'fortran_order': False, 'shape': (2000,), }" 16000
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$N/labels_neg.npy" bs=1 seek=$((128 + 8 * 5)) conv=notrunc 2>/dev/null
cp "$N/labels_neg.npy" "$B/data/"
npy labels_high "{'descr': '<i8', 'fortran_order': False, 'shape': (2000,), }" 16000
printf '\x0a' | dd of="$N/labels_high.npy" bs=1 seek=$((128 + 8 * 7)) conv=notrunc 2>/dev/null
cp "$N/labels_high.npy" "$B/data/"
npy labels_short "{'descr': '<i8', 'fortran_order': False, 'shape': (10,), }" 80
cp "$N/labels_short.npy" "$B/data/"
npy labels_float "{'descr': '<f4', 'fortran_order': False, 'shape': (2000,), }" 8000
cp "$N/labels_float.npy" "$B/data/"
build() { # NAME STATUS MESSAGE SED-EXPRESSION [qrc build options...]
    local name=$1 want=$2 msg=$3 sx=$4
    shift 4
    sed -E "$sx; s#\"\\.\\./out/demo\"#\"$tmp/out/demo\"#" recipes/demo.q >"$B/case.q"
    expect "build: $name" "$want" "$msg" "$tmp/out/demo" "$QRC" build --quiet "$B/case.q" "$@"
}
build "negative label" 3 "labels_neg.npy: label -1 of row 5 is outside the model's 10 classes" \
    's#test_2000_labels.npy#labels_neg.npy#'
build "label past the classes" 3 "labels_high.npy: label 10 of row 7 is outside the model's 10 classes" \
    's#test_2000_labels.npy#labels_high.npy#'
build "fewer labels than samples" 3 "labels_short.npy: 10 labels for 2000 samples" 's#test_2000_labels.npy#labels_short.npy#'
build "float labels" 3 "labels must be int64 or int32, not float" 's#test_2000_labels.npy#labels_float.npy#'
cp "$N/short_data.npy" "$B/data/short.npy"
build "calibration data cut short" 3 "short.npy" 's#calib_512.npy#short.npy#'
cp "$N/shape_overflow.npy" "$B/data/overflow.npy"
build "calibration data of an overflowing shape" 3 "overflow.npy" 's#calib_512.npy#overflow.npy#'
mkfifo "$B/data/fifo.npy"
build "calibration data from a FIFO" 3 "fifo.npy: not a regular file" 's#calib_512.npy#fifo.npy#'

# errors the runtime finds at a recipe's location read as recipe diagnostics, with the line and a caret
build "unmatched selector at its recipe location" 3 "case.q:11:36: error: exclude: module selector \"fc9\" matches nothing" \
    's#method symbolic;#method symbolic; exclude modules "fc9";#'
grep -qF '   11 |   method symbolic; exclude modules "fc9";' "$tmp/stderr" && grep -qE '^ +\| +\^~~~~$' "$tmp/stderr" &&
    pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL unmatched selector: no source line and caret"; }
build "unknown concrete name at its recipe location" 3 "case.q:11:20: error: concrete batchsize: the model has no input" \
    's#method symbolic;#method symbolic; concrete batchsize = 3;#'

# encodings files that do not fit
encs='s#data image = "data/calib_512.npy";#encodings "data/NAME.encodings";#'
first() { # NAME KEY VALUE: the demo's encodings with the first value of list KEY replaced
    awk -v key="\"$2\": \\[" -v v="$3" '!done && prev ~ key { sub(/-?[0-9][-+0-9.e]*/, v); done = 1 } { print; prev = $0 }' \
        "$enc" >"$B/data/$1.encodings"
}
first scale_zero scale 0
build "encodings with a zero scale" 3 "scale_zero.encodings: tensor" "${encs/NAME/scale_zero}"
first scale_negative scale -0.5
build "encodings with a negative scale" 3 "scale_negative.encodings: tensor" "${encs/NAME/scale_negative}"
first scale_denormal scale 1e-40
build "encodings with a denormal scale" 3 "is not a positive normal float32" "${encs/NAME/scale_denormal}"
first scale_huge scale 1e300
build "encodings with a scale past float32" 3 "is not a positive normal float32" "${encs/NAME/scale_huge}"
first scale_string scale '"big"'
build "encodings with a string scale" 3 "scale_string.encodings" "${encs/NAME/scale_string}"
sed -E '0,/"bw": [0-9]+/s#"bw": [0-9]+#"bw": 4000000000#' "$enc" >"$B/data/bw_huge.encodings"
build "encodings with a huge bitwidth" 3 "bitwidth 4000000000 is outside 4..16" "${encs/NAME/bw_huge}"
first offset_huge offset -99999999999
build "encodings with an offset off the grid" 3 "offset_huge.encodings" "${encs/NAME/offset_huge}"
# a parameter moved into the activation section
sed -E 's#"activation_encodings": \[#"activation_encodings": [{"bw": 8, "dtype": "INT", "enc_type": "PER_TENSOR", "is_sym": true, "name": "fc2.bias", "offset": [-128], "scale": [0.01]},#' \
    "$enc" >"$B/data/param_as_act.encodings"
build "a parameter with an activation encoding" 3 "tensor 'fc2.bias' is a parameter of the model but has an activation encoding" \
    "${encs/NAME/param_as_act}"
head -c 200 "$enc" >"$B/data/cut.encodings"
build "encodings cut short" 3 "cut.encodings" "${encs/NAME/cut}"
printf '{"version": "1.0.0", "activation_encodings": 42, "param_encodings": []}' >"$B/data/wrong_type.encodings"
build "encodings sections of the wrong type" 3 "wrong_type.encodings" "${encs/NAME/wrong_type}"
printf '[1, 2, 3]' >"$B/data/array.encodings"
build "encodings that are not an object" 3 "array.encodings" "${encs/NAME/array}"
mkfifo "$B/data/fifo.encodings"
build "encodings from a FIFO" 3 "fifo.encodings: not a regular file" "${encs/NAME/fifo}"
awk 'BEGIN { printf "{\"version\": \"1.0.0\", \"param_encodings\": [], \"activation_encodings\": [";
             for (i = 0; i < 100000; i++) printf "%s{\"name\": \"t%d\", \"bw\": 8, \"dtype\": \"INT\", \"enc_type\": \"PER_TENSOR\", \"is_sym\": false, \"scale\": [0.1], \"offset\": [0]}", i ? "," : "", i;
             print "]}" }' >"$B/data/many.encodings"
build "100,000 encodings of tensors the model lacks" 3 "many.encodings" "${encs/NAME/many}"

# AIMET quantsim configs
cfg() { printf '%s' "$2" >"$B/configs/$1.json"; }
config() { # NAME MESSAGE
    build "config $1" 3 "$2" "s#rounding nearest;#rounding nearest; config \"configs/$1.json\";#"
}
cfg unknown_op '{"supergroups": [{"op_list": ["Conv", "Relux"]}]}'
config unknown_op "supergroups[0].op_list[1]: unknown op type 'Relux'"
cfg op_not_string '{"supergroups": [{"op_list": ["Conv", 7]}]}'
config op_not_string "supergroups[0].op_list[1]: expected an op type name"
cfg short_list '{"supergroups": [{"op_list": ["Conv"]}]}'
config short_list "supergroups[0]: expected an op_list of at least two op types"
cfg supergroups_object '{"supergroups": {"op_list": ["Conv", "Relu"]}}'
config supergroups_object "supergroups: expected a list"
cfg truncated '{"defaults": {"ops": {'
config truncated "truncated.json"
cfg not_object '"True"'
config not_object "not_object.json"
: >"$B/configs/empty.json"
config empty "empty.json"
mkfifo "$B/configs/fifo.json"
config fifo "fifo.json: not a regular file"

# checkpoints
printf 'QRCCKPT\n' >"$B/magic_only.qck"
build "checkpoint of a magic only" 3 "magic_only.qck" 's#x#x#' --resume "$B/magic_only.qck"
printf 'QRCCKPT\n\x01\x00\x00\x00\xff\xff\xff\xffONNX\xff\xff\xff\xff\xff\xff\xff\x7f' >"$B/lying_count.qck"
build "checkpoint with a lying length" 3 "lying_count.qck" 's#x#x#' --resume "$B/lying_count.qck"
printf 'QRCCKPT\n\x63\x00\x00\x00\x00\x00\x00\x00' >"$B/version99.qck"
build "checkpoint of an unknown version" 3 "version99.qck" 's#x#x#' --resume "$B/version99.qck"
"$QRC" build --quiet "$B/case.q" --checkpoint "$B/good.qck" >/dev/null 2>&1 || true
rm -rf "$tmp/out/demo"
if [ -s "$B/good.qck" ]; then
    head -c 5000 "$B/good.qck" >"$B/cut.qck"
    build "checkpoint cut short" 3 "cut.qck" 's#x#x#' --resume "$B/cut.qck"
    cp "$B/good.qck" "$B/flipped.qck"
    printf '\x00' | dd of="$B/flipped.qck" bs=1 seek=3000 conv=notrunc 2>/dev/null
    build "checkpoint with a changed byte" 3 "flipped.qck" 's#x#x#' --resume "$B/flipped.qck"
fi
mkfifo "$B/fifo.qck"
build "checkpoint from a FIFO" 3 "fifo.qck: not a regular file" 's#x#x#' --resume "$B/fifo.qck"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
