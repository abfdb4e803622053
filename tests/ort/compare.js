#!/usr/bin/env node
'use strict';
// Compares a result against a reference, as .npy files or as directories of .npy files.
//
//   node tests/ort/compare.js result.npy reference.npy [thresholds] [--name label]
//   node tests/ort/compare.js result_dir/ reference_dir/ [thresholds]
//
// Prints one line per tensor: shape, max abs difference, max relative difference, SQNR of the
// result against the reference (dB), top-1 agreement along the last axis for 2-D tensors, and
// NaN parity. Thresholds (a tensor violating any of them fails):
//   --max-abs X        max |a - b| <= X
//   --max-rel X        max |a - b| / |b| <= X (|b| floored at 1e-6 of the reference's largest |b|)
//   --atol X --rtol Y  every element: |a - b| <= X + Y |b|   (either may be given alone)
//   --min-sqnr DB      SQNR >= DB
//   --min-top1 PCT     top-1 agreement >= PCT percent (2-D tensors only)
// NaN positions must always match and shapes must be equal.
//
// Directories: the tensors are taken in the order of the reference's order.txt (lines
// "file<TAB>tensor name", as written by run.js --dump) or else by file name; tensors missing
// from the result are listed, not compared. The first tensor that disagrees is named at the end.
// Exit status: 0 all within thresholds, 1 a violation, 2 bad usage or unreadable input.

const fs = require('fs');
const path = require('path');
const npy = require('./npy');

function usage(msg) {
  if (msg) process.stderr.write(`compare.js: ${msg}\n`);
  process.stderr.write('usage: compare.js result(.npy|dir) reference(.npy|dir) [--max-abs X] [--max-rel X] ' +
    '[--atol X] [--rtol Y] [--min-sqnr DB] [--min-top1 PCT] [--name label]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { files: [], name: null, th: {} };
  const num = (flag, v) => {
    const x = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(x)) usage(`${flag} needs a number, got '${v}'`);
    return x;
  };
  const keys = { '--max-abs': 'maxAbs', '--max-rel': 'maxRel', '--atol': 'atol', '--rtol': 'rtol', '--min-sqnr': 'minSqnr', '--min-top1': 'minTop1' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (keys[k]) a.th[keys[k]] = num(k, argv[++i]);
    else if (k === '--name') { if (i + 1 >= argv.length) usage('--name needs a value'); a.name = argv[++i]; }
    else if (k.startsWith('--')) usage(`unknown flag ${k}`);
    else a.files.push(k);
  }
  if (a.files.length !== 2) usage('need a result and a reference');
  return a;
}

function argmaxRows(x, rows, cols) {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0, bv = x[r * cols];
    for (let c = 1; c < cols; c++) {
      const v = x[r * cols + c];
      if (Number.isNaN(bv)) break;
      if (v > bv || Number.isNaN(v)) { best = c; bv = v; }
    }
    out[r] = best;
  }
  return out;
}

// Statistics of result a against reference b (both {dtype, shape, data}).
function stats(a, b) {
  const s = { shape: b.shape, count: b.data.length, maxAbs: 0, maxRel: 0, sqnr: Infinity, nanMismatch: 0, top1: null };
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    s.shapeError = `shape ${JSON.stringify(a.shape)} vs reference ${JSON.stringify(b.shape)}`;
    return s;
  }
  const x = npy.toFloat64(a), y = npy.toFloat64(b);
  let refMax = 0;
  for (let i = 0; i < y.length; i++) { const v = Math.abs(y[i]); if (v > refMax && v !== Infinity) refMax = v; }
  const floor = Math.max(refMax * 1e-6, Number.MIN_VALUE);
  let signal = 0, noise = 0;
  for (let i = 0; i < y.length; i++) {
    const p = x[i], q = y[i];
    const pn = Number.isNaN(p), qn = Number.isNaN(q);
    if (pn || qn) { if (pn !== qn) s.nanMismatch++; continue; }
    const d = p === q ? 0 : Math.abs(p - q); // equal infinities differ by 0
    if (d > s.maxAbs || Number.isNaN(d)) s.maxAbs = Number.isNaN(d) ? Infinity : d;
    const rel = d / Math.max(Math.abs(q), floor);
    if (rel > s.maxRel) s.maxRel = rel;
    if (Number.isFinite(q)) { signal += q * q; noise += d * d; }
  }
  s.sqnr = noise === 0 ? Infinity : signal === 0 ? -Infinity : 10 * Math.log10(signal / noise);
  if (b.shape.length === 2 && b.shape[1] > 0) {
    const [rows, cols] = b.shape;
    const ta = argmaxRows(x, rows, cols), tb = argmaxRows(y, rows, cols);
    let agree = 0;
    for (let r = 0; r < rows; r++) if (ta[r] === tb[r]) agree++;
    s.top1 = { agree, rows };
  }
  return s;
}

