model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { default: act uint8 strict_symmetric; }
