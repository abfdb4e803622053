model "m.onnx";
calibrate { data x = "c.npy"; }
quantsim { scheme tf_enhancd; }
