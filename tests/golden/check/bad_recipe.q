# qrc check --recipe: a recipe with errors is reported with its diagnostics, nothing is checked.
model "../../../recipes/models/fmnist_cnn.onnx" {
  input image: float32[N, 1, 28, 28];
}

prepare {
  method symbolik;
}
