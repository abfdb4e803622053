#!/usr/bin/python3
"""Seeded synthetic text images for the PaddleOCR models, preprocessed as PaddleOCR does.

    text_lines.py rec N SEED OUT.npy LABELS.txt [WIDTH]   recognizer: [N,3,48,WIDTH] (default 320), one
        line of text each, resized to height 48 keeping the aspect ratio, (pixel/255 - 0.5)/0.5,
        right-padded with zeros; LABELS.txt holds the text of each line
    text_lines.py cls N SEED OUT.npy LABELS.npy              classifier: [N,3,48,192], every other line
        rotated 180 degrees; LABELS.npy holds int64 0 (upright) or 1 (rotated)
    text_lines.py det N SEED OUT.npy SIZE                    detector: [N,3,SIZE,SIZE] pages of a few
        lines, RGB/255 normalised with the ImageNet mean and std

Different seeds give different images, so calibration and evaluation sets are disjoint by seed. Needs
Debian's python3-pil, python3-numpy and fonts-dejavu-core (make deps installs them)."""
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]
WORDS = ("the quick brown fox jumps over lazy dog total price date invoice number order street road city "
         "station open close model quantize integer float layer output input north south east west phone "
         "email account balance amount paid due page chapter section table figure").split()


def text(rng):
    parts = []
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        if k < 0.6:
            w = rng.choice(WORDS)
            parts.append(w.capitalize() if rng.random() < 0.3 else w.upper() if rng.random() < 0.1 else w)
        elif k < 0.85:
            parts.append(str(rng.randint(0, 99999)))
        else:
            parts.append("%d.%02d" % (rng.randint(0, 999), rng.randint(0, 99)))
    return " ".join(parts)


def render_line(rng, s):
    font = ImageFont.truetype(rng.choice(FONTS), rng.randint(28, 40))
    l, t, r, b = font.getbbox(s)
    pad = rng.randint(2, 8)
    ink = rng.randint(0, 70)
    paper = rng.randint(190, 255)
    img = Image.new("RGB", (r - l + 2 * pad, b - t + 2 * pad), (paper,) * 3)
    ImageDraw.Draw(img).text((pad - l, pad - t), s, font=font, fill=(ink,) * 3)
    return img


def line_tensor(img, width):
    h = 48
    w = min(width, max(1, round(img.width * h / img.height)))
    x = np.asarray(img.resize((w, h), Image.BILINEAR), dtype=np.float32) / 255.0
    out = np.zeros((3, h, width), dtype=np.float32)
    out[:, :, :w] = ((x - 0.5) / 0.5).transpose(2, 0, 1)
    return out


def rec(n, rng, out, labels, width=320):
    xs, ts = [], []
    for _ in range(n):
        s = text(rng)
        xs.append(line_tensor(render_line(rng, s), width))
        ts.append(s)
    np.save(out, np.stack(xs))
    with open(labels, "w") as f:
        f.write("\n".join(ts) + "\n")


def cls(n, rng, out, labels):
    xs, ys = [], []
    for i in range(n):
        img = render_line(rng, text(rng))
        if i % 2:
            img = img.rotate(180)
        xs.append(line_tensor(img, 192))
        ys.append(i % 2)
    np.save(out, np.stack(xs))
    np.save(labels, np.array(ys, dtype=np.int64))


def det(n, rng, out, size):
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    xs = []
    for _ in range(n):
        page = Image.new("RGB", (size, size), tuple(rng.randint(180, 255) for _ in range(3)))
        y = rng.randint(4, 24)
        while y < size - 40:
            line = render_line(rng, text(rng))
            page.paste(line, (rng.randint(0, size // 4), y))
            y += line.height + rng.randint(4, 30)
        x = np.asarray(page, dtype=np.float32) / 255.0
        xs.append(((x - mean) / std).transpose(2, 0, 1))
    np.save(out, np.stack(xs))


def main(argv):
    kind, n, seed = argv[1], int(argv[2]), int(argv[3])
    rng = random.Random(seed)
    if kind == "rec":
        rec(n, rng, argv[4], argv[5], *(int(a) for a in argv[6:7]))
    elif kind == "cls":
        cls(n, rng, argv[4], argv[5])
    elif kind == "det":
        det(n, rng, argv[4], int(argv[5]))
    else:
        sys.exit("text_lines.py: unknown kind %r (rec, cls or det)" % kind)


if __name__ == "__main__":
    main(sys.argv)
