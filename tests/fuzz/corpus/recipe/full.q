/* Every section and most keys. */
model "models/resnet.onnx" {
  input image: float32[N, 3, 224, 224];
  input use_aux: bool;
  output logits, aux;
}

prepare {
  method symbolic;
  exclude modules "fc", re"layer3\.1\..*", "layer4.*", under "head";
  exclude ops Softmax, ArgMax, "MyDomainOp";
  concrete use_aux = false;
  concrete N = 32;
  concrete sizes = [1, 2.5, true];
}

qconfig {
  module "layer1.*", under "stem": act int16, weight int8 per_channel;
  op Softmax, LayerNormalization: act int16;
  op Sigmoid: act float;
  most_sensitive 20%: act int16, weight int16 symmetric;
  module re"classifier\..*": act uint16 asymmetric, weight int4 strict_symmetric;
  default: act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  scheme percentile(99.9);
  rounding stochastic;
  act_bitwidth 8;
  param_bitwidth 8;
  config "configs/htp.json";
  dtype int;
}

calibrate {
  data image = "data/calib_*.npy", "../extra/more.npy";
  samples 1024;
  batch 64;
  seed 7;
}

evaluate {
  data image = "data/test.npy";
  labels "data/test_labels.npy";
  batch 100;
  samples 2000;
}

passes {
  cle { high_bias_absorption false; }
  bias_correction { samples 128; }
  adaround { iterations 2000; reg 0.02; beta_start 16; beta_end 3; warm_start 0.1; }
}

export {
  dir "/tmp/qrc-out";
  prefix "resnet_w8a8";
  encodings "1.0.0";
  artifacts model, encodings;
  bias int32;  # Conv/Gemm biases as int32 in the QDQ model
}
