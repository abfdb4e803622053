import "does_not_exist.q";
model "m.onnx";
calibrate { data x = "c.npy"; }
