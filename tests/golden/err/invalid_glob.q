model "m.onnx";
calibrate { data x = "c.npy"; }
prepare { exclude modules "layer[12"; }
