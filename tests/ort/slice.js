#!/usr/bin/env node
'use strict';
// Copies rows [start, end) along axis 0 of a .npy file into a new .npy file.
//   node tests/ort/slice.js in.npy START END out.npy
const npy = require('./npy');

const [src, start, end, dst] = process.argv.slice(2);
if (!dst || !/^\d+$/.test(start) || !/^\d+$/.test(end)) {
  process.stderr.write('usage: slice.js in.npy START END out.npy\n');
  process.exit(2);
}
try {
  const a = npy.read(src);
  const s = Number(start), e = Number(end);
  if (!a.shape.length || s >= e || e > a.shape[0]) throw new Error(`rows ${s}..${e} outside ${JSON.stringify(a.shape)}`);
  npy.write(dst, npy.sliceRows(a, s, e));
} catch (err) {
  process.stderr.write(`slice.js: ${err.message}\n`);
  process.exit(1);
}
