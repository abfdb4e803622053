# resnet_mixed.q — mixed precision on the Fashion-MNIST ResNet.
#
# Module selectors: "exact" names, "glob*" patterns, re"regex" (must match the whole name) and
# under "prefix" (the module and everything inside it). Rules are tried top to bottom; the first match wins.
import "base/w8a8.q";

model "models/fmnist_resnet.onnx" {
  input image: float32[N, 1, 28, 28];
}

prepare {
  method symbolic;
  exclude modules "stem";  # the first convolution stays in float
  exclude ops GlobalAveragePool;  # an op class: every op of that type stays in float
}

qconfig {
  most_sensitive 10%:               act int16, weight int16 symmetric;  # ranked by the runtime
  module re"layer1\.[0-9]+\.conv1": act int16, weight int8 per_channel;
  module "layer2.*":                weight int8 per_tensor;
  module under "layer3":            act uint8, weight int4 strict_symmetric per_channel;
  op Add:                           act int16;
  default:                          act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  scheme percentile(99.99);
}

passes {
  cle;  # cross-layer equalization of consecutive convolutions before quantizers are placed
  bias_correction {  # after encodings: biases absorb the mean shift of quantized weights
    samples 256;
  }
}

export {
  prefix "fmnist_resnet_mixed";
}
