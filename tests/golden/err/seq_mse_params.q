model "m.onnx";
calibrate { data x = "c.npy"; }
passes { seq_mse { candidates 0; candidate 5; } }
