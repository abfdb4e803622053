# jit_strip: pre- and post-processing stay in float.
model "m.onnx" { input raw: uint8[1, 28, 28]; }
prepare {
  method jit_strip;
  quantize from "/normalize/Div_output_0" to logits;
}
calibrate { data raw = "raw.npy"; samples 8; batch 8; }
