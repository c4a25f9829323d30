#!/usr/bin/python3
"""Writes small validation sets for the built-in challenge tracks.

    scripts/make_validation_data.py OUT_DIR      # prints OUT_DIR

Every set is made from real photographs shipped by Debian's python3-skimage
and is deterministic (fixed crops, seeded noise). Layout, one folder per
set, file names shared between a set's input and target folders:

  sr_x3/       lr/NAME.png (H x W RGB)  hr/NAME.png (3H x 3W RGB)
               HR: centre crops; LR: HR downscaled by 3 (bicubic,
               anti-aliased), as the SR tracks build their inputs.
  video_sr_x4/ lr/NAME.png  hr/NAME.png (x4): consecutive frames of a
               slow pan across a photograph (2 px per frame at HR).
  denoise/     noisy/NAME.png  clean/NAME.png: Gaussian noise, sigma 25/255,
               seeded, clipped to 8 bits.
  isp/         raw/NAME.png (16-bit, one channel, Bayer RGGB mosaic with
               10-bit values, 2H x 2W)  rgb/NAME.png (2H x 2W RGB): the
               photograph linearised (gamma 2.2) and mosaicked.
  depth/       rgb/NAME.png  depth/NAME.png (16-bit, millimetres, 0 =
               unknown): the Middlebury 2014 Motorcycle pair in skimage,
               depth = f * B / (disparity + doffs) with the scene's
               calibration (f = 3979.911 px, B = 193.001 mm,
               doffs = 124.343 px at full size; skimage's copy is a quarter
               of it, so f and doffs are divided by 4), then centre crops.
  bokeh/       sharp/NAME.png  bokeh/NAME.png: a synthetic shallow depth of
               field (the photograph blurred by a disc outside a centred
               ellipse, blended smoothly).
  scenes/      images/NAME.png  labels.json ({"NAME.png": class index}).
"""
import json
import os
import sys

import numpy as np
from skimage import data, io
from skimage.filters import gaussian
from skimage.transform import resize

PHOTOS = {
    "astronaut": data.astronaut,
    "chelsea": data.chelsea,
    "coffee": data.coffee,
    "rocket": data.rocket,
}


def centre_crop(img, h, w):
    """Scales `img` to cover h x w (keeping its aspect) and crops the centre."""
    ih, iw = img.shape[:2]
    s = max(h / ih, w / iw)
    nh, nw = max(h, round(ih * s)), max(w, round(iw * s))
    img = resize(img, (nh, nw), order=1, anti_aliasing=True)
    top, left = (nh - h) // 2, (nw - w) // 2
    return img[top:top + h, left:left + w]


def to_u8(img):
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def save(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    io.imsave(path, array, check_contrast=False)


def photo(name):
    return PHOTOS[name]().astype(np.float64) / 255.0


def sr_sets(out):
    for name in ("astronaut", "chelsea", "coffee"):
        hr = to_u8(centre_crop(photo(name), 96, 144)).astype(np.float64) / 255
        lr = resize(hr, (32, 48), order=3, anti_aliasing=True)
        save(f"{out}/sr_x3/hr/{name}.png", to_u8(hr))
        save(f"{out}/sr_x3/lr/{name}.png", to_u8(lr))
    base = centre_crop(photo("rocket"), 96, 200)
    for k in range(3):
        hr = to_u8(base[:, 2 * k:2 * k + 160]).astype(np.float64) / 255
        lr = resize(hr, (24, 40), order=3, anti_aliasing=True)
        save(f"{out}/video_sr_x4/hr/frame{k}.png", to_u8(hr))
        save(f"{out}/video_sr_x4/lr/frame{k}.png", to_u8(lr))


def denoise_set(out):
    rng = np.random.default_rng(2021)
    for name in ("astronaut", "chelsea", "coffee"):
        clean = to_u8(centre_crop(photo(name), 64, 96)).astype(np.float64)
        noisy = clean + rng.normal(0.0, 25.0, clean.shape)
        save(f"{out}/denoise/clean/{name}.png", clean.astype(np.uint8))
        save(f"{out}/denoise/noisy/{name}.png",
             np.clip(np.rint(noisy), 0, 255).astype(np.uint8))


def isp_set(out):
    for name in ("astronaut", "coffee"):
        rgb = to_u8(centre_crop(photo(name), 64, 96))
        linear = (rgb.astype(np.float64) / 255.0) ** 2.2
        raw = np.zeros(linear.shape[:2], dtype=np.float64)
        raw[0::2, 0::2] = linear[0::2, 0::2, 0]  # R
        raw[0::2, 1::2] = linear[0::2, 1::2, 1]  # G
        raw[1::2, 0::2] = linear[1::2, 0::2, 1]  # G
        raw[1::2, 1::2] = linear[1::2, 1::2, 2]  # B
        save(f"{out}/isp/rgb/{name}.png", rgb)
        save(f"{out}/isp/raw/{name}.png",
             np.rint(raw * 1023.0).astype(np.uint16))


def depth_set(out):
    left, _, disparity = data.stereo_motorcycle()
    f, baseline, doffs = 3979.911 / 4, 193.001, 124.343 / 4
    valid = np.isfinite(disparity) & (disparity > 0)
    depth = np.where(valid, f * baseline / (np.where(valid, disparity, 1) +
                                            doffs), 0.0)
    h, w = disparity.shape
    for k, (top, left_x) in enumerate(((100, 150), (220, 400))):
        rgb = left[top:top + 128, left_x:left_x + 192]
        d = depth[top:top + 128, left_x:left_x + 192]
        rgb = resize(rgb.astype(np.float64) / 255, (64, 96), order=1,
                     anti_aliasing=True)
        # Nearest sampling keeps unknown (0) pixels unknown.
        d = d[::2, ::2]
        save(f"{out}/depth/rgb/motorcycle{k}.png", to_u8(rgb))
        save(f"{out}/depth/depth/motorcycle{k}.png",
             np.clip(np.rint(d), 0, 65535).astype(np.uint16))


def bokeh_set(out):
    for name in ("astronaut", "coffee"):
        sharp = centre_crop(photo(name), 64, 96)
        blurred = gaussian(sharp, sigma=3.0, channel_axis=-1)
        yy, xx = np.mgrid[0:64, 0:96]
        r = np.sqrt(((yy - 32) / 26.0) ** 2 + ((xx - 48) / 30.0) ** 2)
        keep = np.clip(1.5 - r, 0.0, 1.0)[..., None]
        bokeh = keep * sharp + (1 - keep) * blurred
        save(f"{out}/bokeh/sharp/{name}.png", to_u8(sharp))
        save(f"{out}/bokeh/bokeh/{name}.png", to_u8(bokeh))


def scenes_set(out):
    labels = {}
    for k, name in enumerate(("astronaut", "chelsea", "coffee", "rocket")):
        save(f"{out}/scenes/images/{name}.png",
             to_u8(centre_crop(photo(name), 64, 64)))
        labels[f"{name}.png"] = k
    with open(f"{out}/scenes/labels.json", "w") as fh:
        json.dump(labels, fh, indent=1, sort_keys=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    sr_sets(out)
    denoise_set(out)
    isp_set(out)
    depth_set(out)
    bokeh_set(out)
    scenes_set(out)
    print(out)


if __name__ == "__main__":
    main()
