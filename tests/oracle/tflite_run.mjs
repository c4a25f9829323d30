#!/usr/bin/env node
// Runs a .tflite model through real TensorFlow Lite (the WebAssembly build in
// the npm package @tensorflow/tfjs-tflite) and writes raw output tensors.
// mai uses it as the test oracle for its reference kernels; see docs/oracle.md.
//
//   node tflite_run.mjs --model M.tflite --input in0.bin [--input ...] --output_dir D
//   node tflite_run.mjs --model M.tflite --seed 1 --output_dir D
//   node tflite_run.mjs --info --model M.tflite
//   node tflite_run.mjs --serve          (JSON lines on stdin/stdout)
//
// Common flags: --wasm_dir DIR (default $MAI_CACHE_DIR/tfjs-tflite/wasm, with
// MAI_CACHE_DIR defaulting to ~/.cache/mai), --no_simd, --threads N,
// --verbose (TFLite's log lines on stderr).
//
// Tensors are raw little-endian bytes in the tensor's dtype, inputs in the
// model's input order. Output files: D/output<i>.bin and D/outputs.json =
// [{"name","shape","dtype"}]. With --seed, inputs come from the generator
// lcg-nr32-v1 (see generateInput) and are also written as D/input<i>.bin.
//
// Server protocol, one JSON object per line each way:
//   {"model": path, "inputs": [paths], "output_dir": dir}
//   {"model": path, "seed": N, "output_dir": dir}          (seeded inputs)
//   {"model": path, "info": true}                          (tensor specs)
//   {"generate": {"seed","index","dtype","count"}, "path": file}
//   {"ping": true}
// answered by {"ok":true,"outputs":[{name,shape,dtype,path}]} (plus "inputs"
// for seeded runs, "info" for info requests) or {"ok":false,"error":"..."}.
// Errors TFLite reports (model refused, inference failed) are marked
// "tflite":true. The server loads the wasm before reading its first line.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import vm from 'node:vm';
import {createRequire} from 'node:module';
import {Worker as NodeWorker} from 'node:worker_threads';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------
// TFLite flatbuffer: just enough of the schema to describe the primary
// subgraph's input and output tensors (dtype, shape, quantization).

const kTensorTypes = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16',
  'complex64', 'int8', 'float64', 'complex128', 'uint64', 'resource',
  'variant', 'uint32', 'uint16', 'int4',
];
const kDtypeBytes = {
  float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2,
  int8: 1, float64: 8, uint64: 8, uint32: 4, uint16: 2,
};

class FlatTable {
  constructor(view, pos) {
    this.view = view;
    this.pos = pos;
    this.vtable = pos - view.getInt32(pos, true);
    this.vtableSize = view.getUint16(this.vtable, true);
  }
  fieldPos(field) {
    const entry = 4 + 2 * field;
    if (entry + 2 > this.vtableSize) return 0;
    const off = this.view.getUint16(this.vtable + entry, true);
    return off ? this.pos + off : 0;
  }
  int(field, size, dflt) {
    const p = this.fieldPos(field);
    if (!p) return dflt;
    return size === 1 ? this.view.getInt8(p) : this.view.getInt32(p, true);
  }
  indirect(field) {
    const p = this.fieldPos(field);
    return p ? p + this.view.getUint32(p, true) : 0;
  }
  table(field) {
    const p = this.indirect(field);
    return p ? new FlatTable(this.view, p) : null;
  }
  string(field) {
    const p = this.indirect(field);
    if (!p) return '';
    const len = this.view.getUint32(p, true);
    return Buffer.from(this.view.buffer, this.view.byteOffset + p + 4, len)
        .toString('utf8');
  }
  // Vector of scalars; `read(view, pos)` decodes one element of `size` bytes.
  vector(field, size, read) {
    const p = this.indirect(field);
    if (!p) return [];
    const len = this.view.getUint32(p, true);
    if (p + 4 + len * size > this.view.byteLength) throw new RangeError('vector out of range');
    const out = [];
    for (let i = 0; i < len; i++) out.push(read(this.view, p + 4 + i * size));
    return out;
  }
  tables(field) {
    return this.vector(field, 4, (v, q) => new FlatTable(v, q + v.getUint32(q, true)));
  }
}

