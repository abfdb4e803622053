model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { dtype float; act_bitwidth 8; }
