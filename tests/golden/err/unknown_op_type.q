model "m.onnx";
calibrate { data x = "c.npy"; }
prepare { exclude ops Softmx, Relu; }
