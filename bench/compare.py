#!/usr/bin/python3
"""Side-by-side benchmark of mai against TensorFlow Lite (see docs/benchmarking.md).

Run through bench/compare.sh. For every model and thread count, each engine
runs in fresh processes, interleaved: round 1 runs every (model, threads,
engine) once, then round 2, and so on, with the engine order rotated from
round to round. A process reports the median of its timed runs; the table
gives the median of those per-process medians.

Engines: `mai bench --json --backend auto`, the same with `--backend ref`,
TFLite's WebAssembly build (bench/tflite_wasm_bench.mjs) and, when
--benchmark_model is given, a native TFLite benchmark_model binary.

Only the Python standard library is used.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("MAI_CACHE_DIR") or os.path.join(
    os.path.expanduser("~"), ".cache", "mai")
DEFAULT_MODELS = [
    "face_detection_short_range",
    "face_detection_full_range",
    "face_detection_full_range_sparse",
    "selfie_segmentation",
    "selfie_segmentation_landscape",
]
# TFLite's own refusal of a model (not a harness failure): the table says so.
TIME = "/usr/bin/time"
TIME_FORMAT = "compare-max-rss-kb=%M"
TFLITE_REFUSAL = re.compile(r"Encountered unresolved custom op: ?([A-Za-z0-9_]+)")


class BenchError(Exception):
    pass


def fail(message):
    print(f"compare: {message}", file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/compare.sh",
        description="Benchmark mai against TFLite's WebAssembly build "
        "(and optionally native benchmark_model), interleaved, in fresh processes.")
    p.add_argument("--model", action="append", default=[], metavar="PATH",
                   help="a .tflite model (repeatable); default: the 5 models in "
                   "$MAI_CACHE_DIR/models")
    p.add_argument("--threads", default="1 2",
                   help="thread counts, space- or comma-separated (default '1 2')")
    p.add_argument("--rounds", type=int, default=5,
                   help="fresh processes per engine and configuration (default 5)")
    p.add_argument("--num_runs", type=int, default=20,
                   help="timed runs per process (default 20)")
    p.add_argument("--warmup_runs", type=int, default=5,
                   help="untimed runs after the first, per process (default 5)")
    p.add_argument("--ref_num_runs", type=int, default=5,
                   help="timed runs per process for mai's ref backend (default 5)")
    p.add_argument("--ref_warmup_runs", type=int, default=1,
                   help="warm-up runs for mai's ref backend (default 1)")
    p.add_argument("--no_ref", action="store_true", help="skip mai --backend ref")
    p.add_argument("--no_profile", action="store_true",
                   help="skip the per-op profile of mai auto (where the time goes)")
    p.add_argument("--profile_runs", type=int, default=50,
                   help="profiled runs per model and thread count (default 50)")
    p.add_argument("--seed", type=int, default=1, help="input generator seed (default 1)")
    p.add_argument("--mai", default=os.path.join(REPO, "build", "mai"),
                   help="mai binary (default build/mai)")
    p.add_argument("--node", default="node", help="Node.js binary (default node)")
    p.add_argument("--wasm_dir", default=os.path.join(CACHE, "tfjs-tflite", "wasm"),
                   help="TFLite wasm files (default $MAI_CACHE_DIR/tfjs-tflite/wasm)")
    p.add_argument("--no_simd", action="store_true",
                   help="TFLite wasm without SIMD (the plain builds)")
    p.add_argument("--benchmark_model", metavar="PATH",
                   help="native TFLite benchmark_model binary: adds a column")
    p.add_argument("--out", metavar="FILE",
                   help="report path (default bench/reports/<date>-<host>.md); "
                   "the raw results go next to it as .json")
    p.add_argument("--timeout", type=int, default=600,
                   help="seconds one engine process may take (default 600)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = p.parse_args(argv)
    try:
        args.threads = [int(t) for t in re.split(r"[,\s]+", args.threads.strip()) if t]
    except ValueError:
        p.error("--threads needs integers")
    if not args.threads or min(args.threads) < 1:
        p.error("--threads needs integers >= 1")
    for name in ("rounds", "num_runs", "ref_num_runs"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1")
    for name in ("warmup_runs", "ref_warmup_runs"):
        if getattr(args, name) < 0:
            p.error(f"--{name} must be >= 0")
    return args


def check_setup(args):
    """Fails with a clear message when a binary, the wasm or a model is missing."""
    if not args.model:
        args.model = [os.path.join(CACHE, "models", m + ".tflite") for m in DEFAULT_MODELS]
    for m in args.model:
        if not os.path.isfile(m):
            fail(f"missing model {m} (run scripts/fetch_models.sh)")
    if not (os.path.isfile(args.mai) and os.access(args.mai, os.X_OK)):
        fail(f"missing mai binary {args.mai} (cmake --build build --target mai, "
             "or pass --mai)")
    try:
        subprocess.run([args.node, "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        fail(f"cannot run Node.js ('{args.node}'; scripts/install_deps.sh installs it)")
    base = "tflite_web_api_cc" + ("" if args.no_simd else "_simd")
    needed = []
    if 1 in args.threads:
        needed += [base + ".js", base + ".wasm"]
    if any(t > 1 for t in args.threads):
        needed += [base + "_threaded.js", base + "_threaded.wasm", base + "_threaded.worker.js"]
    for f in needed:
        if not os.path.isfile(os.path.join(args.wasm_dir, f)):
            fail(f"missing TFLite wasm {os.path.join(args.wasm_dir, f)} "
                 "(run scripts/fetch_models.sh or pass --wasm_dir)")
    if args.benchmark_model and not (os.path.isfile(args.benchmark_model)
                                     and os.access(args.benchmark_model, os.X_OK)):
        fail(f"missing benchmark_model binary {args.benchmark_model}")


# ---------------------------------------------------------------------------
# One engine process.

def run_process(cmd, timeout):
    """Runs cmd; returns (returncode, stdout, stderr, max RSS in bytes from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            # wait4 gives the child's own ru_maxrss (KiB on Linux).
            _, status, usage = _wait4_with_timeout(proc, timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise BenchError(f"timed out after {timeout} s: {shlex.join(cmd)}")
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), usage.ru_maxrss * 1024)


