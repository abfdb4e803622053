# Unit kinds of the fuse pass name decomposed units in exclude ops, bare like op types.
model "m.onnx";
prepare { exclude ops LayerNorm, HardSwish, Softmax; }
calibrate { data x = "c.npy"; }
