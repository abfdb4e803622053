# qrc check --recipe: jit_strip with the batch pinned; the classifier head stays in float.
model "../../../recipes/models/fmnist_vit.onnx" {
  input image: float32[N, 1, 28, 28];
  output logits;
}

prepare {
  method jit_strip;
  quantize from image to "/ln/Add_1_output_0";
  exclude ops LayerNormalization;
  exclude modules re"layers\.[12]\.fc[12]";
  concrete N = 8;
}

qconfig {
  default: act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  scheme tf_enhanced;
  rounding nearest;
}

calibrate {
  data image = "../../../recipes/data/calib_512.npy";
  samples 64;
  batch 8;
  seed 7;
}

export {
  dir "../../../out/check";
  prefix "vit";
  encodings "1.0.0";
}
