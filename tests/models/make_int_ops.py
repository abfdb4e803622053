#!/usr/bin/env python3
"""Writes tests/models/int_ops: one small model per integer op (ConvInteger, QLinearConv, MatMulInteger,
QLinearMatMul, com.microsoft QLinearAdd / QLinearMul) with seeded random initializers, and the input each
runs on (<name>.x.npy, plus <name>.b.npy for two-input models). tests/suites/int_ort_parity.sh runs
them through ONNX Runtime and qrc and requires identical outputs. Needs python3-onnx and numpy; run
once and commit the result."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "int_ops")
rng = np.random.default_rng(20261207)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def elem(dtype):
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype)) if hasattr(helper, "np_dtype_to_tensor_dtype") \
        else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)]


def q(shape, dtype):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, size=shape).astype(dtype)


def save(name, node, inits, inputs, out_dtype, ms=False):
    """inputs: list of (name, array) fed at run time; the output's shape is left to inference."""
    ins = [helper.make_tensor_value_info(n, elem(a.dtype), a.shape) for n, a in inputs]
    out = helper.make_tensor_value_info("y", elem(out_dtype), None)
    graph = helper.make_graph([node], name, ins, [out], initializer=inits)
    opsets = [helper.make_opsetid("", 13)] + ([helper.make_opsetid("com.microsoft", 1)] if ms else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="make_int_ops")
    model.ir_version = 7
    onnx.save(model, os.path.join(OUT, name + ".onnx"))
    for suffix, (_, a) in zip(("x", "b"), inputs):
        np.save(os.path.join(OUT, f"{name}.{suffix}.npy"), a)


def qlinear_conv(name, w_dtype, per_channel, bias, attrs):
    x = q((2, 8, 9, 9), np.uint8)
    oc = 16
    w = q((oc, 8 // attrs.get("group", 1), 3, 3), w_dtype)
    ws = rng.uniform(0.002, 0.02, size=oc if per_channel else ()).astype(np.float32)
    wz = np.zeros(oc if per_channel else (), w_dtype) if w_dtype == np.int8 else np.array(100, w_dtype)
    inits = [init("xs", np.float32(0.02)), init("xz", np.uint8(120)), init("w", w), init("ws", ws),
             init("wz", wz), init("ys", np.float32(0.05)), init("yz", np.uint8(128))]
    names = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"]
    if bias:
        inits.append(init("B", rng.integers(-3000, 3000, size=oc).astype(np.int32)))
        names.append("B")
    node = helper.make_node("QLinearConv", names, ["y"], **attrs)
    save(name, node, inits, [("x", x)], np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    qlinear_conv("qlinearconv_s8_per_channel", np.int8, True, True, {"group": 2, "strides": [2, 2], "pads": [1, 1, 1, 1]})
    qlinear_conv("qlinearconv_u8", np.uint8, False, False, {"dilations": [2, 2]})

    node = helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], pads=[1, 0, 1, 0])
    save("convinteger", node, [init("w", q((6, 3, 3, 3), np.uint8)), init("xz", np.uint8(3)), init("wz", np.uint8(5))],
         [("x", q((1, 3, 7, 8), np.uint8))], np.int32)

    node = helper.make_node("MatMulInteger", ["x", "w", "xz", "wz"], ["y"])
    save("matmulinteger", node, [init("w", q((12, 5), np.uint8)), init("xz", np.uint8(7)), init("wz", np.uint8(130))],
         [("x", q((3, 7, 12), np.uint8))], np.int32)

    for name, per_col in (("qlinearmatmul", False), ("qlinearmatmul_per_column", True)):
        n = 10
        bs = rng.uniform(0.002, 0.02, size=n if per_col else ()).astype(np.float32)
        bz = np.zeros(n if per_col else (), np.int8)
        node = helper.make_node("QLinearMatMul", ["x", "as", "az", "w", "bs", "bz", "ys", "yz"], ["y"])
        save(name, node, [init("as", np.float32(0.03)), init("az", np.uint8(110)), init("w", q((16, n), np.int8)),
                          init("bs", bs), init("bz", bz), init("ys", np.float32(0.07)), init("yz", np.uint8(125))],
             [("x", q((2, 5, 16), np.uint8))], np.uint8)

    for op in ("QLinearAdd", "QLinearMul"):
        node = helper.make_node(op, ["x", "as", "az", "b", "bs", "bz", "cs", "cz"], ["y"], domain="com.microsoft")
        save(op.lower(), node, [init("as", np.float32(0.04)), init("az", np.uint8(128)), init("bs", np.float32(0.03)),
                                init("bz", np.uint8(100)), init("cs", np.float32(0.06 if op == "QLinearAdd" else 0.5)),
                                init("cz", np.uint8(120))],
             [("x", q((2, 3, 4, 5), np.uint8)), ("b", q((4, 5), np.uint8))], np.uint8, ms=True)


if __name__ == "__main__":
    main()
