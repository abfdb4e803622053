model "m.onnx" { input a: float32[1]; input b: float32[1]; }
prepare { concrete b = 1.0; }
calibrate { data a = "a.npy"; data b = "b.npy"; }
