model "m.onnx";
calibrate { data x = "c.npy"; }
prepare { method jit_strip; }
