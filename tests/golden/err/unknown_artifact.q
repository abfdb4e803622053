model "m.onnx";
calibrate { data x = "c.npy"; }
export { artifacts model, encodngs; }
