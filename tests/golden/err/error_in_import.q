import "inc/broken_base.q";
model "m.onnx";
calibrate { data x = "c.npy"; }
