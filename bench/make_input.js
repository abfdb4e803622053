#!/usr/bin/env node
'use strict';
// Writes a float32 .npy of the given shape filled with seeded standard-normal values, so every
// benchmark run feeds qrc and ONNX Runtime the same inputs.
//   node bench/make_input.js out.npy SEED D0 D1 ...
const npy = require('../tests/ort/npy');

const [out, seedArg, ...dimArgs] = process.argv.slice(2);
if (!out || !/^\d+$/.test(seedArg || '') || !dimArgs.length || !dimArgs.every((d) => /^\d+$/.test(d))) {
  process.stderr.write('usage: make_input.js out.npy SEED D0 D1 ...\n');
  process.exit(2);
}
// mulberry32: small, seedable, good enough for test inputs.
let state = Number(seedArg) >>> 0;
function uniform() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
}
const shape = dimArgs.map(Number);
const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
for (let i = 0; i < data.length; i += 2) { // Box-Muller, two values per pair of uniforms
  const r = Math.sqrt(-2 * Math.log(uniform())), th = 2 * Math.PI * uniform();
  data[i] = r * Math.cos(th);
  if (i + 1 < data.length) data[i + 1] = r * Math.sin(th);
}
npy.write(out, { dtype: 'float32', shape, data });
