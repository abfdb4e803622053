#!/usr/bin/env python3
"""Greedy CTC decoding of recognizer outputs and line accuracy, for the PaddleOCR test suites and
bench_ocr.sh.

    ocr_decode.py KEYS TEXTS OUT.npy [OTHER_OUT.npy]

OUT.npy is [N,T,6625] (softmax per step). Per step the argmax; repeats merged; index 0 (blank) dropped;
index i+1 is line i of KEYS and the last index a space; spaces at either end (the margins of a crop)
are dropped. Prints "accuracy A" (fraction of lines decoded
exactly as in TEXTS) and, with OTHER_OUT.npy, "agreement G" (fraction decoded exactly as OTHER_OUT.npy's
outputs decode: the float model's, or another runtime's).
"""
import sys

import numpy as np


def decode(out, chars):
    lines = []
    for seq in out.argmax(axis=2):
        prev, s = 0, []
        for k in seq:
            if k != prev and k != 0:
                s.append(chars[k])
            prev = k
        lines.append("".join(s).strip())
    return lines


def main():
    keys, texts, path = sys.argv[1:4]
    with open(keys, encoding="utf-8") as f:
        chars = ["<blank>"] + f.read().rstrip("\n").split("\n") + [" "]
    with open(texts, encoding="utf-8") as f:
        truth = f.read().rstrip("\n").split("\n")
    got = decode(np.load(path), chars)
    if len(got) != len(truth):
        sys.exit("ocr_decode.py: %d outputs for %d texts" % (len(got), len(truth)))
    print("accuracy %.6f" % np.mean([a == b for a, b in zip(got, truth)]))
    if len(sys.argv) > 4:
        ref = decode(np.load(sys.argv[4]), chars)
        print("agreement %.6f" % np.mean([a == b for a, b in zip(got, ref)]))


if __name__ == "__main__":
    main()
