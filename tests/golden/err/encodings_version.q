model "m.onnx";
calibrate { data x = "c.npy"; }
export { encodings "2.0"; }
