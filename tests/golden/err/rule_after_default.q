model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig {
  default: act uint8, weight int8;
  op Softmax: act int16;
}
