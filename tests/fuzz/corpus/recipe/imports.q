# Overrides an imported base: scalars replace, lists extend, rules go first, passes replace.
import "inc/w8a16.q";

model "m.onnx";
prepare { exclude ops Softmax; }
qconfig { module "head": act float, weight float; }
quantsim { scheme mse; }
calibrate { samples 256; }
passes { adaround; }
export { prefix "child"; }