// Returns {inputs, outputs}: arrays of {index, name, shape, dtype,
// quantization?}. Throws on a malformed file.
function describeModel(bytes) {
  if (bytes.length < 8) throw new Error('model file too small');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const model = new FlatTable(view, view.getUint32(0, true));
    const subgraphs = model.tables(2);
    if (subgraphs.length === 0) throw new Error('model has no subgraph');
    const sg = subgraphs[0];
    const tensors = sg.tables(0);
    const i32 = (v, q) => v.getInt32(q, true);
    const describe = (index) => {
      const t = tensors[index];
      if (!t) throw new Error(`tensor index ${index} out of range`);
      const spec = {
        index,
        name: t.string(3),
        shape: t.vector(0, 4, i32),
        dtype: kTensorTypes[t.int(1, 1, 0)] ?? `type${t.int(1, 1, 0)}`,
      };
      const q = t.table(4);
      if (q) {
        const scale = q.vector(2, 4, (v, p) => v.getFloat32(p, true));
        const zp = q.vector(3, 8, (v, p) => Number(v.getBigInt64(p, true)));
        if (scale.length > 0) {
          spec.quantization = {
            scale: scale.length === 1 ? scale[0] : scale,
            zero_point: zp.length === 1 ? zp[0] : zp,
          };
          if (scale.length > 1) spec.quantization.quantized_dimension = q.int(6, 4, 0);
        }
      }
      return spec;
    };
    return {
      inputs: sg.vector(1, 4, i32).map(describe),
      outputs: sg.vector(2, 4, i32).map(describe),
    };
  } catch (e) {
    if (e instanceof RangeError) throw new Error('malformed model flatbuffer');
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Deterministic inputs, generator "lcg-nr32-v1". For input i the state starts
// at seed + i * 0x9E3779B9 and advances once per element (uint32 wrapping):
// s = s * 1664525 + 1013904223. Element value from the new state:
//   float32: (s >> 8) * 2^-23 - 1     uint8: s >> 24      int8: (s >> 24) - 128
//   int16: (s >> 16) - 32768          int32, int64: s >> 24   bool: s >> 31

function generateInput(seed, index, dtype, count) {
  const bytes = kDtypeBytes[dtype];
  if (!bytes || !['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'].includes(dtype)) {
    throw new Error(`lcg-nr32-v1 has no rule for dtype ${dtype}`);
  }
  const buf = Buffer.alloc(count * bytes);
  let s = (seed + index * 0x9E3779B9) >>> 0;
  for (let k = 0; k < count; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    switch (dtype) {
      case 'float32': buf.writeFloatLE((s >>> 8) * 2 ** -23 - 1, 4 * k); break;
      case 'uint8': buf.writeUInt8(s >>> 24, k); break;
      case 'int8': buf.writeInt8((s >>> 24) - 128, k); break;
      case 'int16': buf.writeInt16LE((s >>> 16) - 32768, 2 * k); break;
      case 'int32': buf.writeInt32LE(s >>> 24, 4 * k); break;
      case 'int64': buf.writeBigInt64LE(BigInt(s >>> 24), 8 * k); break;
      case 'bool': buf.writeUInt8(s >>> 31, k); break;
    }
  }
  return buf;
}

// ---------------------------------------------------------------------------
// Loading the Emscripten module. The build targets browsers only, so Node
// hands it the wasm bytes directly; the threaded build additionally gets a
// Web Worker look-alike on top of worker_threads.

const kWorkerBootstrap = `
const {parentPort} = require('node:worker_threads');
const fs = require('node:fs');
const vm = require('node:vm');
const path = require('node:path');
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
        else console.error(`tflite worker error: ${e}`);
      });
    }
    postMessage(msg, transfer) { this.worker_.postMessage(msg, transfer); }
    terminate() { this.worker_.terminate(); }
  };
}

// An error reported by TFLite itself (as opposed to a bad request).
class TfliteError extends Error {}

class Engine {
  constructor(options) {
    this.options = options;
    this.module = null;
    this.log = [];
  }

  async load() {
    const {wasmDir, simd, threads} = this.options;
    const base = 'tflite_web_api_cc' + (simd ? '_simd' : '') + (threads > 1 ? '_threaded' : '');
    const jsPath = path.join(wasmDir, base + '.js');
    const wasmPath = path.join(wasmDir, base + '.wasm');
    for (const f of [jsPath, wasmPath]) {
      if (!fs.existsSync(f)) {
        throw new Error(`missing ${f} (run scripts/fetch_models.sh or pass --wasm_dir)`);
      }
    }
    const moduleArgs = {
      wasmBinary: fs.readFileSync(wasmPath),
      print: (text) => this.record(text),
      printErr: (text) => this.record(text),
      locateFile: (file) => path.join(wasmDir, file),
    };
    if (threads > 1) {
      installWorkerShim(wasmDir);
      moduleArgs.mainScriptUrlOrBlob = jsPath;
    }
    const factory = require(jsPath);
    this.module = await factory(moduleArgs);
    this.broken = false;
  }

  record(text) {
    this.log.push(String(text));
    if (this.options.verbose) process.stderr.write(`${text}\n`);
  }

  // TFLite's log lines since the last call: distinct, without INFO lines,
  // links to the TFLite guide, or the emscripten main-thread warning.
  takeErrors() {
    const kNoise = [/^INFO:/, /^See instructions:/, /^Blocking on the main thread/];
    const lines = this.log.map((l) => l.trim())
        .filter((l) => l.length > 0 && !kNoise.some((re) => re.test(l)));
    this.log = [];
    return [...new Set(lines)].join(' | ');
  }

  // Runs one model. `inputs` is an array of Buffers, or a function
  // (specs) => Buffers. Returns {inputs, outputs} with outputs as
  // {name, shape, dtype, data: Buffer}.
  async run(modelBytes, inputs) {
    if (!this.module || this.broken) await this.load();
    const M = this.module;
    this.log = [];
    const modelPtr = M._malloc(modelBytes.length);
    if (!modelPtr) throw new Error('out of wasm memory for the model buffer');
    let status = null;
    let runner = null;
    try {
      M.HEAPU8.set(modelBytes, modelPtr);
      status = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(modelPtr, modelBytes.length, {
        numThreads: this.options.threads > 1 ? this.options.threads : 1,
        enableProfiling: false,
        maxProfilingBufferEntries: 1024,
      });
      if (!status.ok()) {
        let detail = this.takeErrors();
        if (!detail) {
          try {
            describeModel(modelBytes);
          } catch (e) {
            detail = e.message;
          }
        }
        throw new TfliteError(`TFLite cannot load the model: ${status.errorMessage()}` +
                        (detail ? ` (${detail})` : ''));
      }
      runner = status.value();
      // TFLite accepted the file; its flatbuffer gives the exact dtypes.
      let info = {inputs: [], outputs: []};
      try {
        info = describeModel(modelBytes);
      } catch (e) {
        // Fall back to the runtime's dtype names.
      }
      const inTensors = this.tensorList(runner.GetInputs(), info.inputs);
      const inputBufs = typeof inputs === 'function' ? inputs(inTensors) : inputs;
      if (inputBufs.length !== inTensors.length) {
        throw new Error(`model has ${inTensors.length} inputs, got ${inputBufs.length}`);
      }
      inTensors.forEach((t, i) => {
        const view = this.bytesOf(t);
        if (inputBufs[i].length !== view.length) {
          throw new Error(`input ${i} ('${t.name}', ${t.dtype}[${t.shape}]) needs ` +
                          `${view.length} bytes, got ${inputBufs[i].length}`);
        }
        view.set(inputBufs[i]);
      });
      if (!runner.Infer()) {
        throw new TfliteError(`TFLite inference failed: ${this.takeErrors() || 'no message'}`);
      }
      const outputs = this.tensorList(runner.GetOutputs(), info.outputs).map((t) => ({
        name: t.name, shape: t.shape, dtype: t.dtype, data: Buffer.from(this.bytesOf(t)),
      }));
      return {inputs: inputBufs, outputs};
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.broken = true;  // The instance may be corrupt: reload next time.
        throw new TfliteError(`TFLite aborted: ${e.message} ${this.takeErrors()}`.trim());
      }
      throw e;
    } finally {
      if (!this.broken) {
        if (runner) runner.delete();
        if (status) status.delete();
        M._free(modelPtr);
      }
    }
  }

  // Embind vector of TensorInfo -> [{name, shape, dtype, info}] (deleted).
  tensorList(vec, specs) {
    const list = [];
    try {
      for (let i = 0; i < vec.size(); i++) {
        const t = vec.get(i);
        const spec = specs.find((s) => s.index === t.id);
        const shape = t.shape === '' ? [] : t.shape.split(',').map(Number);
        list.push({
          name: t.name, shape, dtype: spec ? spec.dtype : t.dataType, handle: t,
        });
      }
    } finally {
      vec.delete();
    }
    return list;
  }

  // A Uint8Array over the tensor's bytes inside the wasm heap.
  bytesOf(t) {
    const bytes = kDtypeBytes[t.dtype];
    if (!bytes) throw new Error(`tensor '${t.name}' has unsupported dtype ${t.dtype}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const view = t.handle.data();
    return new Uint8Array(view.buffer, view.byteOffset, count * bytes);
  }
}

