#!/usr/bin/env node
'use strict';
// Interop check of an exported QDQ model: ONNX Runtime runs it, and its outputs are compared with
// qrc's own quantization simulation of the same model on the same inputs.
//
//   node tests/ort/interop.js model_qdq.onnx --input image=x.npy --sim sim_logits.npy
//        [--sim-dump dir]      qrc's intermediate tensors (<tensor>.npy, optional order.txt as
//                              written by run.js --dump, or by qrc build --save-outputs for its
//                              first batch: leading rows); on disagreement, names the first tensor
//                              (in that order) whose SQNR falls below the threshold
//        [--min-top1 PCT]      default 99.5 (2-D outputs)
//        [--min-sqnr DB]       default 30
//        [--threads N] [--batch B]
//        [--opt LEVEL]         ONNX Runtime's graph optimisation level (default all); `disabled` runs
//                              the QDQ graph as written (DequantizeLinear, float op, QuantizeLinear)
//
// The model's first output is compared with --sim (more outputs: repeat --sim in output order).
// Prints one line per output and "interop: ok" or "interop: FAIL ..."; exit 0, 1 on disagreement,
// 2 on bad usage or unreadable input.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const npy = require('./npy');
const { judge } = require('./compare');
const { listTensors } = require('./onnx_edit');

function usage(msg) {
  if (msg) process.stderr.write(`interop.js: ${msg}\n`);
  process.stderr.write('usage: interop.js model.onnx --input name=file.npy ... --sim out.npy ... ' +
    '[--sim-dump dir] [--min-top1 PCT] [--min-sqnr DB] [--threads N] [--batch B] [--opt LEVEL]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { model: null, inputs: [], sims: [], simDump: null, minTop1: 99.5, minSqnr: 30, threads: 2, batch: 0, opt: 'all' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => { if (i + 1 >= argv.length) usage(`${k} needs a value`); return argv[++i]; };
    const num = (x) => { const n = Number(x); if (!Number.isFinite(n)) usage(`${k} needs a number`); return n; };
    if (k === '--input') a.inputs.push(v());
    else if (k === '--sim') a.sims.push(v());
    else if (k === '--sim-dump') a.simDump = v();
    else if (k === '--min-top1') a.minTop1 = num(v());
    else if (k === '--min-sqnr') a.minSqnr = num(v());
    else if (k === '--threads') a.threads = num(v());
    else if (k === '--batch') a.batch = num(v());
    else if (k === '--opt') a.opt = v();
    else if (k.startsWith('-') || a.model) usage(`unexpected argument '${k}'`);
    else a.model = k;
  }
  if (!a.model || !a.inputs.length || !a.sims.length) usage('need a model, --input and --sim');
  return a;
}

// Runs run.js (a child process keeps ONNX Runtime's threads and memory out of this one).
function ortRun(args, extra) {
  const cmd = [path.join(__dirname, 'run.js'), args.model, '--threads', String(args.threads), '--opt', args.opt];
  for (const inp of args.inputs) cmd.push('--input', inp);
  try {
    execFileSync(process.execPath, [...cmd, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`ONNX Runtime could not run ${args.model}: ${String(e.stderr || e.message).trim()}`);
  }
}

// Name -> file of a dump directory, in its order.txt order (else file-name order).
function dumpIndex(dir) {
  const order = path.join(dir, 'order.txt');
  if (fs.existsSync(order)) {
    return fs.readFileSync(order, 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
      const [f, n] = l.split('\t');
      return { name: n || f.replace(/\.npy$/, ''), file: path.join(dir, f) };
    });
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.npy')).sort()
    .map((f) => ({ name: f.replace(/\.npy$/, ''), file: path.join(dir, f) }));
}

// First tensor of qrc's dump whose ONNX Runtime counterpart disagrees (SQNR below threshold).
function firstDisagreement(args, tmp) {
  const dump = path.join(tmp, 'ort_dump');
  ortRun(args, ['--dump', dump]);
  const ortTensors = new Map(dumpIndex(dump).map((t) => [t.name, t.file]));
  let compared = 0;
  for (const t of dumpIndex(args.simDump)) {
    const ortFile = ortTensors.get(t.name);
    if (!ortFile) continue;
    compared++;
    const sim = npy.read(t.file);
    let ort = npy.read(ortFile);
    // A dump of the first batch only: compare it with the same leading rows of ONNX Runtime's tensor.
    if (sim.shape.length && ort.shape.length === sim.shape.length && ort.shape[0] > sim.shape[0] &&
        ort.shape.slice(1).join() === sim.shape.slice(1).join()) ort = npy.sliceRows(ort, 0, sim.shape[0]);
    const { line, failures } = judge(t.name, sim, ort, { minSqnr: args.minSqnr });
    if (failures.length) return { compared, line };
  }
  return { compared, line: null };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-'));
  try {
    const outputs = listTensors(fs.readFileSync(args.model)).graphOutputs;
    if (args.sims.length > outputs.length) throw new Error(`${args.sims.length} --sim files for ${outputs.length} model outputs`);
    const outFiles = args.sims.map((_, i) => path.join(tmp, `out_${i}.npy`));
    const extra = outFiles.flatMap((f) => ['--output', f]);
    if (args.batch) extra.push('--batch', String(args.batch));
    ortRun(args, extra);

    const bad = [];
    args.sims.forEach((simFile, i) => {
      const { line, failures } = judge(outputs[i], npy.read(outFiles[i]), npy.read(simFile),
        { minSqnr: args.minSqnr, minTop1: args.minTop1 });
      console.log(`ORT vs qrc simulation, ${line}`);
      if (failures.length) bad.push(`${outputs[i]}: ${failures.join('; ')}`);
    });
    if (!bad.length) { console.log('interop: ok'); return 0; }
    let where = '';
    if (args.simDump) {
      const { compared, line } = firstDisagreement(args, tmp);
      where = line ? `; first tensor that disagrees: ${line}`
        : `; all ${compared} intermediate tensors found in both agree`;
    }
    console.log(`interop: FAIL ${bad.join('; ')}${where}`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`interop.js: ${e.message}\n`);
  process.exitCode = 2;
}
