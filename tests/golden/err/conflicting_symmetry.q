model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { default: act int8 symmetric asymmetric, weight int8; }
