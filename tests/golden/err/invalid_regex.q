model "m.onnx";
calibrate { data x = "c.npy"; }
prepare { exclude modules re"layer(1|2"; }
