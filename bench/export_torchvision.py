#!/usr/bin/python3
"""Exports torchvision classification models with seeded random weights to ONNX for the runtime
benchmark: bench/export_torchvision.py OUT_DIR NAME... writes OUT_DIR/NAME.onnx for each NAME not yet
there (input "image" [N,3,224,224] with a dynamic batch, output "logits", opset 17). Prints one line per
model on stderr; a model that fails to export is reported and skipped (exit status 1 at the end)."""
import os
import sys

import torch
import torchvision


def export(name, path):
    torch.manual_seed(0)
    model = torchvision.models.get_model(name, weights=None).eval()
    # Some heads start at zero (ViT's): every output would be 0 and parity would compare nothing.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1 and not p.any():
                p.normal_(0.0, 0.02)
    x = torch.randn(1, 3, 224, 224)
    tmp = path + ".part"
    # Gradients stay enabled: under no_grad, eval-mode attention takes a fused path the exporter lacks.
    torch.onnx.export(model, x, tmp, input_names=["image"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    os.replace(tmp, path)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: export_torchvision.py OUT_DIR NAME...")
    out, failed = sys.argv[1], 0
    os.makedirs(out, exist_ok=True)
    for name in sys.argv[2:]:
        path = os.path.join(out, name + ".onnx")
        if os.path.exists(path):
            continue
        try:
            export(name, path)
            print(f"export_torchvision: {path}", file=sys.stderr)
        except Exception as exc:  # one family failing must not stop the others
            failed = 1
            print(f"export_torchvision: {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(failed)


if __name__ == "__main__":
    main()