function countClose(a, b, atol, rtol) {
  const x = npy.toFloat64(a), y = npy.toFloat64(b);
  let bad = 0;
  for (let i = 0; i < y.length; i++) {
    const p = x[i], q = y[i];
    if (Number.isNaN(p) || Number.isNaN(q)) continue;
    const d = p === q ? 0 : Math.abs(p - q);
    if (!(d <= atol + rtol * Math.abs(q))) bad++;
  }
  return bad;
}

const fmt = (v) => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v === 0 ? '0' : v.toExponential(2));

// Returns {line, failures[]} for one pair.
function judge(label, a, b, th) {
  const s = stats(a, b);
  const failures = [];
  if (s.shapeError) {
    failures.push(s.shapeError);
    return { line: `${label}: ${s.shapeError} -> FAIL`, failures };
  }
  if (th.maxAbs !== undefined && !(s.maxAbs <= th.maxAbs)) failures.push(`max abs ${fmt(s.maxAbs)} > ${th.maxAbs}`);
  if (th.maxRel !== undefined && !(s.maxRel <= th.maxRel)) failures.push(`max rel ${fmt(s.maxRel)} > ${th.maxRel}`);
  if (th.atol !== undefined || th.rtol !== undefined) {
    const bad = countClose(a, b, th.atol || 0, th.rtol || 0);
    if (bad) failures.push(`${bad} of ${s.count} elements outside atol ${th.atol || 0} + rtol ${th.rtol || 0}`);
  }
  if (th.minSqnr !== undefined && !(s.sqnr >= th.minSqnr)) failures.push(`SQNR ${s.sqnr.toFixed(1)} dB < ${th.minSqnr} dB`);
  let top1 = '';
  if (s.top1) {
    const pct = (100 * s.top1.agree) / s.top1.rows;
    top1 = ` top1 ${pct.toFixed(2)}% (${s.top1.agree}/${s.top1.rows})`;
    if (th.minTop1 !== undefined && !(pct >= th.minTop1)) failures.push(`top-1 agreement ${pct.toFixed(2)}% < ${th.minTop1}%`);
  }
  if (s.nanMismatch) failures.push(`${s.nanMismatch} NaN positions differ`);
  if (a.dtype !== b.dtype) top1 += ` (dtype ${a.dtype} vs ${b.dtype})`;
  const sq = s.sqnr === Infinity ? 'inf' : s.sqnr.toFixed(1);
  const line = `${label}: shape ${JSON.stringify(s.shape)} max_abs ${fmt(s.maxAbs)} max_rel ${fmt(s.maxRel)} ` +
    `sqnr ${sq} dB${top1} nan ${s.nanMismatch ? 'MISMATCH' : 'ok'} -> ${failures.length ? 'FAIL (' + failures.join('; ') + ')' : 'ok'}`;
  return { line, failures };
}

// Reference directory listing: [[file, tensor name]] in order.txt order or by file name.
function listDir(dir) {
  const order = path.join(dir, 'order.txt');
  if (fs.existsSync(order)) {
    return fs.readFileSync(order, 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
      const [f, n] = l.split('\t');
      return [f, n || f];
    });
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.npy')).sort().map((f) => [f, f.replace(/\.npy$/, '')]);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const [res, ref] = args.files;
  let isDir;
  try {
    isDir = [fs.statSync(res).isDirectory(), fs.statSync(ref).isDirectory()];
  } catch (e) {
    process.stderr.write(`compare.js: ${e.message}\n`);
    process.exit(2);
  }
  if (isDir[0] !== isDir[1]) usage('compare two files or two directories');
  let pairs;
  if (isDir[1]) pairs = listDir(ref).map(([f, n]) => [n, path.join(res, f), path.join(ref, f)]);
  else pairs = [[args.name || path.basename(ref, '.npy'), res, ref]];

  let failed = 0, compared = 0, firstBad = null;
  const missing = [];
  for (const [label, fa, fb] of pairs) {
    if (isDir[1] && !fs.existsSync(fa)) { missing.push(label); continue; }
    let a, b;
    try { a = npy.read(fa); b = npy.read(fb); } catch (e) {
      process.stderr.write(`compare.js: ${e.message}\n`);
      process.exit(2);
    }
    const { line, failures } = judge(label, a, b, args.th);
    console.log(line);
    compared++;
    if (failures.length) { failed++; if (!firstBad) firstBad = `${label}: ${failures.join('; ')}`; }
  }
  if (isDir[1]) {
    if (missing.length) console.log(`not in result (${missing.length}): ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
    if (!compared) { console.log('no tensors in common'); process.exit(1); }
    console.log(`${compared} tensors compared, ${failed} disagree${firstBad ? `; first: ${firstBad}` : ''}`);
  }
  process.exit(failed ? 1 : 0);
}

if (require.main === module) main();
module.exports = { stats, judge };
