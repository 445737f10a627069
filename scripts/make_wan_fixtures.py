#!/usr/bin/env python3
"""Build the Wan parity fixtures under tests/fixtures/wan/ (issue 3, spec: shared/WAN.md).

Tiny random-weight Wan components are built with Hugging Face diffusers / transformers in f32, run, and
their weights, inputs and expected outputs are written as small safetensors files, each with a JSON
manifest (`<name>.json`) that records the config, tensor names, shapes and the library versions. The Rust
tests read these files without Python.

Install (outside the repo; the venv is never committed):

    python3 -m venv /work/venv-ref
    # PyPI's Linux torch wheel links the CUDA runtime libraries even for CPU use, so its nvidia-* wheels
    # must be installed too (about 5 GB on disk; no GPU needed). `pip install --no-deps torch` does not import.
    /work/venv-ref/bin/pip install torch==2.15.0
    /work/venv-ref/bin/pip install diffusers==0.42.1 transformers==5.23.0 safetensors==0.8.0 \
        sentencepiece==0.2.3 tokenizers numpy

Run (from the repository root; takes well under a minute on 2 cores):

    /work/venv-ref/bin/python scripts/make_wan_fixtures.py                 # everything
    /work/venv-ref/bin/python scripts/make_wan_fixtures.py --only schedulers,vae

Everything is seeded, so a re-run with the same library versions rewrites identical files.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DEFAULT_OUT = os.path.join(ROOT, "tests", "fixtures", "wan")


def versions():
    import diffusers
    import safetensors
    import transformers

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "transformers": transformers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
    }


def write_fixture(out_dir, name, tensors, manifest):
    """Write `<name>.safetensors` (contiguous CPU tensors) and `<name>.json` describing every tensor."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    path = os.path.join(out_dir, name + ".safetensors")
    save_file(tensors, path)
    manifest = dict(manifest)
    manifest["file"] = name + ".safetensors"
    manifest["versions"] = versions()
    manifest["tensors"] = {
        k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape)} for k, v in sorted(tensors.items())
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(tensors)} tensors)")


# ---------------------------------------------------------------------------------------------------------
# Schedulers (WAN.md §5)
# ---------------------------------------------------------------------------------------------------------


def unipc(shift):
    from diffusers import UniPCMultistepScheduler

    # Exactly the scheduler_config.json the Wan converter writes (all other arguments default).
    return UniPCMultistepScheduler(
        prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000, flow_shift=shift
    )


def flow_euler(shift):
    from diffusers import FlowMatchEulerDiscreteScheduler

    return FlowMatchEulerDiscreteScheduler(shift=shift)


def fake_velocity(x, p, q, sigma):
    """Deterministic stand-in for the DiT: only f32 multiply/add, so Rust can recompute it exactly.

    Evaluation order (left to right): (x - p * 1.25) + q * sigma, sigma being the current f32 sigma.
    """
    return x - p * 1.25 + q * sigma


def make_schedulers(out_dir):
    tensors = {}
    tables = []
    for kind, make in (("unipc", unipc), ("euler", flow_euler)):
        for steps, shift in ((1, 3.0), (2, 3.0), (4, 1.0), (8, 3.0), (10, 5.0), (50, 3.0), (13, 16.0)):
            s = make(shift)
            s.set_timesteps(steps)
            key = f"{kind}.steps{steps}.shift{shift:g}"
            tensors[key + ".sigmas"] = s.sigmas.clone()
            tensors[key + ".timesteps"] = s.timesteps.clone()
            tables.append({"key": key, "kind": kind, "steps": steps, "shift": shift})

    g = torch.Generator().manual_seed(1234)
    shape = (1, 4, 2, 3, 3)
    x0 = torch.randn(shape, generator=g)
    p = torch.randn(shape, generator=g)
    q = torch.randn(shape, generator=g)
    tensors["traj.x0"] = x0
    tensors["traj.p"] = p
    tensors["traj.q"] = q

    trajectories = []
    for kind, make, steps, shift, begin in (
        ("unipc", unipc, 8, 3.0, 0),
        ("unipc", unipc, 8, 5.0, 0),
        ("unipc", unipc, 8, 3.0, 3),  # video-to-video start (set_begin_index)
        ("unipc", unipc, 3, 3.0, 0),
        ("euler", flow_euler, 8, 3.0, 0),
        ("euler", flow_euler, 8, 5.0, 2),
    ):
        s = make(shift)
        s.set_timesteps(steps)
        if begin:
            s.set_begin_index(begin)
        x = x0.clone()
        xs, vs = [x.clone()], []
        for i in range(begin, steps):
            t = s.timesteps[i]
            v = fake_velocity(x, p, q, s.sigmas[i])
            x = s.step(v, t, x, return_dict=False)[0]
            vs.append(v.clone())
            xs.append(x.clone())
        key = f"traj.{kind}.steps{steps}.shift{shift:g}.begin{begin}"
        tensors[key + ".x"] = torch.stack(xs)  # [steps - begin + 1, *shape], xs[0] = start
        tensors[key + ".v"] = torch.stack(vs)  # [steps - begin, *shape], velocity fed at each step
        trajectories.append({"key": key, "kind": kind, "steps": steps, "shift": shift, "begin_index": begin})

    write_fixture(
        out_dir,
        "schedulers",
        tensors,
        {
            "description": "UniPC flow (Wan scheduler_config) and FlowMatchEuler tables and trajectories",
            "unipc_config": dict(unipc(3.0).config),
            "euler_config": dict(flow_euler(3.0).config),
            "tables": tables,
            "trajectories": trajectories,
            "fake_velocity": "v = (x - p * 1.25) + q * sigma_i  (f32, left to right)",
            "notes": "<key>.sigmas f32 [steps+1]; <key>.timesteps int64 (unipc) or f32 (euler) [steps]; "
            "<traj>.x [n+1, 1,4,2,3,3] with x[0] = traj.x0; <traj>.v [n, ...]",
        },
    )


# ---------------------------------------------------------------------------------------------------------

SECTIONS = {
    "schedulers": make_schedulers,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default tests/fixtures/wan)")
    ap.add_argument("--only", default="", help="comma-separated sections: " + ",".join(SECTIONS))
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    only = [s for s in args.only.split(",") if s] or list(SECTIONS)
    for name in only:
        if name not in SECTIONS:
            ap.error(f"unknown section {name!r}; valid: {', '.join(SECTIONS)}")
        SECTIONS[name](args.out)


if __name__ == "__main__":
    main()