def _wait4_with_timeout(proc, timeout):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            return pid, status, usage
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.005)


def tail(text, lines=8):
    return "\n".join(text.strip().splitlines()[-lines:])


class Engine:
    key = ""
    label = ""

    def command(self, args, model, threads):
        raise NotImplementedError

    def parse(self, stdout):
        """Per-process record: median_ms, init_ms, first_run_ms, peak_rss_bytes, ..."""
        raise NotImplementedError


class MaiEngine(Engine):
    def __init__(self, backend):
        self.backend = backend
        self.key = f"mai-{backend}"
        self.label = f"mai {backend}"

    def command(self, args, model, threads):
        ref = self.backend == "ref"
        return [args.mai, "bench", model, "--json", "--backend", self.backend,
                "--num_threads", str(threads),
                "--num_runs", str(args.ref_num_runs if ref else args.num_runs),
                "--warmup_runs", str(args.ref_warmup_runs if ref else args.warmup_runs),
                "--seed", str(args.seed), "--min_secs", "0", "--warmup_min_secs", "0"]

    def parse(self, stdout):
        j = json.loads(stdout)
        mem = j.get("memory", {})
        fallbacks = j.get("fallbacks", [])
        return {
            "median_ms": j["runs"]["median_ms"],
            "samples_ms": j["runs"]["samples_ms"],
            "init_ms": j["init_ms"]["load"] + j["init_ms"]["prepare"],
            "first_run_ms": j["first_run_ms"],
            "peak_rss_bytes": mem.get("peak_rss_bytes"),
            "peak_rss_after_init_bytes": mem.get("peak_rss_after_init_bytes"),
            "fallback_ops": sorted(f.get("op", "?") for f in fallbacks),
        }


class TfliteWasmEngine(Engine):
    key = "tflite-wasm"

    def __init__(self, simd):
        self.simd = simd
        self.label = "TFLite wasm" + ("" if simd else " (no SIMD)")

    def command(self, args, model, threads):
        cmd = [args.node, os.path.join(REPO, "bench", "tflite_wasm_bench.mjs"),
               "--model", model, "--num_threads", str(threads),
               "--num_runs", str(args.num_runs), "--warmup_runs", str(args.warmup_runs),
               "--seed", str(args.seed), "--wasm_dir", args.wasm_dir]
        if not self.simd:
            cmd.append("--no_simd")
        return cmd

    def parse(self, stdout):
        j = json.loads(stdout)
        return {
            "median_ms": j["runs"]["median_ms"],
            "samples_ms": j["runs"]["samples_ms"],
            "init_ms": j["init_ms"]["load"] + j["init_ms"]["prepare"],
            "runtime_load_ms": j["runtime_load_ms"],
            "first_run_ms": j["first_run_ms"],
            "peak_rss_bytes": j["memory"]["peak_rss_bytes"],
            "peak_rss_after_init_bytes": j["memory"]["peak_rss_after_init_bytes"],
            "peak_rss_at_start_bytes": j["memory"]["peak_rss_at_start_bytes"],
            "wasm_build": j["backend"],
        }


