#!/usr/bin/env node
'use strict';
// Runs two ONNX models in ONNX Runtime on the same seeded random inputs and checks their outputs are
// bit-identical: same_outputs.js a.onnx b.onnx [batch]. Symbolic dims take the batch (default 2).
const ort = require('onnxruntime-node');

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
}

async function main() {
  const [a, b, batchArg] = process.argv.slice(2);
  const batch = Number(batchArg || 2);
  const sa = await ort.InferenceSession.create(a, { intraOpNumThreads: 1 });
  const sb = await ort.InferenceSession.create(b, { intraOpNumThreads: 1 });
  const feeds = {};
  const r = rng(7);
  for (const meta of sa.inputMetadata) {
    const shape = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : batch));
    const n = shape.reduce((x, y) => x * y, 1);
    if (meta.type !== 'float32') throw new Error(`input ${meta.name}: type ${meta.type} not handled`);
    feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, r), shape);
  }
  const ra = await sa.run(feeds), rb = await sb.run(feeds);
  let bad = 0;
  for (const k of Object.keys(ra)) {
    const x = ra[k].data, y = rb[k] && rb[k].data;
    if (!y || x.length !== y.length) { console.error(`${k}: missing or different size`); bad++; continue; }
    for (let i = 0; i < x.length; i++)
      if (!(x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) { console.error(`${k}[${i}]: ${x[i]} vs ${y[i]}`); bad++; break; }
  }
  if (bad) process.exit(1);
  console.log(`${Object.keys(ra).length} outputs identical`);
}
main().catch((e) => { console.error(String(e)); process.exit(1); });
