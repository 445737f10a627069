#!/usr/bin/env python3
"""Issue 3's reference benchmark: Reel against diffusers on the real Wan2.1-T2V-1.3B shapes.

Cases, each in its own process so that its peak memory is its own:
  dit: one WanTransformer3DModel forward (published 1.3B config, random weights) on the latent of
       17 frames at 256x256 ([1, 16, 5, 32, 32]) with 512 text rows, batch 1;
  vae: one AutoencoderKLWan (Wan2.1) decode of that latent to 17x256x256.
diffusers runs in f32 and bf16, Reel in f32, all with 2 threads, in this one run; the table gives
seconds, ratios against diffusers and peak RSS. Usage (install as in scripts/README.md):

    cargo build --release -p reel-models --example wan_reference_bench
    /work/venv-ref/bin/python scripts/bench_wan_reference.py [--repeat N]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REEL = os.path.join(ROOT, "target/release/examples/wan_reference_bench")
THREADS = 2

# diffusers' WanTransformer3DModel config of Wan-AI/Wan2.1-T2V-1.3B-Diffusers.
DIT_CONFIG = dict(
    patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
    out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30,
    cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None,
    added_kv_proj_dim=None, rope_max_seq_len=1024,
)


def run_diffusers(case, dtype_name):
    import torch
    from diffusers import AutoencoderKLWan, WanTransformer3DModel

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[dtype_name]
    latent = torch.randn(1, 16, 5, 32, 32)
    with torch.no_grad():
        if case == "dit":
            model = WanTransformer3DModel(**DIT_CONFIG).to(dtype).eval()
            text = torch.randn(1, 512, 4096) * 0.1
            args = dict(hidden_states=latent.to(dtype), timestep=torch.tensor([500]),
                        encoder_hidden_states=text.to(dtype), return_dict=False)
            start = time.perf_counter()
            out = model(**args)[0]
        else:
            model = AutoencoderKLWan().to(dtype).eval()
            start = time.perf_counter()
            out = model.decode(latent.to(dtype), return_dict=False)[0]
        float(out.float().sum())
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(impl="diffusers", case=case, dtype=dtype_name,
                          seconds=round(seconds, 3), peak_rss_mb=round(peak))))


def child(cmd):
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), RAYON_NUM_THREADS=str(THREADS))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--dtype", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=1, help="runs per case; the best is kept")
    ap.add_argument("--cases", default="dit,vae", help="comma-separated: dit, vae")
    a = ap.parse_args()
    if a.case:
        return run_diffusers(a.case, a.dtype)
    if not os.path.exists(REEL):
        sys.exit(f"{REEL} is missing: cargo build --release -p reel-models --example wan_reference_bench")
    import torch, diffusers
    rows = []
    for case in a.cases.split(","):
        runs = {}
        for name, cmd in [
            ("diffusers bf16", [sys.executable, __file__, "--case", case, "--dtype", "bf16"]),
            ("diffusers f32", [sys.executable, __file__, "--case", case, "--dtype", "f32"]),
            ("reel f32", [REEL, case]),
        ]:
            results = [child(cmd) for _ in range(a.repeat)]
            runs[name] = min(results, key=lambda r: r["seconds"])
            print(f"{case} {name}: {runs[name]}", file=sys.stderr)
        for name, r in runs.items():
            rows.append((case, name, r["seconds"],
                         r["seconds"] / runs["diffusers f32"]["seconds"],
                         r["seconds"] / runs["diffusers bf16"]["seconds"], r["peak_rss_mb"]))
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, {THREADS} threads, "
          f"best of {a.repeat}\n")
    print("| case | implementation | seconds | ÷ diffusers f32 | ÷ diffusers bf16 | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for case, name, s, rf, rb, mem in rows:
        label = {"dit": "DiT forward", "vae": "VAE decode"}[case]
        print(f"| {label} | {name} | {s:.1f} | {rf:.2f} | {rb:.2f} | {mem:.0f} |")


if __name__ == "__main__":
    main()
