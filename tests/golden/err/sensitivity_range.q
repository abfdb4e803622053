model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { most_sensitive 0%: act int16; }
