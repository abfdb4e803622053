/* Sequential MSE before AdaRound: the ranges it chooses are the grids AdaRound rounds onto. */
model "m.onnx";
calibrate { data x = "c.npy"; samples 256; }
passes {
  adaround { iterations 100; }
  seq_mse { candidates 40; }
}
