model "m.onnx";
calibrate { data x = "c.npy"; }
export { bias int33; }
