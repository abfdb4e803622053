# images.q — the demo CNN calibrated and evaluated from folders of PNG images instead of .npy files.
#
# data/fmnist_png holds 256 calibration images and 300 test images sorted into one subfolder per class
# (written by data/png_from_npy.py). The preprocessing below turns each 28x28 grayscale PNG into the
# same row as the .npy demo data: pixel / 255, minus the mean, over the std.
import "demo.q";

preprocess image {
  color gray;
  resize exact 28, 28;
  scale unit;
  mean 0.286;
  std 0.353;
  layout nchw;
}

calibrate {
  data image = "data/fmnist_png/calib";
  samples 256;
}

evaluate {
  data image = "data/fmnist_png/test";
  labels folders;  # class = the image's subfolder, in sorted order
}

export {
  dir "../out/images";
  prefix "fmnist_cnn_images";
}