class BenchmarkModelEngine(Engine):
    """Native TFLite tools/benchmark/benchmark_model."""
    key = "tflite-native"
    label = "TFLite native"

    def __init__(self, path):
        self.path = path

    def command(self, args, model, threads):
        # /usr/bin/time reports the tool's ru_maxrss; wait4 from here would also
        # count this Python process, whose memory the child had before exec.
        wrapper = [TIME, "-f", TIME_FORMAT] if os.access(TIME, os.X_OK) else []
        return wrapper + [self.path, f"--graph={model}", f"--num_threads={threads}",
                f"--num_runs={args.num_runs}", f"--warmup_runs={args.warmup_runs}",
                "--min_secs=0", "--warmup_min_secs=0", "--use_xnnpack=true"]

    @staticmethod
    def parse_text(text):
        m = re.search(r"Inference timings in us: Init: ([\d.eE+-]+), First inference: "
                      r"([\d.eE+-]+), Warmup \(avg\): ([\d.eE+-]+), Inference \(avg\): "
                      r"([\d.eE+-]+)", text)
        if not m:
            raise ValueError("no 'Inference timings in us' line")
        init_us, first_us, warmup_us, avg_us = (float(g) for g in m.groups())
        rec = {
            "init_ms": init_us / 1e3,
            "first_run_ms": first_us / 1e3,
            "warmup_avg_ms": warmup_us / 1e3,
            "mean_ms": avg_us / 1e3,
            "median_ms": avg_us / 1e3,
            "median_is_mean": True,
        }
        # The timed runs' statistics line precedes the summary; newer
        # versions print a median there.
        stats = re.findall(r"count=(\d+) first=\S+ curr=\S+ min=\S+ max=\S+ avg=\S+ std=\S+"
                           r"(?: p5=\S+ median=([\d.eE+-]+))?", text[:m.start()])
        if stats and stats[-1][1]:
            rec["median_ms"] = float(stats[-1][1]) / 1e3
            rec["median_is_mean"] = False
        mem = re.search(r"(Peak memory footprint|Memory footprint delta from the start of "
                        r"the tool) \(MB\): init=([\d.eE+-]+) overall=([\d.eE+-]+)", text)
        if mem:
            rec["tool_memory_kind"] = mem.group(1)
            rec["tool_memory_init_mb"] = float(mem.group(2))
            rec["tool_memory_overall_mb"] = float(mem.group(3))
        rss = re.search(r"compare-max-rss-kb=(\d+)", text)
        if rss:
            rec["peak_rss_bytes"] = int(rss.group(1)) * 1024
            rec["peak_rss_source"] = "/usr/bin/time"
        return rec

    def parse(self, stdout):
        return self.parse_text(stdout)


# ---------------------------------------------------------------------------

def model_name(path):
    return os.path.splitext(os.path.basename(path))[0]


def log(args, text):
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def run_all(args, engines):
    """Returns results[(model, threads, engine key)] = list of per-process records,
    and refused[model] = reason for models TFLite refuses."""
    results = {}
    refused = {}
    configs = [(m, t) for m in args.model for t in args.threads]
    for r in range(args.rounds):
        order = engines[r % len(engines):] + engines[:r % len(engines)]
        for model, threads in configs:
            for eng in order:
                if (model, eng.key) in refused:
                    continue
                cmd = eng.command(args, model, threads)
                rc, out, err, wait_rss = run_process(cmd, args.timeout)
                where = f"{model_name(model)}, {threads} thread(s), {eng.label}"
                combined = out + "\n" + err
                if rc != 0:
                    m = TFLITE_REFUSAL.search(combined)
                    if eng.key.startswith("tflite") and m:
                        refused[(model, eng.key)] = f"custom op {m.group(1)}"
                        log(args, f"[{r + 1}/{args.rounds}] {where}: TFLite refuses the "
                            f"model ({refused[(model, eng.key)]})")
                        continue
                    raise BenchError(f"{where} failed (exit {rc}):\n  {shlex.join(cmd)}\n"
                                     + tail(combined))
                try:
                    rec = eng.parse(out if eng.key != "tflite-native" else combined)
                except (ValueError, KeyError, TypeError) as e:
                    raise BenchError(f"{where}: cannot read the output ({e}):\n  "
                                     f"{shlex.join(cmd)}\n" + tail(combined))
                if rec.get("peak_rss_bytes") is None:
                    # Includes what the child inherited from this process before exec.
                    rec["peak_rss_bytes"] = wait_rss
                    rec["peak_rss_source"] = "wait4"
                results.setdefault((model, threads, eng.key), []).append(rec)
                log(args, f"[{r + 1}/{args.rounds}] {where}: median {rec['median_ms']:.3f} ms")
    return results, refused


