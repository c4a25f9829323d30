#!/usr/bin/python3
"""Load test of `mai serve`: many participants polling job status, uploads,
and simulated device agents, all over real HTTP on loopback.

  bench/server_load.sh [--agents 100] [--participants 200] [--duration 30]
                       [--connections 32] [--uploaders 2] [--db URL]

What runs at once during the measured window:
  * wrk (Debian's `wrk`, bench/server_load.lua) polling GET /api/v1/jobs/ID
    over --connections keep-alive connections, each pausing
    --poll_interval_ms between requests (100 pollers at 10 Hz by default),
    round robin over the participants, each with its own token and job;
  * --agents simulated agents (threads; one agent token each): register,
    long-poll POST /agents/ID/lease?wait=20, download the model and check
    its sha256, heartbeat, "run" for a seeded random 0.2-2 s, post a result
    (a real `mai bench --json` report of the model, measured once at set-up);
  * --uploaders threads uploading the real model (POST /submissions) for
    random participants, one every --upload_interval seconds each.

The server is started fresh (SQLite in a temporary directory, or --db
postgresql://...), and the set-up (participants, their first submissions
and the agents' first jobs) is done before the window opens. The report
(bench/reports/DATE-server-load[-TAG].{md,json}) has wrk's throughput and
latency percentiles, each client's requests, latencies and errors, the jobs
finished in the window, and the server's CPU time and peak RSS. Exit status
1 when anything returned an unexpected status.
"""

import argparse
import datetime
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def fail(message):
    print("server_load: " + message, file=sys.stderr)
    sys.exit(1)


