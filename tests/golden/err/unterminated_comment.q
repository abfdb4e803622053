model "m.onnx";
calibrate { data x = "c.npy"; }
/* calibration happens here
quantsim { scheme tf; }
