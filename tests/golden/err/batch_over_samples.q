model "m.onnx";
calibrate { data x = "c.npy"; samples 16; batch 64; }
