model "m.onnx" { input x: float32[B, 8]; input flag: bool[1]; }
prepare { method jit; concrete B = 4; concrete flag = true; }
qconfig { most_sensitive 5.5%: weight int16 per_tensor; }
calibrate { data x = "c.npy"; }
evaluate { data x = "t.npy"; }
