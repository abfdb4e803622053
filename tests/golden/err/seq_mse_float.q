model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { dtype float; }
passes { seq_mse; }
