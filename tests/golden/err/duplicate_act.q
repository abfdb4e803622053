model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { op Add: act int16, act int8; }
