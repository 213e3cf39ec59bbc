"""PyTorch eager reference for a full ViT training step, for the speed and memory comparison on a GPU.

Usage:
    python3 tools/reference/vit_step_torch.py --model vit-cifar-tiny --batch 128 --steps 50 [--json FILE]
    python3 tools/reference/vit_step_torch.py --model vit-b16 --batch 64 --steps 20 --json out.json
    python3 tools/reference/vit_step_torch.py --model vit-cifar-tiny --params-only     # no torch needed

The same ViT as crs's (src/Model): the golden test's plain torch.nn mirror (vit_reference.build_mirror, so timm
may be absent) with timm's layout: patch
embedding (conv, stride = patch), class token, learned positions, `depth` pre-norm blocks
(LN -> MHSA -> residual, LN -> MLP with exact erf GELU -> residual), final LN, linear head on the
class token; LayerNorm eps 1e-6; timm's init (truncated normal std 0.02). One step = forward,
softmax cross-entropy, backward, Adam update (lr 3e-4, as crs memory's step). Eager mode, fp32 with
TF32 off (crs computes in true fp32), random images of the model's size already on the device, so
neither data loading nor upsampling is timed.

Timing: --warmup steps first, then --steps steps, each between CUDA events, synchronized; reports the
median and mean step time and images/s = batch / mean step time. Memory: torch.cuda.max_memory_allocated
over the timed steps (weights, gradients, Adam state, activations, workspaces; peak statistics reset
after warm-up), and max_memory_reserved (the caching allocator's segments), for `crs memory`'s peak
allocated / peak reserved.

Prints one JSON object on stdout (and writes it to --json FILE when given); a readable line on stderr.
The options mirror crs's: --model (preset or JSON config file as crs writes it), --batch, --steps, --json.
"""
import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time

PRESETS = {
    # name: image, patch, dim, depth, heads, mlp ratio (src/Model/VitConfig.cs)
    "vit-cifar-tiny": dict(image_size=32, patch_size=4, dim=192, depth=6, heads=3, mlp_ratio=4),
    "vit-cifar-small": dict(image_size=32, patch_size=4, dim=384, depth=7, heads=6, mlp_ratio=4),
    "vit-b16": dict(image_size=224, patch_size=16, dim=768, depth=12, heads=12, mlp_ratio=4),
}
DEFAULTS = dict(channels=3, num_classes=10, layer_norm_eps=1e-6)


def load_config(name_or_path, classes):
    """A preset by name, or a JSON config file with crs's snake_case keys (VitConfig.ToJson())."""
    if name_or_path in PRESETS:
        config = dict(DEFAULTS, name=name_or_path, **PRESETS[name_or_path])
    elif os.path.isfile(name_or_path):
        with open(name_or_path, encoding="utf-8") as f:
            config = dict(DEFAULTS, **json.load(f))
    else:
        raise SystemExit(f"error: --model: '{name_or_path}' is neither a preset ({', '.join(PRESETS)}) nor a JSON config file")
    if classes is not None:
        config["num_classes"] = classes
    for key in ("image_size", "patch_size", "dim", "depth", "heads", "mlp_ratio", "channels", "num_classes"):
        if int(config[key]) < 1:
            raise SystemExit(f"error: {key} must be positive")
    if config["image_size"] % config["patch_size"] or config["dim"] % config["heads"]:
        raise SystemExit("error: image_size must be a multiple of patch_size and dim a multiple of heads")
    return config


