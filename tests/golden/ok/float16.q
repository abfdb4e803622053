model "m.onnx";
quantsim { dtype float; }
calibrate { data x = "c.npy"; }
export { encodings "0.6.1"; artifacts report; }
