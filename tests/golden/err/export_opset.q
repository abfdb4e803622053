model "m.onnx" { input x: float32[1, 3]; }
calibrate { data x = "x.npy"; }
export { opset 9; }
