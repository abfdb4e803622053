model "m.onnx";
calibrate { data x = "c.npy"; }
qconfig {
  most_sensitive 10% from: act int16;
  most_sensitive 10% from ranking: act int16;
  most_sensitive 10% after "r.json": act int16;
}
quantsim { sensitivity fast; }