def run_profiles(args):
    """One `mai bench --enable_op_profiling` process per (model, threads), after
    the timed rounds. The FMA peak is measured once per thread count and passed
    on, so that every model is compared with the same yardstick."""
    profiles = {}
    peaks = {}
    for threads in args.threads:
        for model in args.model:
            cmd = [args.mai, "bench", model, "--json", "--backend", "auto",
                   "--num_threads", str(threads), "--num_runs", "5",
                   "--warmup_runs", str(args.warmup_runs), "--seed", str(args.seed),
                   "--enable_op_profiling", "--profiling_runs", str(args.profile_runs),
                   "--min_secs", "0", "--warmup_min_secs", "0"]
            if threads in peaks:
                cmd += ["--peak_gflops", f"{peaks[threads]:.3f}"]
            rc, out, err, _ = run_process(cmd, args.timeout)
            where = f"{model_name(model)}, {threads} thread(s), profile"
            if rc != 0:
                raise BenchError(f"{where} failed (exit {rc}):\n  {shlex.join(cmd)}\n"
                                 + tail(out + "\n" + err))
            prof = json.loads(out)["op_profile"]
            peaks.setdefault(threads, prof["peak_gflops"])
            profiles[(model, threads)] = prof
            log(args, f"{where}: {prof['nodes_avg_us'] / 1e3:.3f} ms in nodes")
    return profiles


def conv_share_of_peak(prof, min_macs=1_000_000):
    """MAC-weighted % of peak over the conv-heavy nodes (>= min_macs MACs)."""
    heavy = [n for n in prof["nodes"] if n["macs"] >= min_macs]
    us = sum(n["avg_us"] for n in heavy)
    macs = sum(n["macs"] for n in heavy)
    if not heavy or us <= 0 or prof["peak_gflops"] <= 0:
        return None, len(heavy)
    return 100.0 * (2.0 * macs / (us * 1e3)) / prof["peak_gflops"], len(heavy)


def profile_section(args, profiles):
    lines = ["## Where the time goes (mai auto)", ""]
    lines.append(f"One `mai bench --enable_op_profiling` process per model and thread count "
                 f"after the timed rounds ({args.profile_runs} profiled runs; "
                 "docs/cli.md, \"Per-op profile\"). % peak = achieved GFLOP/s "
                 "(2 × MACs / time) over the fp32 FMA peak measured by the same process "
                 "at that thread count (`mai device`). Conv-heavy = nodes of at least 1 M "
                 "MACs; their figure is MAC-weighted (total flops / total time). MACs are "
                 "those of the dense layer: layers run by the sparse 1x1 kernel skip their "
                 "zero weights, so a pruned model can show more than 100 %.")
    lines.append("")
    lines.append("| model | threads | ms in nodes | peak GFLOP/s | conv-heavy nodes "
                 "| conv-heavy % peak | top op types (share of time, % peak) |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")
    for model in args.model:
        for threads in args.threads:
            prof = profiles.get((model, threads))
            if not prof:
                continue
            share, count = conv_share_of_peak(prof)
            types = []
            for t in prof["by_type"][:4]:
                peak = f", {t['percent_of_peak']:.0f}%" if t["macs"] > 0 else ""
                types.append(f"{t['op']} {t['percent']:.0f}%{peak}")
            lines.append(f"| {model_name(model)} | {threads} | "
                         f"{prof['nodes_avg_us'] / 1e3:.3f} | {prof['peak_gflops']:.1f} | "
                         f"{count} | {fmt(share, 0)} | {'; '.join(types)} |")
    lines.append("")
    first = args.threads[0]
    for model in args.model:
        prof = profiles.get((model, first))
        if not prof:
            continue
        lines.append(f"### {model_name(model)}, {first} thread(s): top nodes")
        lines.append("")
        lines.append("| node | op | output | µs | share | MACs | GFLOP/s | % peak |")
        lines.append("|---:|---|---|---:|---:|---:|---:|---:|")
        top = sorted(prof["nodes"], key=lambda n: -n["avg_us"])[:8]
        for n in top:
            has = n["macs"] > 0
            lines.append(f"| {n['node']} | {n['op']} | {n['output_shape']} | "
                         f"{n['avg_us']:.1f} | {n['percent']:.1f}% | {n['macs']} | "
                         f"{fmt(n['gflops'], 1) if has else '–'} | "
                         f"{fmt(n['percent_of_peak'], 0) if has else '–'} |")
        lines.append("")
    return lines


