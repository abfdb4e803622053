modle "m.onnx";
prepare { method jti; exclude ops Softmx; }
qconfig { default: act int40, weight int8 per_chanel; }
quantsim { scheme percentile(150); rounding nerest; }
calibrate { data x = "c.npy"; sampels 5; batch -4; }
