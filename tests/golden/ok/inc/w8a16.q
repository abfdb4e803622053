# Shared defaults: 16-bit activations, 8-bit per-channel weights.
quantsim { scheme tf; act_bitwidth 16; }
calibrate { data x = "base_calib.npy"; samples 64; seed 3; }
qconfig {
  op Softmax: act int16;
  default: act uint16 asymmetric, weight int8 symmetric per_channel;
}
prepare { exclude ops ArgMax; }
passes { cle; }
export { dir "base_out"; encodings "1.0.0"; }
