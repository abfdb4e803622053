#!/usr/bin/env python3
"""Renders seeded synthetic text lines and preprocesses them as PaddleOCR does, for the PaddleOCR test
suites and bench_ocr.sh.

    ocr_lines.py KEYS OUT_DIR SET SEED COUNT [--avoid OTHER_DIR/SET_texts.txt] [--det SIZE]

Writes OUT_DIR/SET_rec.npy ([N,3,48,320] float32: height 48, aspect kept, width at most 320,
(pixel/255 - 0.5)/0.5, right-padded with zeros), OUT_DIR/SET_texts.txt (the ground truth, one line each),
OUT_DIR/SET_cls.npy ([N,3,48,192], the same lines, every other one rotated by 180 degrees) and
OUT_DIR/SET_cls_labels.npy (int64: 0 upright, 1 rotated). Lines are English words, numbers and dates made of
characters the recognizer's dictionary holds, in the DejaVu fonts (fonts-dejavu-core), dark on light with
seeded variations of size, colour, margins and noise. Texts listed in --avoid are never drawn, so a
calibration set and an evaluation set share no line. With --det SIZE it also writes OUT_DIR/SET_det.npy
([N,3,SIZE,SIZE] pages, N = COUNT / 4 rounded up, of lines pasted on light paper, BGR/255 normalised with
the ImageNet mean and std as PaddleOCR's detector expects).
"""
import math
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
]

WORDS = """the of and to in is was for on that with as by at from his an were are which this be or has
had not but first one their its new after who they have two her she been other when there all during into
school time may years more most only over city some world would where later up such used many can state about
national out known university united then made company station year three price total order number date
invoice amount page model street road house north south east west park river market report account service
office power water light green black white paper table window garden letter music night morning open closed
Monday Friday January March April June August October December London Paris Berlin Tokyo Boston Sydney
Quality Express Limited Center Hotel Bank Coffee Store Exit Entrance Parking Welcome Total Cash Change""".split()


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 3)):
        k = rng.random()
        if k < 0.62:
            w = rng.choice(WORDS)
            r = rng.random()
            parts.append(w.upper() if r < 0.15 else w.capitalize() if r < 0.45 else w)
        elif k < 0.8:
            parts.append(str(rng.randint(0, 99999)))
        elif k < 0.9:
            parts.append("%d.%02d" % (rng.randint(0, 999), rng.randint(0, 99)))
        else:
            parts.append("%04d-%02d-%02d" % (rng.randint(1990, 2030), rng.randint(1, 12), rng.randint(1, 28)))
    return " ".join(parts)


def render(rng, text):
    font = ImageFont.truetype(rng.choice(FONTS), rng.randint(28, 40))
    x0, y0, x1, y1 = font.getbbox(text)
    mx, my = rng.randint(4, 14), rng.randint(3, 10)
    w, h = x1 - x0 + 2 * mx, y1 - y0 + 2 * my
    bg = tuple(rng.randint(200, 255) for _ in range(3))
    fg = tuple(rng.randint(0, 70) for _ in range(3))
    img = Image.new("RGB", (w, h), bg)
    ImageDraw.Draw(img).text((mx - x0, my - y0), text, font=font, fill=fg)
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    a = np.asarray(img, dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(0, 6), a.shape)
    return np.clip(a + noise, 0, 255).astype(np.uint8)


def to_input(rgb, width):
    """PaddleOCR's resize_norm_img: height 48, aspect kept, width capped, normalised, right-padded."""
    h, w = rgb.shape[:2]
    rw = min(width, int(math.ceil(48 * w / h)))
    img = Image.fromarray(rgb).resize((rw, 48), Image.BILINEAR)
    # PaddleOCR reads images with OpenCV: channels in BGR order.
    a = np.asarray(img, dtype=np.float32)[:, :, ::-1].transpose(2, 0, 1) / 255.0
    out = np.zeros((3, 48, width), dtype=np.float32)
    out[:, :, :rw] = (a - 0.5) / 0.5
    return out


def page(rng, lines, size):
    """Pastes rendered lines top to bottom on a light page; returns the detector's input."""
    paper = np.full((size, size, 3), rng.randint(215, 255), dtype=np.uint8)
    y = rng.randint(2, 16)
    for rgb in lines:
        h, w = min(rgb.shape[0], size - y), min(rgb.shape[1], size)
        if h < rgb.shape[0] // 2:
            break
        x = rng.randint(0, size - w)
        paper[y:y + h, x:x + w] = rgb[:h, :w]
        y += h + rng.randint(2, 24)
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    a = paper[:, :, ::-1].astype(np.float32) / 255.0
    return ((a - mean) / std).transpose(2, 0, 1)


def main():
    args = sys.argv[1:]
    avoid = set()
    if "--avoid" in args:
        i = args.index("--avoid")
        with open(args[i + 1], encoding="utf-8") as f:
            avoid = set(f.read().split("\n"))
        del args[i:i + 2]
    det = 0
    if "--det" in args:
        i = args.index("--det")
        det = int(args[i + 1])
        del args[i:i + 2]
    keys, out, name, seed, count = args[0], args[1], args[2], int(args[3]), int(args[4])
    with open(keys, encoding="utf-8") as f:
        charset = set(f.read().split("\n"))
    charset.add(" ")
    rng = random.Random(seed)
    texts, rgbs, rec, cls, labels = [], [], [], [], []
    while len(texts) < count:
        t = random_text(rng)
        if t in avoid or t in texts or any(c not in charset for c in t):
            continue
        rgb = render(rng, t)
        if 48 * rgb.shape[1] / rgb.shape[0] > 320:  # would be squeezed: too long for one crop
            continue
        texts.append(t)
        rgbs.append(rgb)
        rec.append(to_input(rgb, 320))
        flip = len(labels) % 2
        cls.append(to_input(rgb[::-1, ::-1].copy() if flip else rgb, 192))
        labels.append(flip)
    np.save("%s/%s_rec.npy" % (out, name), np.stack(rec))
    np.save("%s/%s_cls.npy" % (out, name), np.stack(cls))
    np.save("%s/%s_cls_labels.npy" % (out, name), np.array(labels, dtype=np.int64))
    if det:
        pages = [page(rng, rgbs[k:k + 4], det) for k in range(0, len(rgbs), 4)]
        np.save("%s/%s_det.npy" % (out, name), np.stack(pages))
    with open("%s/%s_texts.txt" % (out, name), "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")


if __name__ == "__main__":
    main()
