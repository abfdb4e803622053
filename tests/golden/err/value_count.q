model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { scheme tf mse; }
