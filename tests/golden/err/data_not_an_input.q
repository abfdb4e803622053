model "m.onnx" { input image: float32[N, 1, 28, 28]; }
calibrate { data imag = "c.npy"; }
