model "m.onnx";
