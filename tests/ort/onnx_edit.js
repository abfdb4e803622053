'use strict';
// Just enough protobuf to list an ONNX model's node outputs and expose them as graph outputs,
// so ONNX Runtime can be asked for every intermediate tensor. Works on the wire format directly:
// ModelProto.graph is field 7, GraphProto.node field 1, GraphProto.output field 12,
// NodeProto.output field 2, ValueInfoProto.name field 1.

function readVarint(buf, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
  return [v, pos];
}

function writeVarint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

// Yields {field, wire, start, end, payloadStart} for each field of a message.
function* fields(buf) {
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    let payloadStart = pos;
    if (wire === 0) [, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      payloadStart = pos;
      pos += Number(len);
    } else throw new Error(`unsupported wire type ${wire}`);
    if (pos > buf.length) throw new Error('truncated message');
    yield { field, wire, start, end: pos, payloadStart };
  }
}

function lenField(field, payload) {
  return Buffer.concat([writeVarint((field << 3) | 2), writeVarint(payload.length), payload]);
}

function strings(msg, field) {
  const out = [];
  for (const f of fields(msg)) if (f.field === field && f.wire === 2) out.push(msg.subarray(f.payloadStart, f.end).toString('utf8'));
  return out;
}

// Returns {nodeOutputs (topological order as stored), graphOutputs}.
function listTensors(model) {
  let graph = null;
  for (const f of fields(model)) if (f.field === 7 && f.wire === 2) graph = model.subarray(f.payloadStart, f.end);
  if (!graph) throw new Error('model has no graph');
  const nodeOutputs = [], graphOutputs = [];
  for (const f of fields(graph)) {
    if (f.wire !== 2) continue;
    const body = graph.subarray(f.payloadStart, f.end);
    if (f.field === 1) for (const o of strings(body, 2)) if (o) nodeOutputs.push(o);
    if (f.field === 12) graphOutputs.push(...strings(body, 1));
  }
  return { graph, nodeOutputs, graphOutputs };
}

// Returns a copy of the model whose graph also outputs every node output (types left for
// ONNX Runtime to infer), plus the list of all tensor names in node order.
function exposeAllOutputs(model) {
  const { graph, nodeOutputs, graphOutputs } = listTensors(model);
  const have = new Set(graphOutputs);
  const extra = nodeOutputs.filter((n) => !have.has(n));
  const added = extra.map((n) => lenField(12, lenField(1, Buffer.from(n, 'utf8'))));
  const newGraph = Buffer.concat([graph, ...added]);
  const parts = [];
  for (const f of fields(model)) parts.push(f.field === 7 && f.wire === 2 ? lenField(7, newGraph) : model.subarray(f.start, f.end));
  return { model: Buffer.concat(parts), tensors: nodeOutputs };
}

// The default-domain opset a model imports (ModelProto.opset_import is field 8: domain 1, version 2).
function readModelOpset(model) {
  for (const f of fields(model)) {
    if (f.field !== 8 || f.wire !== 2) continue;
    const set = model.subarray(f.payloadStart, f.end);
    let domain = '', version = 0;
    for (const g of fields(set)) {
      if (g.field === 1 && g.wire === 2) domain = set.subarray(g.payloadStart, g.end).toString('utf8');
      if (g.field === 2 && g.wire === 0) version = Number(readVarint(set, g.payloadStart)[0]);
    }
    if (domain === '' || domain === 'ai.onnx') return version;
  }
  return 0;
}

module.exports = { listTensors, exposeAllOutputs, readModelOpset };
