model "m.onnx";
calibrate { data x = "c.npy"; }
prepare { method symbolic; rewrite fold_bn; }
