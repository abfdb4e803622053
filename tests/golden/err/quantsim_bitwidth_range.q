model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { act_bitwidth 2; param_bitwidth 32; }
