#!/usr/bin/env node
// `mai bench --json` for TensorFlow Lite's WebAssembly build: one model, one
// process, init time, first run, warm-up runs, timed runs with raw samples,
// peak RSS. The JSON uses the field names of `mai bench --json` where the
// meaning is the same; see docs/benchmarking.md.
//
//   node bench/tflite_wasm_bench.mjs --model M.tflite [--num_threads N]
//       [--num_runs R] [--warmup_runs W] [--seed S] [--no_simd]
//       [--wasm_dir DIR] [--dump_inputs DIR] [--text]
//
// The wasm comes from the npm package @tensorflow/tfjs-tflite, fetched by
// scripts/fetch_models.sh into ${MAI_CACHE_DIR:-~/.cache/mai}/tfjs-tflite/wasm.
// The Emscripten module is loaded as tests/oracle/tflite_run.mjs does it
// (docs/oracle.md): N = 1 selects the single-threaded build, N > 1 the
// threaded build, its Web Workers played by worker_threads.
//
// Inputs come from the generator lcg-nr32-v1 (docs/inputs.md), so mai and
// TFLite see the same bytes for the same --seed. Exit status 1 with a message
// on stderr when the wasm or the model is missing or TFLite refuses the model
// (e.g. a MediaPipe custom op) or fails to run it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {Worker as NodeWorker} from 'node:worker_threads';

const require = createRequire(import.meta.url);
const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;
const kPeakRssAtStart = peakRssBytes();

// ---------------------------------------------------------------------------
// Flags, spelled like `mai bench` and TFLite's benchmark_model.

