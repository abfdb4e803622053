model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { default: act unit8, weight int8; }
