#!/usr/bin/env bash
# gen_recipe.sh LINES: prints a recipe of about LINES lines, a third `exclude modules` lines with a name and
# a regex, two thirds qconfig rules with globs and comments (the shape `make bench` times and the
# linear_time suite grows from 10,000 to 100,000 lines).
set -euo pipefail
awk -v lines="${1:?usage: gen_recipe.sh LINES}" 'BEGIN {
    ex = int((lines + 1) / 3) - 1; rules = lines - ex - 11
    print "model \"m.onnx\" { input image: float32[N, 3, 224, 224]; }"
    print "prepare {"; print "  method symbolic;"
    for (i = 1; i <= ex; i++) printf "  exclude modules \"block%d.conv\", re\"block%d\\\\.down\\\\..*\";\n", i, i
    print "}"; print "qconfig {"
    for (i = 1; i <= rules; i++) printf "  module \"layer%d.*\": act int16, weight int8 symmetric per_channel;  # rule %d\n", i, i
    print "  default: act uint8 asymmetric, weight int8 symmetric per_channel;"; print "}"
    print "quantsim { scheme tf_enhanced; rounding nearest; }"; print "calibrate {"; print "  data image = \"calib_*.npy\";"; print "}"
}'
