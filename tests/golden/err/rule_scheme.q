model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig {
  op Softmax: act uint16 scheme tf_enhance;
  op Sigmoid: act uint16 scheme;
  op Relu: act uint8 scheme tf scheme mse;
  op Add: act float scheme tf;
  op Mul: act uint8 schem tf;
  op Conv: weight int8 scheme percentile(20);
}
