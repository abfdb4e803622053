model "m.onnx";
calibrate;
