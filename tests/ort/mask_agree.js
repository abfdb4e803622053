#!/usr/bin/env node
'use strict';
// Agreement of two probability maps at a threshold, as a text detector binarises its output: the percent
// of elements on the same side of T in both.
//
//   node tests/ort/mask_agree.js a.npy b.npy [T]     (T default 0.3) prints "mask_agreement P"
const npy = require('./npy');

try {
  const [fa, fb, t = '0.3'] = process.argv.slice(2);
  if (!fb) throw new Error('usage: mask_agree.js a.npy b.npy [threshold]');
  const a = npy.read(fa), b = npy.read(fb), th = Number(t);
  if (a.data.length !== b.data.length) throw new Error(`${a.data.length} values against ${b.data.length}`);
  let same = 0;
  for (let i = 0; i < a.data.length; i++) same += (a.data[i] > th) === (b.data[i] > th);
  console.log(`mask_agreement ${(100 * same / a.data.length).toFixed(3)}`);
} catch (err) {
  process.stderr.write(`mask_agree.js: ${err.message}\n`);
  process.exit(1);
}
