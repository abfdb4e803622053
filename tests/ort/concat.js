#!/usr/bin/env node
'use strict';
// Concatenates .npy files along axis 0 (same dtype and trailing dims).
//   node tests/ort/concat.js out.npy in1.npy in2.npy ...
const npy = require('./npy');

const [dst, ...srcs] = process.argv.slice(2);
if (!dst || !srcs.length) {
  process.stderr.write('usage: concat.js out.npy in1.npy [in2.npy ...]\n');
  process.exit(2);
}
try {
  npy.write(dst, npy.concatRows(srcs.map((f) => npy.read(f))));
} catch (err) {
  process.stderr.write(`concat.js: ${err.message}\n`);
  process.exit(1);
}
