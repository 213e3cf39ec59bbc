"""PyTorch golden reference for the C# ViT (llm.c's test_gpt2 idea).

Usage:
    python3 tools/reference/vit_reference.py tests/golden/vit-golden [--device cpu|cuda] [--no-timm]
    python3 tools/reference/vit_reference.py --selftest          # safetensors reader/writer only, no torch
    python3 tools/reference/vit_reference.py --inspect FILE      # list a safetensors file, no torch

The folder holds config.json (VitConfig.ToJson(): snake_case keys), model.safetensors (parameters
by timm name, F32) and batch.safetensors (images F32 [B, C, S, S], labels F32 or I64 [B],
metadata "label_smoothing"). The script builds the same ViT in plain torch.nn with timm's
module names so load_state_dict takes the timm names as they are; when timm is importable it
also builds timm's VisionTransformer and asserts both give the same logits, so the mirror is
timm. Everything runs in float64 (CUDA if available, else CPU), so the dump is a reference far
tighter than the fp32 model it checks. It writes expected.safetensors into the folder: logits
[B, classes], loss [1] (mean cross-entropy with label smoothing) and grad.<name> for every
parameter, all F32, with metadata naming the torch version, device and dtype.

Dependencies: torch and numpy only (safetensors is read and written here, not with the
safetensors package); torch is imported only by the functions that need it.
"""
import argparse
import json
import os
import struct
import sys
import tempfile

import numpy as np

# safetensors dtype names <-> little-endian numpy dtypes.
DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
NAMES = {v.type: k for k, v in DTYPES.items()}  # by scalar type, so byte order spellings do not matter


def read_safetensors(path):
    """Returns ({name: numpy array}, {metadata}). Checks the header against the file's size."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (header_length,) = struct.unpack("<Q", data[:8])
    if header_length > len(data) - 8:
        raise ValueError(f"{path}: header length {header_length} runs past the end of the {len(data)}-byte file")
    header = json.loads(data[8:8 + header_length].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    start = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}' has unsupported dtype {entry['dtype']}")
        shape = tuple(int(d) for d in entry["shape"])
        begin, end = (int(o) for o in entry["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if begin < 0 or end < begin or start + end > len(data) or end - begin != count * dtype.itemsize:
            raise ValueError(f"{path}: tensor '{name}' shape {list(shape)} {entry['dtype']} does not fit data offsets [{begin}, {end}]")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=start + begin).reshape(shape).copy()
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: numpy array} in the order to write. Atomic: temp file in the same folder, then rename."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        key = NAMES.get(array.dtype.type)
        if key is None:
            raise ValueError(f"safetensors: '{name}' has unsupported dtype {array.dtype}")
        blob = array.astype(DTYPES[key], copy=False).tobytes()
        header[name] = {"dtype": key, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # the reference writer aligns the data to 8 bytes
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header_bytes)))
            f.write(header_bytes)
            for blob in blobs:
                f.write(blob)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def selftest():
    """Round-trips several dtypes and metadata through the writer and reader; no torch needed."""
    rng = np.random.default_rng(0)
    tensors = {
        "w": rng.standard_normal((3, 5)).astype(np.float32),
        "d": rng.standard_normal((2,)),
        "h": np.array([1.5, -2.0], dtype=np.float16),
        "i": np.arange(7, dtype=np.int64).reshape(7),
        "scalar_like": np.array([42.0], dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "t.safetensors")
        write_safetensors(path, tensors, {"format": "pt", "label_smoothing": 0.1})
        back, metadata = read_safetensors(path)
        assert metadata == {"format": "pt", "label_smoothing": "0.1"}, metadata
        assert list(back) == list(tensors), list(back)
        for name, array in tensors.items():
            assert back[name].dtype == array.dtype and back[name].shape == array.shape, name
            assert np.array_equal(back[name], array), name
        with open(path, "rb") as f:
            raw = f.read()
        (header_length,) = struct.unpack("<Q", raw[:8])
        assert header_length % 8 == 0
        assert struct.unpack("<f", raw[8 + header_length:12 + header_length])[0] == tensors["w"].flat[0]
        with open(path, "wb") as f:
            f.write(raw[:-4])
        try:
            read_safetensors(path)
        except ValueError as error:
            assert "does not fit" in str(error), error
        else:
            raise AssertionError("a truncated file was read")
        assert os.listdir(folder) == ["t.safetensors"], os.listdir(folder)  # no temp files left
    print("selftest passed: safetensors reader/writer round trip (F64, F32, F16, I64, empty), metadata, alignment, truncation")


def inspect(path):
    tensors, metadata = read_safetensors(path)
    print(f"{path}: {len(tensors)} tensors, metadata {metadata}")
    for name, array in tensors.items():
        print(f"  {name:40s} {NAMES[array.dtype.type]:4s} {list(array.shape)}  max|x| {float(np.abs(array).max()) if array.size else 0.0:.6g}")


def build_mirror(config):
    """timm's VisionTransformer (class token, pre-norm blocks, token pooling, no dropout) in plain torch.nn."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    dim, heads = config["dim"], config["heads"]
    eps = float(config["layer_norm_eps"])
    hidden = dim * config["mlp_ratio"]
    patches = (config["image_size"] // config["patch_size"]) ** 2

    class PatchEmbed(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Conv2d(config["channels"], dim, kernel_size=config["patch_size"], stride=config["patch_size"])

        def forward(self, x):
            return self.proj(x).flatten(2).transpose(1, 2)  # [B, D, h, w] -> [B, N, D], patches row-major

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = heads
            self.head_dim = dim // heads
            self.scale = self.head_dim ** -0.5
            self.qkv = nn.Linear(dim, 3 * dim)
            self.proj = nn.Linear(dim, dim)

        def forward(self, x):
            b, n, d = x.shape
            qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)  # each [B, H, L, Dh]
            attention = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
            return self.proj((attention @ v).transpose(1, 2).reshape(b, n, d))

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(dim, hidden)
            self.fc2 = nn.Linear(hidden, dim)

        def forward(self, x):
            return self.fc2(F.gelu(self.fc1(x), approximate="none"))  # exact erf GELU, as timm's nn.GELU

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=eps)
            self.attn = Attention()
            self.norm2 = nn.LayerNorm(dim, eps=eps)
            self.mlp = Mlp()

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class VisionTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.zeros(1, patches + 1, dim))
            self.patch_embed = PatchEmbed()
            self.blocks = nn.Sequential(*[Block() for _ in range(config["depth"])])
            self.norm = nn.LayerNorm(dim, eps=eps)
            self.head = nn.Linear(dim, config["num_classes"])

        def forward(self, images):
            x = self.patch_embed(images)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
            x = self.norm(self.blocks(x))
            return self.head(x[:, 0])  # class-token pooling

    return VisionTransformer()