class Recorder:
    """Latencies (ms) and unexpected statuses of one kind of request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = {}

    def add(self, name, ms, ok, detail=""):
        with self.lock:
            self.latencies.setdefault(name, []).append(ms)
            if not ok:
                self.errors.setdefault(name, []).append(detail)

    def summary(self):
        out = {}
        for name, values in sorted(self.latencies.items()):
            v = sorted(values)
            out[name] = {
                "requests": len(v),
                "errors": len(self.errors.get(name, [])),
                "error_examples": self.errors.get(name, [])[:3],
                "p50_ms": round(percentile(v, 50), 2),
                "p99_ms": round(percentile(v, 99), 2),
                "max_ms": round(v[-1], 2),
            }
        return out


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


class Client:
    """One keep-alive HTTP connection with a bearer token."""

    def __init__(self, port, token, timeout=60):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None
        self.patient = False

    def request(self, method, path, body=None, content_type=None):
        headers = {"Authorization": "Bearer " + self.token}
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect
                # once (the request was not processed).
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def json(self, method, path, body=None, content_type=None):
        status, data = self.request(method, path, body, content_type)
        while status == 429 and self.patient:
            # Set-up calls wait out the per-token rate limit.
            time.sleep(1.0)
            status, data = self.request(method, path, body, content_type)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, {"raw": data[:200].decode("utf-8", "replace")}


def timed(rec, name, expect, fn):
    start = time.perf_counter()
    try:
        status, body = fn()
    except Exception as e:  # a transport error is an error of the run
        rec.add(name, (time.perf_counter() - start) * 1e3, False, repr(e))
        return None, None
    ms = (time.perf_counter() - start) * 1e3
    ok = status in expect
    rec.add(name, ms, ok, "" if ok else f"{status} {str(body)[:200]}")
    return status, body


def simulated_agent(index, port, token, model_sha, result, stop, rec, counters,
                    measuring):
    rng = random.Random(1000 + index)
    c = Client(port, token)
    status, body = timed(rec, "agent register", {200}, lambda: c.json(
        "POST", "/api/v1/agents/register",
        json.dumps({"device_class": "loadsim",
                    "description": {"model_name": f"simulated {index}",
                                    "logical_cores": 8}}),
        "application/json"))
    if status != 200:
        return
    agent_id = body["agent_id"]
    while not stop.is_set():
        status, job = timed(rec, "agent lease (long poll)", {200, 204},
                            lambda: c.json(
                                "POST", f"/api/v1/agents/{agent_id}/lease?wait=20",
                                b"", "application/json"))
        if status is None:
            time.sleep(0.5)
            continue
        if status != 200:
            continue
        jid, attempt = job["job"], job["attempt"]
        status, data = timed(rec, "agent model download", {200},
                             lambda: c.request("GET", job["model_url"]))
        if status == 200 and hashlib.sha256(data).hexdigest() != model_sha:
            rec.add("agent model sha256", 0, False, "sha256 mismatch")
        beat = json.dumps({"agent_id": agent_id, "attempt": attempt})
        timed(rec, "agent heartbeat", {200}, lambda: c.json(
            "POST", f"/api/v1/jobs/{jid}/heartbeat", beat, "application/json"))
        time.sleep(rng.uniform(0.2, 2.0))
        post = json.dumps({"agent_id": agent_id, "attempt": attempt,
                           "result": result})
        status, _ = timed(rec, "agent result", {200}, lambda: c.json(
            "POST", f"/api/v1/jobs/{jid}/result", post, "application/json"))
        if status == 200 and measuring.is_set():
            with counters["lock"]:
                counters["jobs_done_in_window"] += 1


def uploader(index, port, tokens, model, interval, stop, rec, counters):
    rng = random.Random(2000 + index)
    clients = {}
    while not stop.is_set():
        token = rng.choice(tokens)
        c = clients.setdefault(token, Client(port, token))
        status, _ = timed(rec, "upload", {201}, lambda: c.json(
            "POST", "/api/v1/submissions?track=mai2021-denoising"
            "&devices=loadsim&name=face_detection_short_range.tflite",
            model, "application/octet-stream"))
        if status == 201:
            with counters["lock"]:
                counters["uploads_in_window"] += 1
        stop.wait(interval)


def proc_stat(pid):
    """(cpu seconds, peak RSS bytes) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    return cpu, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mai", default=os.path.join(ROOT, "build", "mai"))
    ap.add_argument("--model", default=os.path.expanduser(
        "~/.cache/mai/models/face_detection_short_range.tflite"))
    ap.add_argument("--agents", type=int, default=100)
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--duration", type=int, default=30, help="seconds")
    ap.add_argument("--connections", type=int, default=100,
                    help="status pollers (keep-alive connections)")
    ap.add_argument("--poll_interval_ms", type=int, default=100,
                    help="each poller's pause between requests")
    ap.add_argument("--wrk_threads", type=int, default=1)
    ap.add_argument("--uploaders", type=int, default=2)
    ap.add_argument("--upload_interval", type=float, default=1.0)
    ap.add_argument("--db", default="", help="postgresql://... (default SQLite)")
    ap.add_argument("--tag", default="", help="report name suffix")
    ap.add_argument("--out", default=os.path.join(HERE, "reports"))
    args = ap.parse_args()
    for path, what in ((args.mai, "mai binary (bash scripts/build.sh)"),
                       (args.model, "model (bash scripts/fetch_models.sh)")):
        if not os.path.isfile(path):
            fail(f"no {what}: {path}")
    if shutil.which("wrk") is None:
        fail("wrk is missing (bash scripts/install_deps.sh)")
    if args.agents < 1 or args.participants < 1 or args.duration < 1:
        fail("--agents, --participants and --duration must be positive")
    with open(args.model, "rb") as f:
        model = f.read()
    model_sha = hashlib.sha256(model).hexdigest()

    bench = subprocess.run(
        [args.mai, "bench", args.model, "--json", "--num_runs", "10",
         "--enable_op_profiling"], capture_output=True, text=True)
    if bench.returncode != 0:
        fail("mai bench failed: " + bench.stderr.strip()[-300:])
    result = json.loads(bench.stdout)

    work = tempfile.mkdtemp(prefix="mai-load-")
    cmd = [args.mai, "serve", "--data_dir", work, "--host", "127.0.0.1",
           "--port", "0", "--device_class", "loadsim", "--daily_quota",
           "1000000", "--lease_secs", "30", "--http_threads", "512"]
    if args.db:
        cmd += ["--db", args.db]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=open(os.path.join(work, "server.log"), "w"),
                              text=True)
    try:
        first = server.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        if not m:
            fail("server did not start: " + first.strip())
        port = int(m.group(1))
        with open(os.path.join(work, "admin.token")) as f:
            admin = Client(port, f.read().strip())
        admin.patient = True
        return run(args, port, server, admin, model, model_sha, result, work)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def run(args, port, server, admin, model, model_sha, result, work):
    print(f"server on port {port}; setting up {args.participants} participants"
          f" and {args.agents} agents", flush=True)
    run_id = os.getpid()
    tokens, targets = [], []
    for i in range(args.participants):
        status, body = admin.json(
            "POST", "/api/v1/admin/participants",
            json.dumps({"name": f"load-{run_id}-{i}"}), "application/json")
        if status != 201:
            fail(f"creating a participant: {status} {body}")
        tokens.append(body["token"])
    for token in tokens:
        c = Client(port, token)
        status, body = c.json(
            "POST", "/api/v1/submissions?track=mai2021-denoising&devices=loadsim",
            model, "application/octet-stream")
        if status != 201:
            fail(f"set-up upload: {status} {body}")
        targets.append((token, body["jobs"][0]["id"]))
    agent_tokens = []
    for i in range(args.agents):
        status, body = admin.json("POST", "/api/v1/admin/agent_tokens")
        if status != 201:
            fail(f"creating an agent token: {status} {body}")
        agent_tokens.append(body["token"])

    rec = Recorder()
    counters = {"lock": threading.Lock(), "jobs_done_in_window": 0,
                "uploads_in_window": 0}
    stop, measuring = threading.Event(), threading.Event()
    agents = [threading.Thread(
        target=simulated_agent, daemon=True,
        args=(i, port, agent_tokens[i], model_sha, result, stop, rec, counters,
              measuring)) for i in range(args.agents)]
    for t in agents:
        t.start()
    # Warm-up: the agents work through the set-up submissions.
    deadline = time.time() + 60
    while time.time() < deadline:
        status, body = admin.json("GET", "/api/v1/devices")
        if status == 200 and body["queue"].get("loadsim", 0) == 0:
            break
        time.sleep(0.5)
    print("warm-up done; measuring", flush=True)

    targets_file = os.path.join(work, "targets.txt")
    with open(targets_file, "w") as f:
        for token, job in targets:
            f.write(f"{token} {job}\n")
    cpu0, _ = proc_stat(server.pid)
    overflows0 = listen_overflows()
    measuring.set()
    uploaders = [threading.Thread(
        target=uploader, daemon=True,
        args=(i, port, tokens, model, args.upload_interval, stop, rec,
              counters)) for i in range(args.uploaders)]
    for t in uploaders:
        t.start()
    wrk = subprocess.run(
        ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections),
         "-d", f"{args.duration}s", "--timeout", "10s", "-s",
         os.path.join(HERE, "server_load.lua"),
         f"http://127.0.0.1:{port}", "--", targets_file,
         str(args.poll_interval_ms)],
        capture_output=True, text=True)
    measuring.clear()
    cpu1, peak_rss = proc_stat(server.pid)
    overflows = listen_overflows() - overflows0
    stop.set()
    for t in uploaders:
        t.join(timeout=30)
    status, metrics = admin.request("GET", "/metrics")
    wrk_line = [l for l in wrk.stdout.splitlines() if l.startswith("WRK_JSON ")]
    if wrk.returncode != 0 or not wrk_line:
        fail("wrk failed: " + (wrk.stderr or wrk.stdout).strip()[-500:])
    w = json.loads(wrk_line[0][len("WRK_JSON "):])
    secs = w["duration_us"] / 1e6
    status_errors = sum(w["errors"].values())
    clients = rec.summary()
    client_errors = sum(v["errors"] for v in clients.values())
    agents_online = re.search(r"^mai_agents_online (\S+)$",
                              metrics.decode(), re.M)
    # The server's own view of the status polls (whole run): the latency
    # histogram's buckets for GET /jobs/{id}.
    server_buckets = {
        m.group(1): int(float(m.group(2))) for m in re.finditer(
            r'^mai_http_request_seconds_bucket\{route="GET /jobs/\{id\}",'
            r'le="([^"]+)"\} (\S+)$', metrics.decode(), re.M)}
    report = {
        "schema": "mai.server_load/1",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "machine": machine(),
        "store": "postgresql" if args.db else "sqlite",
        "config": {k: v for k, v in vars(args).items()
                   if k not in ("mai", "out", "db")},
        "model": os.path.basename(args.model),
        "status_polls": {
            "requests": w["requests"],
            "requests_per_sec": round(w["requests"] / secs, 1),
            "bytes_per_response": round(w["bytes"] / max(1, w["requests"])),
            "errors": w["errors"],
            "latency_ms": {k: round(v / 1e3, 2)
                           for k, v in w["latency_us"].items()},
        },
        "server_side_status_latency_buckets": server_buckets,
        "clients": clients,
        "uploads_in_window": counters["uploads_in_window"],
        "jobs_done_in_window": counters["jobs_done_in_window"],
        "agents_online_at_end": float(agents_online.group(1))
        if agents_online else None,
        "listen_overflows_in_window": overflows,
        "server": {"cpu_seconds_in_window": round(cpu1 - cpu0, 1),
                   "cpu_cores_used": round((cpu1 - cpu0) / secs, 2),
                   "peak_rss_mb": round(peak_rss / 1e6, 1)},
        "errors": status_errors + client_errors,
    }
    write_report(args, report)
    return 0 if report["errors"] == 0 else 1


