# vit_jit_strip.q — jit_strip on the Fashion-MNIST ViT: only the transformer body is quantized.
#
# jit runs the calibration inputs through the graph to resolve shapes and control flow; jit_strip also
# leaves everything before `from` and after `to` in float (like QuantStub / DeQuantStub).
model "models/fmnist_vit.onnx" {
  input image: float32[N, 1, 28, 28];
  output logits;
}

prepare {
  method jit_strip;
  quantize from "/patch/Conv_output_0" to logits;
  exclude ops Softmax;  # attention probabilities stay in float
  concrete N = 32;  # pin the batch dimension
}

qconfig {
  op LayerNormalization, ReduceMean:     act float;
  module re"layers\.[0-9]+\.(qkv|proj)": act int16, weight int8 per_channel;  # attention projections
  default:                               act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  scheme tf;
  config "configs/default_config.json";  # AIMET quantsim config: supergroups, per-op overrides
}

calibrate {
  data image = "data/calib_512.npy";
  samples 256;
  batch 32;
}

evaluate {
  data image = "data/test_2000.npy";
  labels "data/test_2000_labels.npy";
  batch 32;
  samples 1984;  # 62 batches of 32: the recipe pins N
}

export {
  dir "../out/vit";
  prefix "fmnist_vit_body";
  encodings "0.6.1";
  artifacts model, encodings, report;
}
