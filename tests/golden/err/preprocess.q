model "m.onnx";
calibrate { data x = "imgs"; }
preprocess x {
  color purple;
  resize exact 28;
  mean 0.1, 0.2;
  pad_width 100;
}
preprocess y: 3;
preprocess x { }
