calibrate { data x = "c.npy"; }
