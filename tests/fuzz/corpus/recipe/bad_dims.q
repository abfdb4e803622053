model "m.onnx" { input image: float32[N, 0, 28 28]; }
calibrate { data image = "c.npy"; }
