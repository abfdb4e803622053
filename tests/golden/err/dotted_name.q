# A dotted name (an exporter's symbolic dim) outside quotes: the hint shows the quoted form.
model "m.onnx";
prepare {
  concrete p2o.DynamicDimension.0 = 8;
}
