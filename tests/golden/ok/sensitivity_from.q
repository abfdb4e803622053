# A saved ranking (a previous build's report) instead of measuring one, and the exhaustive ranking named.
model "m.onnx";
calibrate { data x = "calib.npy"; }
qconfig {
  most_sensitive 10% from "out/m.report.json": act int16;
  default: act uint8;
}
quantsim { sensitivity exhaustive; }
