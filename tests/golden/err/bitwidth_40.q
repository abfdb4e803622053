model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { op Conv: weight int40; }
