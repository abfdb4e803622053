# qrc check --recipe: exclusions that match nothing are errors naming the closest modules.
model "../../../recipes/models/fmnist_resnet.onnx" {
  input image: float32[N, 1, 28, 28];
  output logits;
}

prepare {
  method symbolic;
  exclude modules "layer1.0.cnov1", re"layer3\.1\..*", "fc";
  exclude ops Softmax;
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
  samples 512;
  batch 32;
  seed 7;
}

export {
  dir "../../../out/check";
  prefix "resnet";
  encodings "1.0.0";
}
