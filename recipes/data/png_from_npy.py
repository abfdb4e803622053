"""Writes the Fashion-MNIST PNG folders of recipes/images.q from the .npy demo data.

The .npy rows are (pixel / 255 - mean) / std; this undoes that and writes 8-bit grayscale PNGs:
fmnist_png/calib/NNNNN.png (the first 256 calibration rows, in order) and
fmnist_png/test/<class>/NNNNN.png (the first 300 test rows, one subfolder per class).
Run with /usr/bin/python3 from this folder."""
import os

import numpy as np
from PIL import Image

MEAN, STD = 0.2860, 0.3530
CLASSES = ["0_tshirt", "1_trouser", "2_pullover", "3_dress", "4_coat",
           "5_sandal", "6_shirt", "7_sneaker", "8_bag", "9_boot"]


def to_pixels(rows):
    pixels = np.rint((rows[:, 0] * STD + MEAN) * 255.0)
    assert np.abs((rows[:, 0] * STD + MEAN) * 255.0 - pixels).max() < 0.01, "not 8-bit data"
    return pixels.clip(0, 255).astype(np.uint8)


def write(pixels, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(pixels, mode="L").save(path, optimize=True)


calib = to_pixels(np.load("calib_512.npy")[:256])
for i, p in enumerate(calib):
    write(p, f"fmnist_png/calib/{i:05d}.png")
test = to_pixels(np.load("test_2000.npy")[:300])
labels = np.load("test_2000_labels.npy")[:300]
for i, (p, c) in enumerate(zip(test, labels)):
    write(p, f"fmnist_png/test/{CLASSES[c]}/{i:05d}.png")
