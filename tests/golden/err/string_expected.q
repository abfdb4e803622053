model m_onnx;
calibrate { data x = "c.npy"; }