def build_timm(config):
    """timm's own VisionTransformer with the same arguments, or None when timm is not importable."""
    try:
        import timm  # noqa: F401
        from timm.models.vision_transformer import VisionTransformer
    except ImportError:
        return None
    from functools import partial
    from torch import nn
    return VisionTransformer(
        img_size=config["image_size"], patch_size=config["patch_size"], in_chans=config["channels"],
        num_classes=config["num_classes"], embed_dim=config["dim"], depth=config["depth"],
        num_heads=config["heads"], mlp_ratio=config["mlp_ratio"], qkv_bias=True, class_token=True,
        global_pool="token", norm_layer=partial(nn.LayerNorm, eps=float(config["layer_norm_eps"])),
        act_layer=nn.GELU, drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0)


def run(folder, device_name=None, use_timm=True):
    import torch
    import torch.nn.functional as F

    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    weights, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    batch, batch_metadata = read_safetensors(os.path.join(folder, "batch.safetensors"))
    smoothing = float(batch_metadata.get("label_smoothing", "0"))

    device = torch.device(device_name or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = torch.float64
    torch.backends.cuda.matmul.allow_tf32 = False  # irrelevant in float64; stated so no reader has to wonder
    torch.backends.cudnn.allow_tf32 = False
    state = {name: torch.from_numpy(array.astype(np.float64)) for name, array in weights.items()}
    images = torch.from_numpy(batch["images"].astype(np.float64)).to(device)
    labels = torch.from_numpy(np.rint(batch["labels"]).astype(np.int64)).to(device)

    model = build_mirror(config).to(device=device, dtype=dtype)
    model.load_state_dict(state, strict=True)  # every timm name present, none extra, shapes equal
    model.train()  # no dropout anywhere, so train and eval agree; train mode as the C# step
    logits = model(images)
    loss = F.cross_entropy(logits, labels, label_smoothing=smoothing)  # mean over the batch
    loss.backward()

    timm_check = "timm not importable: skipped"
    if use_timm:
        reference = build_timm(config)
        if reference is not None:
            import timm
            reference = reference.to(device=device, dtype=dtype)
            reference.load_state_dict(state, strict=True)
            reference.eval()
            with torch.no_grad():
                difference = (reference(images) - logits.detach()).abs().max().item()
            assert difference < 1e-5, f"mirror and timm {timm.__version__} logits differ by {difference:.3e}"
            timm_check = f"timm {timm.__version__}: max |logits diff| {difference:.3e}"
    print(timm_check)

    def f32(tensor):
        return tensor.detach().to("cpu", torch.float64).numpy().astype(np.float32)

    expected = {"logits": f32(logits), "loss": f32(loss.reshape(1))}
    named = dict(model.named_parameters())
    for name in weights:  # the checkpoint's (layout) order
        expected["grad." + name] = f32(named[name].grad)
    metadata = {
        "format": "pt",
        "generated_by": "tools/reference/vit_reference.py",
        "torch_version": torch.__version__,
        "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""),
        "dtype": "float64 (stored as F32)",
        "label_smoothing": str(smoothing),
        "timm_check": timm_check,
    }
    path = os.path.join(folder, "expected.safetensors")
    write_safetensors(path, expected, metadata)
    print(f"wrote {path}: loss {loss.item():.9f}, {len(expected)} tensors, on {metadata['device']} in float64")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", help="golden folder with config.json, model.safetensors, batch.safetensors")
    parser.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--no-timm", action="store_true", help="skip the check against timm's VisionTransformer")
    parser.add_argument("--selftest", action="store_true", help="test the safetensors reader/writer (no torch)")
    parser.add_argument("--inspect", metavar="FILE", help="list a safetensors file's tensors (no torch)")
    args = parser.parse_args(argv)
    if args.selftest:
        selftest()
    elif args.inspect:
        inspect(args.inspect)
    elif args.folder:
        run(args.folder, args.device, use_timm=not args.no_timm)
    else:
        parser.error("give a folder, --selftest or --inspect FILE")


if __name__ == "__main__":
    main(sys.argv[1:])
