#!/usr/bin/python3
"""Float vs int8 on every zoo model at its track's default resolution.

For each model: `mai zoo build` (float), `mai quantize` calibrated on real
photographs (Debian's python3-skimage) and validated on a held-out one
(int8-vs-float PSNR and max abs error), then `mai bench` on the float and the
int8 file, interleaved, for each thread count. Writes
bench/reports/<date>-zoo-int8.md (+ .json) and prints the table.

  bench/zoo_int8.sh [--models a,b] [--threads "1 2"] [--num_runs 10]
                    [--rounds 3] [--work DIR] [--real_models]

--real_models measures the face detection and selfie segmentation models
that scripts/fetch_models.sh caches instead of the zoo (added to --models
when given); face detection takes inputs in [-1, 1].

The zoo's weights are random (seeded): PSNR says how much int8 loses on
these networks and images, not how good the models are.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
CALIBRATION = ["astronaut.png", "coffee.png", "motorcycle_left.png",
               "rocket.jpg"]
HELD_OUT = "chelsea.png"


def fail(message):
    print(f"zoo_int8: {message}", file=sys.stderr)
    sys.exit(1)


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def zoo_models(mai):
    names = []
    for line in run([mai, "zoo", "list"]).splitlines()[1:]:
        if line and not line.startswith("note:"):
            names.append(line.split()[0])
    return names


def prepare_photos(work):
    cal = os.path.join(work, "photos", "calibration")
    os.makedirs(cal, exist_ok=True)
    for name in CALIBRATION:
        src = os.path.join(SKIMAGE, name)
        if not os.path.exists(src):
            fail(f"{src} missing (apt-get install python3-skimage)")
        shutil.copyfile(src, os.path.join(cal, name))
    held = os.path.join(work, "photos", HELD_OUT)
    shutil.copyfile(os.path.join(SKIMAGE, HELD_OUT), held)
    return cal, held


# The demo models scripts/fetch_models.sh caches, with their input ranges.
REAL_MODELS = {"face_detection_short_range": "-1,1",
               "face_detection_full_range": "-1,1",
               "face_detection_full_range_sparse": "-1,1",
               "selfie_segmentation": "0,1",
               "selfie_segmentation_landscape": "0,1"}


def models_dir():
    cache = os.environ.get("MAI_CACHE_DIR",
                           os.path.expanduser("~/.cache/mai"))
    return os.path.join(cache, "models")


def quantize(mai, model, out, cal, held, input_range):
    text = run([mai, "quantize", model, "--out", out, "--calibration", cal,
                "--calibration_samples", str(len(CALIBRATION)),
                "--calibration_backend", "auto", "--validation", held,
                "--input_range", input_range])
    errors = []
    for m in re.finditer(r"^  (\S+): PSNR (\S+) dB, max abs error (\S+)$",
                         text, re.M):
        errors.append({"output": m.group(1), "psnr_db": float(m.group(2)),
                       "max_abs_error": float(m.group(3))})
    if not errors:
        fail(f"no error line in mai quantize output:\n{text}")
    return errors


def bench(mai, model, threads, num_runs):
    text = run([mai, "bench", model, "--num_threads", str(threads),
                "--num_runs", str(num_runs), "--warmup_runs", "2",
                "--min_secs", "0", "--warmup_min_secs", "0", "--json"])
    d = json.loads(text)
    return {"median_ms": d["runs"]["median_ms"],
            "init_ms": d["init_ms"]["load"] + d["init_ms"]["prepare"],
            "peak_rss_mb": d["memory"]["peak_rss_bytes"] / 1e6,
            "arena_mb": d["memory"]["arena_bytes"] / 1e6,
            "fallbacks": sorted({f.get("op", "?") for f in d["fallbacks"]})}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="")
    p.add_argument("--threads", default="1 2")
    p.add_argument("--num_runs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3,
                   help="interleaved float/int8 processes per thread count")
    p.add_argument("--work", default="/tmp/mai-zoo-int8")
    p.add_argument("--report", default="zoo-int8",
                   help="report name: bench/reports/<date>-<report>.md")
    p.add_argument("--real_models", action="store_true",
                   help="also the cached face detection and selfie models")
    p.add_argument("--mai", default=os.path.join(ROOT, "build", "mai"))
    a = p.parse_args()
    if not os.access(a.mai, os.X_OK):
        fail(f"{a.mai} not found (bash scripts/build.sh)")
    os.makedirs(a.work, exist_ok=True)
    cal, held = prepare_photos(a.work)
    models = a.models.split(",") if a.models else zoo_models(a.mai)
    if a.real_models:
        models = list(REAL_MODELS) if a.models == "" else models
        models += [m for m in REAL_MODELS if m not in models]
    threads = [int(t) for t in a.threads.split()]
    rows = []
    for name in models:
        print(f"zoo_int8: {name}", file=sys.stderr)
        if name in REAL_MODELS:
            f = os.path.join(models_dir(), name + ".tflite")
            if not os.path.exists(f):
                fail(f"{f} missing (bash scripts/fetch_models.sh)")
        else:
            run([a.mai, "zoo", "build", name, "--out", a.work])
            f = os.path.join(a.work, name + ".tflite")
        q = os.path.join(a.work, name + ".int8.tflite")
        errors = quantize(a.mai, f, q, cal, held, REAL_MODELS.get(name, "0,1"))
        row = {"model": name, "errors": errors,
               "bytes": {"float": os.path.getsize(f),
                         "int8": os.path.getsize(q)},
               "threads": {}}
        for t in threads:
            samples = {"float": [], "int8": []}
            for _ in range(a.rounds):
                for kind, path in (("float", f), ("int8", q)):
                    samples[kind].append(bench(a.mai, path, t, a.num_runs))
            row["threads"][t] = {
                kind: {"median_ms": statistics.median(
                           s["median_ms"] for s in runs),
                       "init_ms": statistics.median(s["init_ms"] for s in runs),
                       "peak_rss_mb": max(s["peak_rss_mb"] for s in runs),
                       "arena_mb": runs[0]["arena_mb"],
                       "fallbacks": runs[0]["fallbacks"],
                       "process_medians_ms": [s["median_ms"] for s in runs]}
                for kind, runs in samples.items()}
        rows.append(row)

    lines = ["# Zoo models: float vs int8 in mai", "",
             f"{datetime.date.today()}, {platform.node()}, "
             f"`bench/zoo_int8.sh --threads \"{a.threads}\" --num_runs "
             f"{a.num_runs} --rounds {a.rounds}`; mai's auto backend; "
             "latency: median of per-process medians over interleaved fresh "
             "processes.", "",
             "int8: `mai quantize` calibrated on "
             f"{', '.join(CALIBRATION)} (skimage), error measured on the "
             f"held-out {HELD_OUT} (input range [0, 1]; 1-channel inputs "
             "take luma, 4-channel inputs a packed Bayer mosaic). Random "
             "seeded weights.", "",
             "PSNR and max error: the worst output of the model.", "",
             "| model | int8 vs float PSNR | max abs error | threads | float "
             "ms | int8 ms | int8/float | float RSS MB | int8 RSS MB | int8 "
             "on ref |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        e = min(row["errors"], key=lambda x: x["psnr_db"])  # the worst output
        for t, r in row["threads"].items():
            fl, q8 = r["float"], r["int8"]
            lines.append(
                f"| {row['model']} | {e['psnr_db']:.2f} dB | "
                f"{e['max_abs_error']:.4g} | {t} | {fl['median_ms']:.2f} | "
                f"{q8['median_ms']:.2f} | "
                f"{q8['median_ms'] / fl['median_ms']:.2f}x | "
                f"{fl['peak_rss_mb']:.0f} | {q8['peak_rss_mb']:.0f} | "
                f"{', '.join(q8['fallbacks']) or '-'} |")
    report = "\n".join(lines) + "\n"
    print(report)
    out_dir = os.path.join(HERE, "reports")
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, f"{datetime.date.today()}-{a.report}")
    with open(stem + ".md", "w") as fh:
        fh.write(report)
    with open(stem + ".json", "w") as fh:
        json.dump(rows, fh, indent=1)
    print(f"zoo_int8: wrote {stem}.md and .json", file=sys.stderr)


if __name__ == "__main__":
    main()
