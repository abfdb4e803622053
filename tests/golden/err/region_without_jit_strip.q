model "m.onnx";
calibrate { data x = "c.npy"; }
prepare { method jit; quantize from image to logits; }
