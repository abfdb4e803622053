model "m.onnx";
calibrate { data x = "c.npy"; }
import "base.q";
