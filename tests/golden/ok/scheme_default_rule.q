/* A default rule's scheme reaches every rule that names none; quantsim's 'scheme' sets both roles. */
model "m.onnx";

qconfig {
  op Softmax: act uint16;
  default: act uint8 scheme mse, weight int8 per_channel scheme tf;
}

quantsim { scheme percentile(99.5); }
calibrate { data x = "c.npy"; }
