model "m.onnx";
calibrate { data x = "c.npy"; }
export { prefix "out/model"; }
