# cnn_float16.q — float16 simulation: every quantizer casts to half precision instead of to integers.
model "models/fmnist_cnn.onnx";

quantsim {
  dtype float;  # bitwidths default to 16
  rounding nearest;
}

calibrate {
  data image = "data/calib_512.npy";
  samples 64;
}

export {
  dir "../out/fp16";
  prefix "fmnist_cnn_fp16";
}

evaluate {
  data image = "data/test_2000.npy";
  labels "data/test_2000_labels.npy";
}