// ---------------------------------------------------------------------------
// Front ends.

function writeOutputs(outputs, dir) {
  fs.mkdirSync(dir, {recursive: true});
  const listed = outputs.map((o, i) => {
    const file = path.join(dir, `output${i}.bin`);
    fs.writeFileSync(file, o.data);
    return {name: o.name, shape: o.shape, dtype: o.dtype, path: file};
  });
  fs.writeFileSync(path.join(dir, 'outputs.json'),
                   JSON.stringify(listed.map(({name, shape, dtype}) => ({name, shape, dtype}))));
  return listed;
}

function seededInputs(seed) {
  return (tensors) => tensors.map((t, i) =>
    generateInput(seed, i, t.dtype, t.shape.reduce((a, b) => a * b, 1)));
}

function writeInputs(inputs, dir) {
  return inputs.map((buf, i) => {
    const file = path.join(dir, `input${i}.bin`);
    fs.writeFileSync(file, buf);
    return file;
  });
}

function checkSeed(seed, what) {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xFFFFFFFF) {
    throw new Error(`${what} must be an integer in [0, 2^32)`);
  }
}

async function handleRequest(engine, req) {
  if (req.ping) return {ok: true};
  if (req.generate) {
    const {seed, index = 0, dtype, count} = req.generate;
    checkSeed(seed, '"seed"');
    if (!Number.isInteger(index) || index < 0) throw new Error('"index" must be >= 0');
    if (!Number.isInteger(count) || count < 0) throw new Error('"count" must be >= 0');
    if (typeof req.path !== 'string') throw new Error('generate request needs "path"');
    fs.writeFileSync(req.path, generateInput(seed, index, dtype, count));
    return {ok: true, path: req.path};
  }
  if (typeof req.model !== 'string') throw new Error('request needs "model" (a path)');
  const modelBytes = fs.readFileSync(req.model);
  if (req.info) return {ok: true, info: describeModel(modelBytes)};
  if (typeof req.output_dir !== 'string') throw new Error('request needs "output_dir"');
  let inputs;
  if (req.seed !== undefined) {
    checkSeed(req.seed, '"seed"');
    inputs = seededInputs(req.seed);
  } else {
    if (!Array.isArray(req.inputs)) throw new Error('request needs "inputs" or "seed"');
    inputs = req.inputs.map((p) => fs.readFileSync(p));
  }
  const result = await engine.run(modelBytes, inputs);
  fs.mkdirSync(req.output_dir, {recursive: true});
  const answer = {ok: true, outputs: writeOutputs(result.outputs, req.output_dir)};
  if (req.seed !== undefined) answer.inputs = writeInputs(result.inputs, req.output_dir);
  return answer;
}

