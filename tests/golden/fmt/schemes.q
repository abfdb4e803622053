model "m.onnx";
qconfig { op Softmax:act uint16   scheme percentile( 99.9 ) ; default:act uint8,weight int8 per_channel scheme tf; }
quantsim{act_scheme   tf_enhanced;weight_scheme mse;}
