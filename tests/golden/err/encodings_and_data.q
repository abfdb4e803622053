model "m.onnx";
calibrate { data x = "c.npy"; encodings "e.json"; }
