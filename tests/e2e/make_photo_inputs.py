#!/usr/bin/python3
"""Writes real photographs (from Debian's python3-skimage) as model inputs.

For each photo and each input size the real models use, writes
<out>/<photo>_<h>x<w>_<range>.npy: float32 [1, h, w, 3], RGB, bilinearly
resized (anti-aliased), scaled to [-1, 1] ("m11", face detection) or [0, 1]
("01", selfie segmentation). Deterministic: no randomness involved.
"""
import os
import sys

import numpy as np
from skimage import data
from skimage.transform import resize

PHOTOS = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea}
SIZES = [(128, 128), (192, 192), (256, 256), (144, 256)]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, load in PHOTOS.items():
        img = load().astype(np.float64) / 255.0
        for h, w in SIZES:
            small = resize(img, (h, w), order=1, anti_aliasing=True)
            for tag, x in (("01", small), ("m11", small * 2.0 - 1.0)):
                arr = x.astype(np.float32)[None, ...]
                np.save(os.path.join(out, f"{name}_{h}x{w}_{tag}.npy"), arr)
    print(out)


if __name__ == "__main__":
    main()
