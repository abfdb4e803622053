# Already canonical: fmt leaves it unchanged.
model "m.onnx";

calibrate {
  data x = "c.npy";  # trailing
}
