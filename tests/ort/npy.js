'use strict';
// Minimal .npy (NumPy array file) reader and writer: format versions 1.0-3.0, C order,
// little-endian or byte-sized dtypes. An array is {dtype, shape, data} where dtype is the
// ONNX Runtime type name and data a typed array of that type (BigInt64Array for int64,
// Uint8Array holding 0/1 for bool).

const fs = require('fs');
const path = require('path');

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"

// descr (without byte-order mark) -> ORT dtype, element size, typed array constructor.
const DTYPES = {
  f4: { name: 'float32', size: 4, Arr: Float32Array },
  f8: { name: 'float64', size: 8, Arr: Float64Array },
  i8: { name: 'int64', size: 8, Arr: BigInt64Array },
  u8: { name: 'uint64', size: 8, Arr: BigUint64Array },
  i4: { name: 'int32', size: 4, Arr: Int32Array },
  u4: { name: 'uint32', size: 4, Arr: Uint32Array },
  i2: { name: 'int16', size: 2, Arr: Int16Array },
  u2: { name: 'uint16', size: 2, Arr: Uint16Array },
  i1: { name: 'int8', size: 1, Arr: Int8Array },
  u1: { name: 'uint8', size: 1, Arr: Uint8Array },
  b1: { name: 'bool', size: 1, Arr: Uint8Array },
};
const BY_NAME = {};
for (const [code, d] of Object.entries(DTYPES)) BY_NAME[d.name] = { code, ...d };

function fail(file, msg) {
  throw new Error(`${file}: ${msg}`);
}

// Parses the Python-literal header dict that NumPy writes.
function parseHeader(text, file) {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) fail(file, `malformed .npy header: ${text.trim()}`);
  if (fortran[1] === 'True') fail(file, 'Fortran-order arrays are not supported');
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const dimsNum = dims.map((s) => {
    if (!/^\d+L?$/.test(s)) fail(file, `bad dimension '${s}' in shape`);
    return Number.parseInt(s, 10);
  });
  let d = descr[1];
  const order = d[0];
  if (order === '>' && !/^.[bu]1$|^.i1$/.test(d)) fail(file, `big-endian dtype ${d} is not supported`);
  if ('<|=>'.includes(order)) d = d.slice(1);
  const dt = DTYPES[d];
  if (!dt) fail(file, `unsupported dtype '${descr[1]}'`);
  return { dt, shape: dimsNum };
}

// Reads a .npy file (or buffer) and returns {dtype, shape, data}. Throws with the file name on
// bad input.
function parse(buf, file = '<buffer>') {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) fail(file, 'not a .npy file (bad magic)');
  const major = buf[6];
  let hlen, hstart;
  if (major === 1) { hlen = buf.readUInt16LE(8); hstart = 10; }
  else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(file, 'truncated header');
    hlen = buf.readUInt32LE(8); hstart = 12;
  } else fail(file, `unsupported .npy version ${major}`);
  if (hstart + hlen > buf.length) fail(file, 'truncated header');
  const header = buf.subarray(hstart, hstart + hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const { dt, shape } = parseHeader(header, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const need = count * dt.size;
  if (buf.length - off < need) fail(file, `data is ${buf.length - off} bytes, shape ${JSON.stringify(shape)} needs ${need}`);
  // Copy into an aligned buffer: typed arrays need offsets that are multiples of the element size.
  const bytes = new Uint8Array(need);
  bytes.set(buf.subarray(off, off + need));
  const data = new dt.Arr(bytes.buffer, 0, count);
  return { dtype: dt.name, shape, data };
}

function read(file) {
  return parse(fs.readFileSync(file), file);
}

// Serialises {dtype, shape, data} into .npy bytes (version 1.0, header padded to 64 bytes).
function serialize(arr) {
  const dt = BY_NAME[arr.dtype];
  if (!dt) throw new Error(`cannot write dtype ${arr.dtype} to .npy`);
  if (!arr.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`bad shape ${JSON.stringify(arr.shape)}`);
  if (arr.shape.reduce((p, d) => p * d, 1) !== arr.data.length) throw new Error(`shape ${JSON.stringify(arr.shape)} does not match ${arr.data.length} elements`);
  const order = dt.size === 1 ? '|' : '<';
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${order}${dt.code}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  MAGIC.copy(pre, 0);
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = arr.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), body]);
}

// Writes atomically: a temporary file in the same directory, then rename.
function write(file, arr) {
  const bytes = serialize(arr);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch (_) { /* nothing to remove */ }
    throw e;
  }
}

function typedArrayFor(dtype) {
  const dt = BY_NAME[dtype];
  if (!dt) throw new Error(`unsupported dtype ${dtype}`);
  return dt.Arr;
}

// Rows [start, end) along axis 0 (a view, no copy).
function sliceRows(arr, start, end) {
  const row = arr.shape.slice(1).reduce((a, b) => a * b, 1);
  return { dtype: arr.dtype, shape: [end - start, ...arr.shape.slice(1)], data: arr.data.subarray(start * row, end * row) };
}

// Concatenates arrays of the same dtype and trailing shape along axis 0.
function concatRows(parts) {
  const first = parts[0];
  if (parts.some((p) => p.shape.length === 0)) throw new Error('cannot concatenate scalars along axis 0');
  const Arr = typedArrayFor(first.dtype);
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const data = new Arr(total);
  let rows = 0, at = 0;
  for (const p of parts) {
    if (p.dtype !== first.dtype || p.shape.length !== first.shape.length ||
        p.shape.slice(1).some((d, i) => d !== first.shape[i + 1])) {
      throw new Error(`cannot concatenate ${p.dtype}${JSON.stringify(p.shape)} with ${first.dtype}${JSON.stringify(first.shape)}`);
    }
    data.set(p.data, at);
    at += p.data.length;
    rows += p.shape[0];
  }
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

// Element i as a JS number (int64 through Number, exact up to 2^53).
function toFloat64(arr) {
  if (arr.data instanceof Float64Array) return arr.data;
  const out = new Float64Array(arr.data.length);
  if (arr.data instanceof BigInt64Array || arr.data instanceof BigUint64Array) {
    for (let i = 0; i < out.length; i++) out[i] = Number(arr.data[i]);
  } else {
    out.set(arr.data);
  }
  return out;
}

module.exports = { read, parse, write, serialize, sliceRows, concatRows, toFloat64, typedArrayFor };
