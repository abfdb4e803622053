# header comment kept at the top
import   "base/w8a8.q" ;   # trailing after import


model "models/resnet.onnx"{input image:float32[N,1,28,28];   # shape
  output logits;}
prepare {   # after brace
  method jit_strip;quantize from image to logits;
  exclude modules "fc" ,
     # inside a list
     re"layer3\.1\..*";
  exclude ops Softmax,ArgMax;   concrete use_aux=false;
  /* block
     comment */
  concrete N = 32;
};

qconfig {                                   # first match wins, top to bottom
  module "layer1.*"          : act int16, weight int8 per_channel;
  op Softmax, LayerNormalization      : act int16;
  most_sensitive 20%         : act int16;   # ranked by measured sensitivity

  default : act uint8 asymmetric, weight int8 symmetric per_channel;
  # last comment in block
}
quantsim  { scheme tf_enhanced; rounding nearest; config "configs/htp.json"; }
passes    { cle; adaround { iterations 10000; reg 0.01; } }
export{}
# trailing file comment
