# Load encodings instead of calibrating (the data of the base is dropped).
import "inc/w8a16.q";
model "m.onnx";
calibrate { encodings "enc/m.encodings"; }
