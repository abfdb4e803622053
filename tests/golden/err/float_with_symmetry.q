model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig { op Softmax: act float symmetric; }