def listen_overflows():
    """The kernel's count of connections dropped because a listen queue was
    full (TcpExt ListenOverflows, all sockets of this machine)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            return int(table.get("ListenOverflows", 0))
    return 0


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu": model, "cores": os.cpu_count()}


def write_report(args, r):
    os.makedirs(args.out, exist_ok=True)
    name = datetime.date.today().isoformat() + "-server-load" + (
        "-" + args.tag if args.tag else "")
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(r, f, indent=2)
        f.write("\n")
    s, lat = r["status_polls"], r["status_polls"]["latency_ms"]
    lines = [
        f"# mai serve under load ({r['store']}), {r['date']}",
        "",
        f"Machine: {r['machine']['cpu']}, {r['machine']['cores']} cores "
        "(server, wrk and the simulated agents share them).",
        f"Command: `bench/server_load.sh "
        f"--agents {args.agents} --participants {args.participants} "
        f"--duration {args.duration} --connections {args.connections} "
        f"--poll_interval_ms {args.poll_interval_ms} "
        f"--uploaders {args.uploaders}"
        f"{' --db postgresql://...' if args.db else ''}`",
        "",
        f"During {args.duration} s: wrk polled job status over "
        f"{args.connections} connections, each pausing "
        f"{args.poll_interval_ms} ms between requests, for {args.participants} "
        f"participants (own token, own job each); {args.agents} simulated "
        f"agents long-polled for jobs, downloaded, heartbeated and reported; "
        f"{args.uploaders} clients uploaded {args.model and os.path.basename(args.model)} "
        f"every {args.upload_interval} s.",
        "",
        "| status polls | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| GET /api/v1/jobs/ID | {s['requests_per_sec']} | {lat['p50']} | "
        f"{lat['p90']} | {lat['p99']} | {lat['p999']} | {lat['max']} | "
        f"{sum(s['errors'].values())} |",
        "",
        "| other clients (whole run) | requests | p50 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for client, v in r["clients"].items():
        lines.append(f"| {client} | {v['requests']} | {v['p50_ms']} | "
                     f"{v['p99_ms']} | {v['max_ms']} | {v['errors']} |")
    lines += [
        "",
        f"Uploads accepted in the window: {r['uploads_in_window']}; jobs "
        f"finished by the agents in the window: {r['jobs_done_in_window']}; "
        f"agents online at the end: {r['agents_online_at_end']}.",
        f"Server: {r['server']['cpu_seconds_in_window']} CPU seconds in the "
        f"window ({r['server']['cpu_cores_used']} cores), peak RSS "
        f"{r['server']['peak_rss_mb']} MB.",
        f"Errors (unexpected statuses or transport errors, all clients): "
        f"{r['errors']}. Connections dropped by a full listen queue in the "
        f"window: {r['listen_overflows_in_window']}.",
        "Server-side latency of the status polls (whole run, the server's "
        "histogram, cumulative): " + ", ".join(
            f"≤ {k} s: {v}" for k, v in
            r["server_side_status_latency_buckets"].items()
            if k in ("0.001", "0.005", "0.025", "0.1", "+Inf")) + ".",
        "",
        "(The long-poll latency is the time an agent waited for a job, up to "
        "20 s; it is not a response time.)",
        "",
    ]
    with open(os.path.join(args.out, name + ".md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    print(f"wrote {os.path.join(args.out, name)}.{{md,json}}")


if __name__ == "__main__":
    sys.exit(main())
