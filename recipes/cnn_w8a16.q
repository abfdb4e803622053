# cnn_w8a16.q — imports: the shared W8A8 base, raised to 16-bit activations.
#
# Paths in base/w8a8.q are resolved against base/, paths here against recipes/.
# `qrc plan recipes/cnn_w8a16.q` shows the merged result.
import "base/w8a8.q";

model "models/fmnist_cnn.onnx" {
  input image: float32[N, 1, 28, 28];
  output logits;
}

quantsim {
  act_bitwidth 16;  # overrides the base's 8
}

qconfig {
  default: act uint16 asymmetric, weight int8 symmetric per_channel;
}

export {
  prefix "fmnist_cnn_w8a16";
}
