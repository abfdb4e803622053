#!/usr/bin/env node
'use strict';
// Loads converted ONNX backend test models in ONNX Runtime (default graph optimizations) and checks
// their outputs against the test's expected ones.
//
//   node tests/ort/opset_check.js dir
//
// dir holds one directory per case, <source opset>_<suite>_<test>/, as `conformance --upgrade N --save dir`
// writes them: model.onnx (converted), source.txt (the original model's path), inputs.txt and outputs.txt
// ("file<TAB>name" lines) with the .npy files they name. A case whose original model ONNX Runtime cannot
// load, run or match is skipped with the reason (the converter cannot be blamed for it); otherwise the
// converted model must load, run and match: |got - want| <= 1e-4 + 1e-3 |want|, NaN for NaN, integers
// and bools exactly. A directory without model.onnx holds data with no .npy form and is counted as not
// checked. Prints failures, per-source-opset counts, and "ort: N passed, N failed, N skipped".

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const npy = require('./npy');

const ATOL = 1e-4, RTOL = 1e-3;

function readList(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
}

function toTensor(t) {
  return new ort.Tensor(t.dtype, t.data, t.shape);
}

// Returns null when got matches want, else a message.
function mismatch(name, got, want) {
  if (!got) return `output '${name}' missing`;
  const gs = got.dims.join(','), ws = want.shape.join(',');
  if (gs !== ws) return `output '${name}': shape [${gs}], want [${ws}]`;
  const g = got.data, w = want.data;
  const float = want.dtype === 'float32' || want.dtype === 'float64';
  for (let i = 0; i < w.length; i++) {
    const a = float ? Number(g[i]) : g[i], b = float ? Number(w[i]) : w[i];
    let ok;
    if (!float) ok = BigInt.asIntN(64, BigInt(a)) === BigInt.asIntN(64, BigInt(b));
    else if (Number.isNaN(a) || Number.isNaN(b)) ok = Number.isNaN(a) && Number.isNaN(b);
    else if (!Number.isFinite(a) || !Number.isFinite(b)) ok = a === b;
    else ok = Math.abs(a - b) <= ATOL + RTOL * Math.abs(b);
    if (!ok) return `output '${name}' element ${i}: ${a}, want ${b}`;
  }
  return null;
}

async function runCase(model, dir) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const feeds = {};
  for (const [file, name] of readList(path.join(dir, 'inputs.txt')))
    if (session.inputNames.includes(name)) feeds[name] = toTensor(npy.read(path.join(dir, file)));
  const res = await session.run(feeds);
  for (const [file, name] of readList(path.join(dir, 'outputs.txt'))) {
    const m = mismatch(name, res[name], npy.read(path.join(dir, file)));
    if (m) return m;
  }
  return null;
}

async function check(model, dir) {
  try {
    return await runCase(model, dir);
  } catch (err) {
    return String(err.message || err).split('\n')[0];
  }
}

async function main() {
  const root = process.argv[2];
  if (!root) {
    process.stderr.write('usage: opset_check.js dir\n');
    process.exit(2);
  }
  const per = {};
  let passed = 0, failed = 0, skipped = 0, unchecked = 0;
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    const src = name.split('_')[0];
    per[src] = per[src] || { passed: 0, failed: 0, skipped: 0 };
    if (!fs.existsSync(path.join(dir, 'model.onnx'))) {
      unchecked++;
      continue;
    }
    const original = fs.readFileSync(path.join(dir, 'source.txt'), 'utf8').trim();
    const before = await check(original, dir);
    if (before) {
      skipped++;
      per[src].skipped++;
      continue;
    }
    const after = await check(path.join(dir, 'model.onnx'), dir);
    if (after) {
      failed++;
      per[src].failed++;
      console.log(`FAIL ${name}: ${after}`);
    } else {
      passed++;
      per[src].passed++;
    }
  }
  console.log('ONNX Runtime on the converted models, by source opset (passed, failed, skipped: the original fails too):');
  for (const src of Object.keys(per).sort((a, b) => a - b)) {
    const p = per[src];
    console.log(`  opset ${src.padStart(2)}: ${p.passed} passed, ${p.failed} failed, ${p.skipped} skipped`);
  }
  console.log(`  not checked (test data with no .npy type): ${unchecked}`);
  console.log(`ort: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