def median_of(records, field):
    values = [r[field] for r in records if r.get(field) is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _first_float(text):
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return None


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def build_report(args, engines, results, refused, meta, profiles):
    lines = []
    lines.append(f"# mai vs TensorFlow Lite — {meta['date']} on {meta['host']}")
    lines.append("")
    lines.append(f"Machine: {meta['cpu']}, {meta['cores']} logical cores, "
                 f"{meta['kernel']}; Node.js {meta['node']}; mai {meta['revision']}.")
    lines.append(f"Load average (1/5/15 min) before: {meta['load_before']}, "
                 f"after: {meta['load_after']}.")
    busy = [v for v in (meta["load_before"], meta["load_after"])
            if _first_float(v) is not None and _first_float(v) > (meta["cores"] or 1)]
    if busy:
        lines.append("")
        lines.append(f"**The machine was busy** (1-minute load average above its "
                     f"{meta['cores']} cores): other jobs took CPU time during the runs, so "
                     "latencies are noisy, multi-threaded ones most of all; treat them as rough "
                     "and do not compare them with reports from a quiet machine.")
    lines.append("")
    lines.append("Command:")
    lines.append("")
    lines.append("```")
    lines.append(meta["command"])
    lines.append("```")
    lines.append("")
    lines.append(f"{args.rounds} fresh processes per row, interleaved; each process: first run, "
                 f"{args.warmup_runs} warm-up runs, {args.num_runs} timed runs "
                 f"(mai ref: {args.ref_warmup_runs} warm-up, {args.ref_num_runs} timed). "
                 "Latency = median over processes of the per-process median; range = lowest "
                 "and highest per-process median; init, first run and peak RSS are medians over "
                 "processes. Ratio = latency / TFLite wasm latency (below 1: faster than "
                 f"TFLite wasm). Seed {args.seed} (lcg-nr32-v1). Method: docs/benchmarking.md.")
    lines.append("")
    header = ("| model | threads | engine | median latency ms | range ms | vs TFLite wasm "
              "| init ms | first run ms | peak RSS MB |")
    lines.append(header)
    lines.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    notes = []
    for model in args.model:
        name = model_name(model)
        for threads in args.threads:
            wasm = results.get((model, threads, "tflite-wasm"))
            wasm_lat = median_of(wasm, "median_ms") if wasm else None
            for eng in engines:
                label = eng.label
                if (model, eng.key) in refused:
                    lines.append(f"| {name} | {threads} | {label} | refused: "
                                 f"{refused[(model, eng.key)]} | | | | | |")
                    continue
                recs = results.get((model, threads, eng.key))
                if not recs:
                    continue
                lat = median_of(recs, "median_ms")
                meds = [r["median_ms"] for r in recs]
                ratio = f"{lat / wasm_lat:.2f}×" if wasm_lat else "n/a"
                rss = median_of(recs, "peak_rss_bytes")
                if eng.key == "tflite-native" and any(r.get("median_is_mean") for r in recs):
                    label += " †"
                lines.append(
                    f"| {name} | {threads} | {label} | {fmt(lat, 3)} | "
                    f"{fmt(min(meds), 2)}–{fmt(max(meds), 2)} | {ratio} | "
                    f"{fmt(median_of(recs, 'init_ms'), 1)} | "
                    f"{fmt(median_of(recs, 'first_run_ms'), 2)} | "
                    f"{fmt(rss / 1e6 if rss else None, 1)} |")
                fb = recs[0].get("fallback_ops")
                if fb and threads == args.threads[0]:
                    counts = {}
                    for op in fb:
                        counts[op] = counts.get(op, 0) + 1
                    listed = ", ".join(f"{op} ×{n}" for op, n in sorted(counts.items()))
                    notes.append(f"- {name}, {label}: {len(fb)} node(s) ran on ref ({listed}).")
    lines.append("")
    lines.append("Notes:")
    lines.append("")
    lines.extend(notes)
    refused_models = {}
    for (model, _), why in refused.items():
        refused_models.setdefault(model, why)
    for model, why in refused_models.items():
        lines.append(f"- {model_name(model)}: TFLite refuses the model ({why}, which stock "
                     "TFLite does not register; MediaPipe adds it); mai runs it, so there is "
                     "no TFLite figure to compare with.")
    wasm_all = [r for (m, t, k), recs in results.items() if k == "tflite-wasm" for r in recs]
    if wasm_all:
        start = statistics.median(r["peak_rss_at_start_bytes"] for r in wasm_all) / 1e6
        rt = statistics.median(r["runtime_load_ms"] for r in wasm_all)
        builds = sorted({r["wasm_build"] for r in wasm_all})
        lines.append(f"- TFLite wasm runs in Node.js: its peak RSS includes Node itself "
                     f"({start:.1f} MB before the wasm is loaded) and, with more than one "
                     "thread, the worker threads of the threaded build. Its init excludes "
                     f"compiling and instantiating the wasm module (median {rt:.0f} ms). "
                     f"Builds: {', '.join(builds)}; the web runner always applies TFLite's "
                     "XNNPACK delegate.")
    if any(k == "tflite-native" for (_, _, k) in results):
        lines.append("- TFLite native: benchmark_model with its own random inputs; init, first "
                     "run and timings from its 'Inference timings in us' line, peak RSS from "
                     "its ru_maxrss through /usr/bin/time (which adds at most its own ~1 MB; "
                     "without /usr/bin/time: wait4 from the harness, which also counts the "
                     "harness's memory before exec). † = this benchmark_model prints no "
                     "median, so its per-process figure is the mean of the timed runs.")
    lines.append("- mai peak RSS is VmHWM of the `mai bench` process at the end "
                 "(`memory.peak_rss_bytes` in its JSON).")
    lines.append("")
    if profiles:
        lines.extend(profile_section(args, profiles))
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    check_setup(args)
    args.model = [os.path.abspath(m) for m in args.model]
    engines = [MaiEngine("auto")]
    if not args.no_ref:
        engines.append(MaiEngine("ref"))
    engines.append(TfliteWasmEngine(simd=not args.no_simd))
    if args.benchmark_model:
        engines.append(BenchmarkModelEngine(os.path.abspath(args.benchmark_model)))

    now = datetime.datetime.now()
    host = socket.gethostname().split(".")[0] or "host"
    node_version = subprocess.run([args.node, "--version"], capture_output=True,
                                  text=True).stdout.strip()
    meta = {
        "date": now.strftime("%Y-%m-%d"),
        "host": host,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "kernel": f"{platform.system()} {platform.release()}",
        "node": node_version,
        "revision": git_revision(),
        "load_before": load_average(),
        "command": shlex.join(["bench/compare.sh"] + argv),
    }
    try:
        results, refused = run_all(args, engines)
        profiles = {} if args.no_profile else run_profiles(args)
    except BenchError as e:
        fail(str(e))
    meta["load_after"] = load_average()
    report = build_report(args, engines, results, refused, meta, profiles)

    out = args.out or os.path.join(REPO, "bench", "reports", f"{meta['date']}-{host}.md")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write(report)
    raw = {
        "meta": meta,
        "options": {k: v for k, v in vars(args).items()},
        "refused": [{"model": model_name(m), "engine": k, "reason": why}
                    for (m, k), why in refused.items()],
        "processes": [
            {"model": model_name(m), "threads": t, "engine": k, **rec}
            for (m, t, k), recs in results.items() for rec in recs
        ],
        "profiles": [{"model": model_name(m), "threads": t, **prof}
                     for (m, t), prof in profiles.items()],
    }
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump(raw, f, indent=1)
        f.write("\n")
    print(report)
    print(f"report: {os.path.relpath(out)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
