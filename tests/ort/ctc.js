#!/usr/bin/env node
'use strict';
// Greedy CTC decoding of a text recognizer's output, as PaddleOCR decodes it: argmax per time step,
// repeats merged, index 0 (blank) dropped, index i+1 <-> line i of the dictionary, the last index a space.
//
//   node tests/ort/ctc.js keys.txt out.npy [--truth labels.txt] [--same other_out.npy] [--print]
//
// Prints "lines N", then with --truth "line_accuracy P" (percent of lines decoded exactly), with --same
// "same_decoding P" (percent of lines whose decoding equals that of other_out.npy); --print writes each
// decoded line. Exit status 1 on a malformed input, with the reason on stderr.

const fs = require('fs');
const npy = require('./npy');

function decoder(keysFile) {
  const keys = fs.readFileSync(keysFile, 'utf8').split('\n');
  if (keys[keys.length - 1] === '') keys.pop();
  keys.push(' ');
  return (a) => {
    if (a.shape.length !== 3) throw new Error(`expected [N,T,C] scores, got [${a.shape}]`);
    const [n, t, c] = a.shape;
    if (c !== keys.length + 1) throw new Error(`${c} classes, but the dictionary has ${keys.length + 1}`);
    const lines = [];
    for (let i = 0; i < n; i++) {
      let s = '', prev = -1;
      for (let j = 0; j < t; j++) {
        const row = (i * t + j) * c;
        let best = 0;
        for (let k = 1; k < c; k++) if (a.data[row + k] > a.data[row + best]) best = k;
        if (best !== prev && best !== 0) s += keys[best - 1];
        prev = best;
      }
      lines.push(s);
    }
    return lines;
  };
}

function percent(a, b) {
  let same = 0;
  for (let i = 0; i < a.length; i++) same += a[i] === b[i];
  return (100 * same / a.length).toFixed(2);
}

function main(argv) {
  if (argv.length < 2) throw new Error('usage: ctc.js keys.txt out.npy [--truth labels.txt] [--same out2.npy] [--print]');
  const decode = decoder(argv[0]);
  const lines = decode(npy.read(argv[1]));
  console.log(`lines ${lines.length}`);
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--truth') {
      const truth = fs.readFileSync(argv[++i], 'utf8').split('\n').slice(0, lines.length);
      console.log(`line_accuracy ${percent(lines, truth)}`);
    } else if (argv[i] === '--same') {
      console.log(`same_decoding ${percent(lines, decode(npy.read(argv[++i])))}`);
    } else if (argv[i] === '--print') {
      for (const l of lines) console.log(l);
    } else {
      throw new Error(`unknown option ${argv[i]}`);
    }
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`ctc.js: ${err.message}\n`);
  process.exit(1);
}
