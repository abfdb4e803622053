model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { act_scheme tf; act_scheme mse; scheme tf(3); }
