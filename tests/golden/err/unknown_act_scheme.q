model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { act_scheme precentile(99.9); weight_scheme min_max; }
