model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { default: act int8 per_channel, weight int8; }
