# The smallest recipe: a model and calibration data; everything else defaults.
model "m.onnx";
calibrate { data x = "calib.npy"; }
