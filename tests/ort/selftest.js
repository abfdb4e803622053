#!/usr/bin/env node
'use strict';
// Self-checks of the .npy reader/writer: every dtype round-trips, odd shapes work, and malformed
// files are rejected with an error. Prints "N passed, N failed".
const os = require('os');
const fs = require('fs');
const path = require('path');
const npy = require('./npy');

let passed = 0, failed = 0;
function check(name, fn) {
  try { fn(); passed++; } catch (e) { failed++; console.log(`FAIL ${name}: ${e.message}`); }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npy-'));

const samples = {
  float32: [[2, 3], Float32Array.from([1.5, -2, 0, NaN, Infinity, -1e-30])],
  float64: [[3], Float64Array.from([1e300, -0.5, 3])],
  int64: [[2, 2], BigInt64Array.from([-(2n ** 62n), 0n, 7n, 2n ** 40n])],
  int32: [[4], Int32Array.from([-2147483648, 2147483647, 0, 5])],
  uint8: [[1, 2, 2], Uint8Array.from([0, 255, 1, 128])],
  int8: [[2], Int8Array.from([-128, 127])],
  bool: [[3], Uint8Array.from([1, 0, 1])],
};
for (const [dtype, [shape, data]] of Object.entries(samples)) {
  check(`round trip ${dtype}`, () => {
    const f = path.join(dir, `${dtype}.npy`);
    npy.write(f, { dtype, shape, data });
    const buf = fs.readFileSync(f);
    assert((buf.readUInt16LE(8) + 10) % 64 === 0, 'header not padded to 64 bytes');
    const b = npy.read(f);
    assert(b.dtype === dtype, `dtype ${b.dtype}`);
    assert(JSON.stringify(b.shape) === JSON.stringify(shape), `shape ${b.shape}`);
    assert(b.data.length === data.length && b.data.every((v, i) => Object.is(v, data[i])), 'data differs');
  });
}
check('scalar and empty shapes', () => {
  for (const shape of [[], [0], [4, 0, 2]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const f = path.join(dir, 's.npy');
    npy.write(f, { dtype: 'float32', shape, data: new Float32Array(n).fill(3) });
    const b = npy.read(f);
    assert(JSON.stringify(b.shape) === JSON.stringify(shape) && b.data.length === n, `shape ${JSON.stringify(shape)}`);
  }
});
check('header written by NumPy (version 2.0, extra spaces)', () => {
  const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, ), }" + ' '.repeat(3) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0]);
  pre.writeUInt32LE(header.length, 8);
  const b = npy.parse(Buffer.concat([pre, Buffer.from(header), Buffer.from(Int32Array.from([7, -7]).buffer)]));
  assert(b.dtype === 'int32' && b.shape.length === 1 && b.data[1] === -7, 'parsed wrongly');
});
check('slice and concatenate rows', () => {
  const a = { dtype: 'float32', shape: [5, 2], data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) };
  const c = npy.concatRows([npy.sliceRows(a, 0, 2), npy.sliceRows(a, 2, 5)]);
  assert(c.shape[0] === 5 && c.data.every((v, i) => v === i), 'rows lost');
  let threw = false;
  try { npy.concatRows([a, { dtype: 'float32', shape: [1, 3], data: new Float32Array(3) }]); } catch (_) { threw = true; }
  assert(threw, 'mismatched trailing dims accepted');
});

const good = npy.serialize({ dtype: 'float32', shape: [2, 2], data: new Float32Array(4) });
const bad = {
  'bad magic': Buffer.concat([Buffer.from('XNUMPY'), good.subarray(6)]),
  'truncated data': good.subarray(0, good.length - 1),
  'truncated header': good.subarray(0, 20),
  'fortran order': Buffer.from(good.toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1'),
  'unknown dtype': Buffer.from(good.toString('latin1').replace("'<f4'", "'<c8'"), 'latin1'),
  'negative dim': Buffer.from(good.toString('latin1').replace('(2, 2)', '(-2, 2)'), 'latin1'),
  'big-endian float': Buffer.from(good.toString('latin1').replace("'<f4'", "'>f4'"), 'latin1'),
  'version 9': Buffer.concat([good.subarray(0, 6), Buffer.from([9]), good.subarray(7)]),
  'empty file': Buffer.alloc(0),
};
for (const [name, buf] of Object.entries(bad)) {
  check(`rejects ${name}`, () => {
    let err = null;
    try { npy.parse(buf, 'x.npy'); } catch (e) { err = e; }
    assert(err && err.message.startsWith('x.npy: '), 'accepted or unnamed error');
  });
}
check('write leaves no temporary file behind on error', () => {
  const f = path.join(dir, 'never.npy');
  let threw = false;
  try { npy.write(f, { dtype: 'complex64', shape: [1], data: new Float32Array(2) }); } catch (_) { threw = true; }
  assert(threw && !fs.existsSync(f) && fs.readdirSync(dir).every((n) => !n.endsWith('.tmp')), 'partial output left');
});

fs.rmSync(dir, { recursive: true, force: true });
console.log(`npy: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
