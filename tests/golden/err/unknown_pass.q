model "m.onnx";
calibrate { data x = "c.npy"; }
passes { cle; adarond; }
