import "inc/self.q";
model "m.onnx";
calibrate { data x = "c.npy"; }