function parseArgs(argv) {
  const cacheDir = process.env.MAI_CACHE_DIR || path.join(os.homedir(), '.cache', 'mai');
  const opts = {
    numThreads: 1, numRuns: 50, warmupRuns: 1, seed: 1, simd: true, text: false,
    wasmDir: path.join(cacheDir, 'tfjs-tflite', 'wasm'),
  };
  const value = (i) => {
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  const integer = (i, min) => {
    const v = Number(value(i));
    if (!Number.isInteger(v) || v < min) throw new Error(`${argv[i]} needs an integer >= ${min}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model' || a === '--graph') opts.model = value(i++);
    else if (a === '--num_threads') opts.numThreads = integer(i++, 1);
    else if (a === '--num_runs') opts.numRuns = integer(i++, 1);
    else if (a === '--warmup_runs') opts.warmupRuns = integer(i++, 0);
    else if (a === '--seed') opts.seed = integer(i++, 0);
    else if (a === '--wasm_dir') opts.wasmDir = value(i++);
    else if (a === '--dump_inputs') opts.dumpInputs = value(i++);
    else if (a === '--no_simd') opts.simd = false;
    else if (a === '--text') opts.text = true;
    else if (a === '--json') opts.text = false;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown flag ${a}`);
  }
  if (opts.seed > 0xFFFFFFFF) throw new Error('--seed must be < 2^32');
  return opts;
}

// ---------------------------------------------------------------------------
// Generator lcg-nr32-v1 (docs/inputs.md). For input i the state starts at
// seed + i * 0x9E3779B9 and advances once per element, uint32 wrapping:
// s = s * 1664525 + 1013904223; the element comes from the new state.

function fillInput(seed, index, dtype, view) {
  const kFill = {
    float32: (s) => (s >>> 8) * 2 ** -23 - 1,
    uint8: (s) => s >>> 24,
    int8: (s) => (s >>> 24) - 128,
    int16: (s) => (s >>> 16) - 32768,
    int32: (s) => s >>> 24,
    int64: (s) => BigInt(s >>> 24),
    bool: (s) => s >>> 31,
  };
  const value = kFill[dtype];
  if (!value) throw new Error(`lcg-nr32-v1 has no rule for dtype ${dtype}`);
  // Generated into a plain array first: element stores into the wasm heap's
  // typed views are slow while the loop is still interpreted.
  const values = new (dtype === 'int64' ? Array : Float64Array)(view.length);
  let s = (seed + Math.imul(index, 0x9E3779B9)) >>> 0;
  for (let k = 0; k < values.length; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[k] = value(s);
  }
  view.set(values);
}

// ---------------------------------------------------------------------------
// The Emscripten module. The builds target browsers, so Node hands them the
// wasm bytes; the threaded build also needs a Worker look-alike.

const kWorkerBootstrap = `
const {parentPort} = require('node:worker_threads');
const fs = require('node:fs');
const vm = require('node:vm');
globalThis.self = globalThis;
globalThis.location = {href: 'file://' + process.env.MAI_TFLITE_WASM_DIR + '/'};
globalThis.postMessage = (msg, transfer) => parentPort.postMessage(msg, transfer);
globalThis.importScripts = (...files) => {
  for (const f of files) vm.runInThisContext(fs.readFileSync(f, 'utf8'), {filename: f});
};
parentPort.on('message', (data) => { if (self.onmessage) self.onmessage({data}); });
vm.runInThisContext(fs.readFileSync(process.env.MAI_TFLITE_WORKER_JS, 'utf8'),
                    {filename: process.env.MAI_TFLITE_WORKER_JS});
`;

function installWorkerShim(wasmDir) {
  if (typeof globalThis.navigator === 'undefined') {
    globalThis.navigator = {hardwareConcurrency: os.cpus().length};
  }
  globalThis.Worker = class {
    constructor(workerJs) {
      this.worker_ = new NodeWorker(kWorkerBootstrap, {
        eval: true,
        env: {...process.env, MAI_TFLITE_WASM_DIR: wasmDir, MAI_TFLITE_WORKER_JS: workerJs},
      });
      this.worker_.on('message', (data) => { if (this.onmessage) this.onmessage({data}); });
      this.worker_.on('error', (e) => {
        if (this.onerror) this.onerror({message: String(e), filename: workerJs, lineno: 0});
        else process.stderr.write(`tflite worker error: ${e}\n`);
      });
    }
    postMessage(msg, transfer) { this.worker_.postMessage(msg, transfer); }
    terminate() { this.worker_.terminate(); }
  };
}

function wasmBuildName(opts) {
  return 'tflite_web_api_cc' + (opts.simd ? '_simd' : '') +
      (opts.numThreads > 1 ? '_threaded' : '');
}

async function loadModule(opts, log) {
  const base = wasmBuildName(opts);
  const jsPath = path.join(opts.wasmDir, base + '.js');
  const wasmPath = path.join(opts.wasmDir, base + '.wasm');
  for (const f of [jsPath, wasmPath]) {
    if (!fs.existsSync(f)) {
      throw new Error(`missing ${f} (run scripts/fetch_models.sh or pass --wasm_dir)`);
    }
  }
  const args = {
    wasmBinary: fs.readFileSync(wasmPath),
    print: (t) => log.push(String(t)),
    printErr: (t) => log.push(String(t)),
    locateFile: (file) => path.join(opts.wasmDir, file),
  };
  if (opts.numThreads > 1) {
    installWorkerShim(opts.wasmDir);
    args.mainScriptUrlOrBlob = jsPath;
  }
  return await require(jsPath)(args);
}

// TFLite's log without INFO lines and browser noise, distinct lines joined.
function errorsIn(log) {
  const kNoise = [/^INFO:/, /^See instructions:/, /^Blocking on the main thread/];
  const lines = log.map((l) => l.trim()).filter((l) => l && !kNoise.some((re) => re.test(l)));
  return [...new Set(lines)].join(' | ');
}

// ---------------------------------------------------------------------------

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    count: n,
    mean_ms: samples.reduce((a, b) => a + b, 0) / n,
    median_ms: n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
    min_ms: sorted[0],
    max_ms: sorted[n - 1],
    samples_ms: samples,
  };
}

