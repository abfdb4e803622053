model "m.onnx" { input image: float32[N, 1, 28, 28]; input use_aux: bool[1]; }
prepare { concrete use_aux = 3.5; concrete N = -2; }
calibrate { data image = "c.npy"; }
