# demo.q — quantize the Fashion-MNIST CNN to 8-bit weights and activations.
#
# Run it with `make demo`. Paths are relative to this file.

model "models/fmnist_cnn.onnx" {
  input image: float32[N, 1, 28, 28];  # N stays symbolic: any batch size
  output logits;
}

prepare {
  method symbolic;  # fold, name, unshare, fold BatchNorm, fuse
}

qconfig {  # first matching rule wins
  default: act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  scheme tf_enhanced;
  rounding nearest;
}

calibrate {
  data image = "data/calib_512.npy";
  samples 512;
  batch 32;
  seed 7;
}

evaluate {
  data image = "data/test_2000.npy";
  labels "data/test_2000_labels.npy";
}

export {
  dir "../out/demo";
  prefix "fmnist_cnn_w8a8";
  encodings "1.0.0";
}