async function bench(opts) {
  if (!opts.model) throw new Error('--model is required');
  if (!fs.existsSync(opts.model)) throw new Error(`missing model ${opts.model}`);
  const log = [];

  let t0 = performance.now();
  const M = await loadModule(opts, log);
  const runtimeLoadMs = performance.now() - t0;

  // load: model bytes into the wasm heap, interpreter built, XNNPACK delegate
  // applied, tensors allocated (all inside CreateFromBufferAndOptions).
  t0 = performance.now();
  const modelBytes = fs.readFileSync(opts.model);
  const modelPtr = M._malloc(modelBytes.length);
  if (!modelPtr) throw new Error('out of wasm memory for the model buffer');
  M.HEAPU8.set(modelBytes, modelPtr);
  log.length = 0;
  const status = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(modelPtr, modelBytes.length, {
    numThreads: opts.numThreads,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!status.ok()) {
    const detail = errorsIn(log);
    throw new Error(`TFLite cannot load ${opts.model}: ${status.errorMessage()}` +
                    (detail ? ` (${detail})` : ''));
  }
  const runner = status.value();
  const loadMs = performance.now() - t0;

  // prepare: inputs filled from the generator.
  t0 = performance.now();
  const inputs = runner.GetInputs();
  const inputSpecs = [];
  for (let i = 0; i < inputs.size(); i++) {
    const t = inputs.get(i);
    const view = t.data();
    fillInput(opts.seed, i, t.dataType, view);
    inputSpecs.push({name: t.name, dtype: t.dataType, shape: t.shape});
    if (opts.dumpInputs) {
      fs.mkdirSync(opts.dumpInputs, {recursive: true});
      fs.writeFileSync(path.join(opts.dumpInputs, `input${i}.bin`),
                       new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    }
  }
  inputs.delete();
  const prepareMs = performance.now() - t0;
  const peakRssAfterInit = peakRssBytes();

  const infer = () => {
    if (!runner.Infer()) {
      throw new Error(`TFLite inference failed: ${errorsIn(log) || 'no message'}`);
    }
  };
  t0 = performance.now();
  infer();
  const firstRunMs = performance.now() - t0;
  for (let i = 0; i < opts.warmupRuns; i++) infer();
  const samples = [];
  for (let i = 0; i < opts.numRuns; i++) {
    t0 = performance.now();
    infer();
    samples.push(performance.now() - t0);
  }
  const peakRss = peakRssBytes();
  runner.delete();
  status.delete();
  M._free(modelPtr);

  return {
    model: opts.model,
    engine: 'tflite-wasm',
    backend: wasmBuildName(opts),
    num_threads: opts.numThreads,
    seed: opts.seed,
    inputs: inputSpecs,
    runtime_load_ms: runtimeLoadMs,
    init_ms: {load: loadMs, prepare: prepareMs},
    first_run_ms: firstRunMs,
    warmup_runs: opts.warmupRuns,
    runs: stats(samples),
    memory: {
      peak_rss_at_start_bytes: kPeakRssAtStart,
      peak_rss_after_init_bytes: peakRssAfterInit,
      peak_rss_bytes: peakRss,
    },
    node_version: process.version,
  };
}

function printText(r) {
  const mb = (b) => (b / 1e6).toFixed(1);
  const f3 = (v) => v.toFixed(3);
  process.stdout.write([
    `model        ${r.model}`,
    `backend      ${r.backend} (${r.num_threads} thread${r.num_threads === 1 ? '' : 's'})`,
    `runtime      wasm module loaded in ${r.runtime_load_ms.toFixed(2)} ms`,
    `init         load ${r.init_ms.load.toFixed(2)} ms, prepare ${r.init_ms.prepare.toFixed(2)} ms`,
    `first run    ${f3(r.first_run_ms)} ms`,
    `runs         ${r.runs.count} after ${r.warmup_runs} warm-up`,
    `latency ms   mean ${f3(r.runs.mean_ms)}  median ${f3(r.runs.median_ms)}  ` +
        `min ${f3(r.runs.min_ms)}  max ${f3(r.runs.max_ms)}`,
    `peak RSS     ${mb(r.memory.peak_rss_after_init_bytes)} MB after init, ` +
        `${mb(r.memory.peak_rss_bytes)} MB at the end ` +
        `(${mb(r.memory.peak_rss_at_start_bytes)} MB at start)`,
    '',
  ].join('\n'));
}

const kUsage = `usage: node bench/tflite_wasm_bench.mjs --model M.tflite [--num_threads N]
  [--num_runs R] [--warmup_runs W] [--seed S] [--no_simd] [--wasm_dir DIR]
  [--dump_inputs DIR] [--text]
`;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(kUsage);
    return;
  }
  const result = await bench(opts);
  if (opts.text) printText(result);
  else process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

// process.exit: the threaded build's worker pool would keep Node alive.
main().then(() => process.exit(0), (e) => {
  process.stderr.write(`tflite_wasm_bench: ${e.message ?? e}\n`);
  process.exit(1);
});