def parameter_count(c):
    """Parameters of the model, counted from the shapes (equals crs's count: `crs memory` prints it)."""
    d, hidden, tokens = c["dim"], c["dim"] * c["mlp_ratio"], (c["image_size"] // c["patch_size"]) ** 2 + 1
    patch = d * c["channels"] * c["patch_size"] ** 2 + d
    block = 2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + (hidden * d + hidden) + (d * hidden + d)
    return patch + d + tokens * d + c["depth"] * block + 2 * d + (c["num_classes"] * d + c["num_classes"])


def build_model(c):
    """The golden test's plain-torch mirror of crs's ViT (vit_reference.build_mirror), with timm's init."""
    from torch import nn
    from vit_reference import build_mirror  # beside this script, on sys.path when run as a script

    model = build_mirror(c)
    # timm's init: truncated normal std 0.02 (cut at +-2 std) for weights and embeddings, zero biases.
    for name, p in model.named_parameters():
        if "norm" in name:
            nn.init.ones_(p) if name.endswith("weight") else nn.init.zeros_(p)
        elif name.endswith("bias"):
            nn.init.zeros_(p)
        else:
            nn.init.trunc_normal_(p, std=0.02, a=-0.04, b=0.04)
    return model


def run(args, config):
    import torch
    import torch.nn.functional as F

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    cuda = device.type == "cuda"
    if not cuda:
        import blas_core
        blas_core.ensure()  # torch multiplies through OpenBLAS here: its best valid kernels (re-executes once)
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.manual_seed(args.seed)

    model = build_model(config).to(device)
    count = sum(p.numel() for p in model.parameters())
    if count != parameter_count(config):
        raise SystemExit(f"error: the model has {count} parameters, the shapes say {parameter_count(config)}")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.optimizer == "adamw":
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-4, fused=args.fused if cuda else None)
    images = torch.randn(args.batch, config["channels"], config["image_size"], config["image_size"], device=device)
    labels = torch.randint(0, config["num_classes"], (args.batch,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels, label_smoothing=args.label_smoothing)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(args.warmup):
        step()
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    # --serve: the caller paces the steps (one per "step" line on stdin, each answered with its time),
    # so its own steps and these can alternate and machine noise hits both alike.
    commands = (line.strip() for line in sys.stdin) if args.serve else iter(["step"] * args.steps)
    if args.serve:
        print(json.dumps({"ready": True}), flush=True)
    for command in commands:
        if command != "step":
            break
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            loss = step()
            end.record()
            torch.cuda.synchronize(device)
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            loss = step()
            times.append((time.perf_counter() - t0) * 1e3)
        if args.serve:
            print(json.dumps({"ms": times[-1]}), flush=True)
    if not times:
        raise SystemExit("error: no timed step")
    loss_value = float(loss.item())
    if not math.isfinite(loss_value):
        raise SystemExit(f"error: loss is {loss_value}")
    mean = statistics.fmean(times)
    return {
        "impl": "pytorch-eager",
        "model": config["name"] if "name" in config else args.model,
        "batch": args.batch,
        "parameters": count,
        "steps": len(times),
        "warmup": args.warmup,
        "mean_ms": mean,
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "images_per_s": args.batch / (mean / 1e3),
        "max_memory_allocated": torch.cuda.max_memory_allocated(device) if cuda else None,
        "max_memory_reserved": torch.cuda.max_memory_reserved(device) if cuda else None,
        "loss": loss_value,
        "dtype": "float32" + (" (tf32 allowed)" if args.tf32 else " (tf32 off)"),
        "optimizer": (f"AdamW lr 3e-4 wd {args.weight_decay}" if args.optimizer == "adamw"
                      else "Adam lr 3e-4" + (" fused" if args.fused and cuda else " foreach")),
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "threads": torch.get_num_threads(),
        "blas_core": None if cuda else os.environ.get("CRS_BLAS_CORE"),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }


def write_atomic(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".vit_step_torch.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="vit-cifar-tiny", help="preset (vit-cifar-tiny, vit-cifar-small, vit-b16) or a JSON config file")
    parser.add_argument("--batch", type=int, default=64, help="images per step (crs memory's default)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (cuDNN/cuBLAS setup, allocator)")
    parser.add_argument("--classes", type=int, default=None, help="classes of the head (default 10)")
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--json", metavar="FILE", help="also write the JSON object to this file")
    parser.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--tf32", action="store_true", help="allow TF32 matmuls (off by default: crs is true fp32)")
    parser.add_argument("--fused", action="store_true", help="fused Adam (default: torch's foreach Adam)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--optimizer", choices=["adam", "adamw"], default="adam", help="adam (crs memory's step) or adamw (crs profile's)")
    parser.add_argument("--weight-decay", type=float, default=0.05, help="AdamW's decoupled weight decay (crs profile: 0.05)")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (CPU; 0 = torch's default)")
    parser.add_argument("--serve", action="store_true", help="after warm-up, run one timed step per 'step' line on stdin, answering each with {\"ms\": ...}; 'end' or EOF ends with the summary")
    parser.add_argument("--params-only", action="store_true", help="print the config and parameter count, no torch")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.steps < 1 or args.warmup < 0:
        parser.error("--batch and --steps must be positive, --warmup not negative")
    config = load_config(args.model, args.classes)
    if args.params_only:
        print(json.dumps(dict(config, parameters=parameter_count(config))))
        return 0
    try:
        import torch  # noqa: F401
    except ImportError:
        raise SystemExit("error: torch is not installed (this reference runs on the GPU machine; --params-only needs no torch)")
    result = run(args, config)
    text = json.dumps(result)
    print(text, flush=True)
    if args.json:
        write_atomic(args.json, text + "\n")
    memory = f", max_memory_allocated {result['max_memory_allocated'] / 2**20:.1f} MiB" if result["max_memory_allocated"] else ""
    print(f"{result['model']} batch {args.batch}: {result['mean_ms']:.2f} ms/step (median {result['median_ms']:.2f}), "
          f"{result['images_per_s']:.0f} images/s{memory} on {result['device']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
