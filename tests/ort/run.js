#!/usr/bin/env node
'use strict';
// Runs an ONNX model in ONNX Runtime (CPU) on .npy inputs and writes .npy outputs: the reference
// qrc's runtime is checked and timed against.
//
//   node tests/ort/run.js model.onnx --input image=x.npy [--input name=file.npy ...]
//        [--output out.npy ...]   one file per model output, in the model's output order
//        [--outdir dir]           or write <output name>.npy for each output into dir
//        [--dump dir]             also write every intermediate tensor into dir, plus order.txt
//        [--threads N]            intra-op threads (default 2)
//        [--batch B]              run inputs in chunks of B rows along axis 0, concatenate outputs
//        [--repeat N]             time N runs after one warm-up; print best and median ms
//        [--opt all|extended|basic|disabled]   graph optimisation level (default all)
//
// A single-input model also accepts --input file.npy. Exit status 0 on success, 1 on any error,
// with the reason on stderr.

const fs = require('fs');
const path = require('path');
const npy = require('./npy');
const { exposeAllOutputs, listTensors } = require('./onnx_edit');

function usage(msg) {
  if (msg) process.stderr.write(`run.js: ${msg}\n`);
  process.stderr.write('usage: run.js model.onnx --input [name=]file.npy ... [--output f.npy ...|--outdir d] ' +
    '[--dump d] [--threads N] [--batch B] [--repeat N] [--opt level]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { model: null, inputs: [], outputs: [], outdir: null, dump: null, threads: 2, batch: 0, repeat: 0, opt: 'all' };
  const positiveInt = (flag, v) => {
    if (!/^\d+$/.test(v || '') || Number(v) < 1) usage(`${flag} needs a positive integer, got '${v}'`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => { if (i + 1 >= argv.length) usage(`${k} needs a value`); return argv[++i]; };
    switch (k) {
      case '--input': {
        const s = v(); const eq = s.indexOf('=');
        a.inputs.push(eq < 0 ? { name: null, file: s } : { name: s.slice(0, eq), file: s.slice(eq + 1) });
        break;
      }
      case '--output': a.outputs.push(v()); break;
      case '--outdir': a.outdir = v(); break;
      case '--dump': a.dump = v(); break;
      case '--threads': a.threads = positiveInt(k, v()); break;
      case '--batch': a.batch = positiveInt(k, v()); break;
      case '--repeat': a.repeat = positiveInt(k, v()); break;
      case '--opt': a.opt = v(); if (!['all', 'extended', 'basic', 'disabled'].includes(a.opt)) usage(`bad --opt ${a.opt}`); break;
      case '-h': case '--help': usage();
      // falls through (usage exits)
      default:
        if (k.startsWith('-') || a.model) usage(`unexpected argument '${k}'`);
        a.model = k;
    }
  }
  if (!a.model) usage('no model given');
  if (!a.inputs.length) usage('no --input given');
  return a;
}

// File-system-safe name for a tensor ("/layer1/Conv_output_0" -> "layer1_Conv_output_0").
// Distinct tensors that map to the same name get a numeric suffix.
const usedFileNames = new Map();
function fileNameFor(tensor) {
  const s = tensor.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+/, '') || 'tensor';
  let name = s, k = 1;
  while (usedFileNames.has(name) && usedFileNames.get(name) !== tensor) name = `${s}_${k++}`;
  usedFileNames.set(name, tensor);
  return name + '.npy';
}

function toOrt(ort, arr) {
  return new ort.Tensor(arr.dtype, arr.data, arr.shape);
}

function fromOrt(t) {
  return { dtype: t.type, shape: Array.from(t.dims), data: t.data };
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = require('onnxruntime-node');

  let modelBytes = fs.readFileSync(args.model);
  let tensorOrder = null;
  let declared = null; // the model's own outputs, in order
  if (args.dump) {
    declared = listTensors(modelBytes).graphOutputs;
    const ex = exposeAllOutputs(modelBytes);
    modelBytes = ex.model;
    tensorOrder = ex.tensors;
  }
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: args.dump ? 'disabled' : args.opt,
    logSeverityLevel: 3,
  });

  // Bind inputs by name.
  const feeds = {};
  for (const inp of args.inputs) {
    let name = inp.name;
    if (name === null) {
      if (session.inputNames.length !== 1) throw new Error(`model has ${session.inputNames.length} inputs; name them (--input name=file.npy)`);
      name = session.inputNames[0];
    }
    if (!session.inputNames.includes(name)) throw new Error(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
    if (feeds[name]) throw new Error(`input '${name}' given twice`);
    feeds[name] = npy.read(inp.file);
  }
  const missing = session.inputNames.filter((n) => !feeds[n]);
  if (missing.length) throw new Error(`missing input(s): ${missing.join(', ')}`);

  // Split into chunks along axis 0 when --batch is given.
  const names = Object.keys(feeds);
  const rows = feeds[names[0]].shape[0];
  let chunks = [[0, rows]];
  if (args.batch) {
    for (const n of names) {
      if (!feeds[n].shape.length || feeds[n].shape[0] !== rows) throw new Error(`--batch needs every input to have ${rows} rows; '${n}' has shape ${JSON.stringify(feeds[n].shape)}`);
    }
    chunks = [];
    if (args.dump && rows > args.batch) throw new Error('--dump needs the whole input in one run (omit --batch or make it >= the row count)');
    for (let s = 0; s < rows; s += args.batch) chunks.push([s, Math.min(rows, s + args.batch)]);
  }
  const chunkFeeds = chunks.map(([s, e]) => {
    const f = {};
    for (const n of names) f[n] = toOrt(ort, chunks.length === 1 ? feeds[n] : npy.sliceRows(feeds[n], s, e));
    return f;
  });

  const runAll = async () => {
    const parts = [];
    for (const f of chunkFeeds) parts.push(await session.run(f));
    return parts;
  };

  let parts = await runAll();
  if (args.repeat) {
    const times = [];
    for (let i = 0; i < args.repeat; i++) {
      const t0 = process.hrtime.bigint();
      parts = await runAll();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const best = Math.min(...times);
    console.log(`ort: best ${best.toFixed(3)} ms, median ${median(times).toFixed(3)} ms over ${args.repeat} runs ` +
      `(${args.threads} threads, ${chunks.length} chunk${chunks.length > 1 ? 's' : ''})`);
  }

  const outNames = session.outputNames;
  if (!declared) declared = outNames;
  const result = {};
  for (const n of outNames) {
    const list = parts.map((p) => fromOrt(p[n]));
    result[n] = list.length === 1 ? list[0] : npy.concatRows(list);
  }

  if (args.outputs.length > declared.length) throw new Error(`${args.outputs.length} --output files for ${declared.length} model outputs`);
  args.outputs.forEach((file, i) => npy.write(file, result[declared[i]]));
  if (args.outdir) {
    fs.mkdirSync(args.outdir, { recursive: true });
    for (const n of declared) npy.write(path.join(args.outdir, fileNameFor(n)), result[n]);
  }
  if (args.dump) {
    fs.mkdirSync(args.dump, { recursive: true });
    const order = [];
    for (const n of tensorOrder) {
      if (!result[n]) continue;
      const f = fileNameFor(n);
      npy.write(path.join(args.dump, f), result[n]);
      order.push(`${f}\t${n}`);
    }
    fs.writeFileSync(path.join(args.dump, 'order.txt'), order.join('\n') + '\n');
  }
  await session.release();
}

main().catch((e) => {
  process.stderr.write(`run.js: ${e.message}\n`);
  process.exit(1);
});
