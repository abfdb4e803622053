# cnn_adaround.q — 4-bit weights learned with AdaRound, eager preparation with explicit rewrites.
model "models/fmnist_cnn.onnx" {
  input image: float32[N, 1, 28, 28];
}

prepare {
  method eager;  # nothing is rewritten unless listed here
  rewrite fold_bn, fuse;
  exclude modules "fc2";  # the classifier stays in float
}

qconfig {
  default: act uint8 asymmetric, weight int4 symmetric per_channel;
}

quantsim {
  scheme mse;
  param_bitwidth 4;
}

calibrate {
  data image = "data/calib_512.npy";
  samples 256;
  batch 64;
  seed 1;
}

passes {
  adaround {
    iterations 1000;  # per layer (10000 is the usual default; 1000 keeps the example quick)
    reg 0.01;
    beta_start 20;
    beta_end 2;
    warm_start 0.2;
  }
}

evaluate {
  data image = "data/test_2000.npy";
  labels "data/test_2000_labels.npy";
  batch 100;
}

export {
  dir "../out/adaround";
  prefix "fmnist_cnn_w4a8";
}
