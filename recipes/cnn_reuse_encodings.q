# cnn_reuse_encodings.q — load encodings exported by an earlier build instead of calibrating.
#
# Build recipes/demo.q first; its encodings are then frozen on this model.
import "base/w8a8.q";

model "models/fmnist_cnn.onnx";

calibrate {
  encodings "../out/demo/fmnist_cnn_w8a8.encodings";  # replaces the base's calibration data
}

export {
  dir "../out/reuse";
  prefix "fmnist_cnn_reused";
}
