import "inc/cycle_b.q";
model "m.onnx";
calibrate { data x = "c.npy"; }
