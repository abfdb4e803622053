# base/w8a8.q — defaults shared by the example recipes: 8-bit per-channel weights, 8-bit activations.
#
# Not a recipe on its own (it names no model): other recipes import it and override what they need.
# Settings of the importing file win; its qconfig rules are tried before these.

quantsim {
  scheme tf_enhanced;
  rounding nearest;
  act_bitwidth 8;
  param_bitwidth 8;
}

qconfig {
  op Softmax: act uint16;  # probabilities need the finer grid
  default:    act uint8 asymmetric, weight int8 symmetric per_channel;
}

calibrate {
  data image = "../data/calib_512.npy";
  samples 512;
  batch 32;
  seed 7;
}

evaluate {
  data image = "../data/test_2000.npy";
  labels "../data/test_2000_labels.npy";
}

export {
  dir "../../out";
  encodings "1.0.0";
}