async function serve(engine) {
  const lines = readline.createInterface({input: process.stdin, terminal: false});
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let answer;
    try {
      answer = await handleRequest(engine, JSON.parse(line));
    } catch (e) {
      answer = {ok: false, error: e.message ?? String(e)};
      if (e instanceof TfliteError) answer.tflite = true;
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
}

function parseArgs(argv) {
  const opts = {inputs: [], simd: true, threads: 1, verbose: false};
  const cacheDir = process.env.MAI_CACHE_DIR || path.join(os.homedir(), '.cache', 'mai');
  opts.wasmDir = path.join(cacheDir, 'tfjs-tflite', 'wasm');
  const value = (i) => {
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model') opts.model = value(i++);
    else if (a === '--input') opts.inputs.push(value(i++));
    else if (a === '--output_dir') opts.outputDir = value(i++);
    else if (a === '--wasm_dir') opts.wasmDir = value(i++);
    else if (a === '--seed') opts.seed = Number(value(i++));
    else if (a === '--threads') opts.threads = Number(value(i++));
    else if (a === '--no_simd') opts.simd = false;
    else if (a === '--info') opts.info = true;
    else if (a === '--serve') opts.serve = true;
    else if (a === '--verbose') opts.verbose = true;
    else throw new Error(`unknown flag ${a}`);
  }
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error('--threads needs N >= 1');
  if (opts.seed !== undefined) checkSeed(opts.seed, '--seed');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const engine = new Engine(opts);
  if (opts.serve) {
    await engine.load();
    await serve(engine);
    return;
  }
  if (!opts.model) throw new Error('--model is required');
  const modelBytes = fs.readFileSync(opts.model);
  if (opts.info) {
    const info = describeModel(modelBytes);
    const list = (specs) => specs.map((t) => '  ' + JSON.stringify(t)).join(',\n');
    process.stdout.write(`{"inputs": [\n${list(info.inputs)}\n], "outputs": [\n${list(info.outputs)}\n]}\n`);
    return;
  }
  if (!opts.outputDir) throw new Error('--output_dir is required');
  if (opts.seed !== undefined && opts.inputs.length > 0) {
    throw new Error('--seed and --input are exclusive');
  }
  const inputs = opts.seed !== undefined ? seededInputs(opts.seed)
                                         : opts.inputs.map((p) => fs.readFileSync(p));
  const result = await engine.run(modelBytes, inputs);
  const listed = writeOutputs(result.outputs, opts.outputDir);
  if (opts.seed !== undefined) writeInputs(result.inputs, opts.outputDir);
  for (const o of listed) {
    process.stdout.write(`${o.name} ${o.dtype}[${o.shape.join(',')}] -> ${o.path}\n`);
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`tflite_run: ${e.message ?? e}\n`);
  process.exit(1);
});
