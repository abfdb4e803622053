model "m.onnx";
calibrate { data x = "c.npy"; }
passes { adaround { iterations 0; reg -1; } }
