# eager: only the listed rewrites.
model "m.onnx";
prepare { method eager; rewrite fold_bn, fold; }
calibrate { data x = "c.npy"; }
