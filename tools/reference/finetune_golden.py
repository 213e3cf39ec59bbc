"""Golden data for `crs train --init` (issue 17): a timm-layout checkpoint for another class count and
patch grid than the target model, and PyTorch's logits of the target after loading it as timm
fine-tuning does.

Usage (from the repository root; Debian's torch: /usr/bin/python3):
    /usr/bin/python3 tools/reference/finetune_golden.py tests/golden/finetune-golden [--device cpu|cuda]

Writes into the folder:
  config.json         the target VitConfig (image 24, patch 4: a 6×6 grid; 10 classes)
  init.safetensors    the checkpoint, timm names, F16: image 16, patch 4 (a 4×4 grid), 7 classes
  head.safetensors    head.weight [10, D], head.bias [10]: the target's head (see below)
  batch.safetensors   images F32 [4, 3, 32, 32] (CIFAR-like, normalised), labels F32 [4]
  expected.safetensors
                      resized [4, 3, 24, 24]: F.interpolate(bilinear, align_corners=False)
                      pos_embed [1, 37, D]: the checkpoint's, resampled as timm's resample_abs_pos_embed
                        (bicubic on the grid, align_corners=False, antialias off, class token kept)
                      logits [4, 10]: the plain-torch ViT (vit_reference.build_mirror) in float64
                        with the checkpoint's weights, that pos_embed and head.safetensors' head

The head: a checkpoint with 7 classes loaded into a 10-class model gets a re-initialised head (C#
draws it from the run's seed, which PyTorch cannot reproduce). To keep the logits comparable, the
C# test checks that the head was re-initialised (and said so), then copies head.safetensors' head
into the model, as the reference does, before the forward.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vit_reference import build_mirror, read_safetensors, write_safetensors  # noqa: E402

TARGET = {"name": "finetune-golden", "image_size": 24, "patch_size": 4, "channels": 3, "dim": 16, "depth": 2,
          "heads": 2, "mlp_ratio": 2, "num_classes": 10, "layer_norm_eps": 1e-6}
SOURCE = dict(TARGET, name="finetune-golden-source", image_size=16, num_classes=7)
BATCH, SIDE = 4, 32


def layout(config):
    """timm's state-dict names and shapes, in VitParameterLayout's order."""
    d, hidden, tokens = config["dim"], config["dim"] * config["mlp_ratio"], (config["image_size"] // config["patch_size"]) ** 2 + 1
    p = config["patch_size"]
    shapes = [("cls_token", (1, 1, d)), ("pos_embed", (1, tokens, d)),
              ("patch_embed.proj.weight", (d, config["channels"], p, p)), ("patch_embed.proj.bias", (d,))]
    for i in range(config["depth"]):
        b = f"blocks.{i}."
        shapes += [(b + "norm1.weight", (d,)), (b + "norm1.bias", (d,)), (b + "attn.qkv.weight", (3 * d, d)),
                   (b + "attn.qkv.bias", (3 * d,)), (b + "attn.proj.weight", (d, d)), (b + "attn.proj.bias", (d,)),
                   (b + "norm2.weight", (d,)), (b + "norm2.bias", (d,)), (b + "mlp.fc1.weight", (hidden, d)),
                   (b + "mlp.fc1.bias", (hidden,)), (b + "mlp.fc2.weight", (d, hidden)), (b + "mlp.fc2.bias", (d,))]
    shapes += [("norm.weight", (d,)), ("norm.bias", (d,)), ("head.weight", (config["num_classes"], d)),
               ("head.bias", (config["num_classes"],))]
    return shapes


def random_weights(config, rng):
    """Large enough that every part matters: weights ~ N(0, 0.3²), LayerNorm affine near 1/0, embeddings ~ N(0, 1)."""
    weights = {}
    for name, shape in layout(config):
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm.weight":
            value = 1 + 0.2 * rng.standard_normal(shape)
        elif name in ("cls_token", "pos_embed"):
            value = rng.standard_normal(shape)
        else:
            value = 0.3 * rng.standard_normal(shape)
        weights[name] = value.astype(np.float16)  # a half-precision checkpoint: the loader must widen it
    return weights


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    import torch
    import torch.nn.functional as F

    os.makedirs(args.folder, exist_ok=True)
    rng = np.random.default_rng(17)
    checkpoint = random_weights(SOURCE, rng)
    head = {"head.weight": (0.3 * rng.standard_normal((TARGET["num_classes"], TARGET["dim"]))).astype(np.float32),
            "head.bias": (0.3 * rng.standard_normal(TARGET["num_classes"])).astype(np.float32)}
    images = rng.standard_normal((BATCH, 3, SIDE, SIDE)).astype(np.float32)
    labels = rng.integers(0, TARGET["num_classes"], BATCH).astype(np.float32)

    device, dtype = torch.device(args.device), torch.float64
    # The resize runs on F32 images (as the C# pipeline); the model in float64.
    resized = F.interpolate(torch.from_numpy(images), size=(TARGET["image_size"],) * 2, mode="bilinear", align_corners=False)
    old_grid = SOURCE["image_size"] // SOURCE["patch_size"]
    new_grid = TARGET["image_size"] // TARGET["patch_size"]
    pos = torch.from_numpy(checkpoint["pos_embed"].astype(np.float64))
    grid = pos[:, 1:].reshape(1, old_grid, old_grid, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(new_grid, new_grid), mode="bicubic", align_corners=False)  # antialias off (1.13's default)
    pos_embed = torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, new_grid * new_grid, -1)], dim=1)

    state = {name: torch.from_numpy(value.astype(np.float64)) for name, value in checkpoint.items()}
    state["pos_embed"] = pos_embed
    state.update({name: torch.from_numpy(value.astype(np.float64)) for name, value in head.items()})
    model = build_mirror(TARGET).to(device=device, dtype=dtype)
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(resized.to(device=device, dtype=dtype))

    def f32(tensor):
        return tensor.detach().to("cpu", torch.float64).numpy().astype(np.float32)

    with open(os.path.join(args.folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(TARGET, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(args.folder, "init.safetensors"), checkpoint, {"format": "pt"})
    write_safetensors(os.path.join(args.folder, "head.safetensors"), head, {"format": "pt"})
    write_safetensors(os.path.join(args.folder, "batch.safetensors"), {"images": images, "labels": labels}, {"format": "pt"})
    write_safetensors(os.path.join(args.folder, "expected.safetensors"),
                      {"resized": f32(resized), "pos_embed": f32(pos_embed), "logits": f32(logits)},
                      {"format": "pt", "generated_by": "tools/reference/finetune_golden.py", "torch_version": torch.__version__,
                       "device": str(device), "dtype": "float64 model, F32 resize (stored as F32)"})
    print(f"wrote {args.folder}: logits {tuple(logits.shape)}, |logits| max {logits.abs().max().item():.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
