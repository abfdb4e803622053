model "m.onnx";
calibrate { data x = "c.npy"; batch -4; }
