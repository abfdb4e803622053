model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { modul "fc": act int16; }
