/* Calibration schemes per role and per rule. */
model "m.onnx";

qconfig {
  op Softmax, Sigmoid: act uint16 scheme tf;          # a rule's scheme applies to the quantizers it decides
  module "head.*": weight int8 per_channel scheme mse;
  module "neck": act scheme percentile(99.9);         # a scheme alone: the format comes from the default
  default: act uint8 asymmetric, weight int8 symmetric per_channel;
}

quantsim {
  act_scheme percentile(99.99);  # the role keys win over 'scheme' in the same file, in any order
  scheme tf_enhanced;
  weight_scheme tf;
}

calibrate { data x = "c.npy"; }
