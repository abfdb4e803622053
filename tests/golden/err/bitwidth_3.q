model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { default: act int3, weight int8; }
