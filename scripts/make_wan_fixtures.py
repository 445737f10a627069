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
# Tiny random-weight models
# ---------------------------------------------------------------------------------------------------------

# Shared by the transformer fixtures and the pipeline (in_channels = VAE z_dim = 16).
T2V_CONFIG = dict(
    patch_size=(1, 2, 2),
    num_attention_heads=2,
    attention_head_dim=16,  # RoPE split t/h/w = 8/4/4 (WAN.md §2.7)
    in_channels=16,
    out_channels=16,
    text_dim=24,
    freq_dim=256,
    ffn_dim=64,
    num_layers=2,
    cross_attn_norm=True,
    qk_norm="rms_norm_across_heads",
    eps=1e-6,
    image_dim=None,
    added_kv_proj_dim=None,
    rope_max_seq_len=1024,
)

I2V_CONFIG = dict(T2V_CONFIG, in_channels=36, image_dim=20, added_kv_proj_dim=32)

VAE_CONFIG = dict(
    base_dim=4,
    z_dim=16,
    dim_mult=[1, 2, 2, 2],
    num_res_blocks=1,
    attn_scales=[],
    temperal_downsample=[False, True, True],
    dropout=0.0,
)  # latents_mean / latents_std: the published 16-channel Wan2.1 values (diffusers defaults)


def randomize(model, seed, std=0.1, norm_std=0.1):
    """Replace every parameter with seeded noise: norm weights/gammas 1 + N(0, norm_std²), the rest
    N(0, std²), so no weight sits at an init value that could hide a missing term (e.g. a zero bias)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, prm in model.named_parameters():
            noise = torch.randn(prm.shape, generator=g)
            is_norm = ("norm" in name and name.endswith("weight")) or name.endswith("gamma")
            if is_norm:
                prm.copy_(1.0 + norm_std * noise)
            else:
                prm.copy_(std * noise)
    return model


def state_dict_f32(model):
    return {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}


def wan_transformer(config, seed):
    from diffusers import WanTransformer3DModel

    torch.manual_seed(seed)
    return randomize(WanTransformer3DModel(**config), seed).eval()


def make_transformer(out_dir):
    model = wan_transformer(T2V_CONFIG, seed=11)
    write_fixture(
        out_dir,
        "transformer_t2v_weights",
        state_dict_f32(model),
        {"description": "tiny WanTransformer3DModel (T2V) weights, diffusers key layout", "config": T2V_CONFIG},
    )
    g = torch.Generator().manual_seed(12)
    x = torch.randn(1, 16, 3, 4, 4, generator=g)
    ctx = torch.randn(1, 8, 24, generator=g)
    t = torch.tensor([937], dtype=torch.int64)  # UniPC passes int64 timesteps
    L = 3 * 2 * 2
    t_tokens = torch.cat([torch.zeros(1, 2 * 2), torch.full((1, 2 * 2 * 2), 937.0)], dim=1)  # [1, L]
    t_float = torch.tensor([412.75])
    with torch.no_grad():
        out = model(x, t, ctx, return_dict=False)[0]
        out_tokens = model(x, t_tokens, ctx, return_dict=False)[0]
        out_float = model(x, t_float, ctx, return_dict=False)[0]
    write_fixture(
        out_dir,
        "transformer_t2v_io",
        {
            "hidden_states": x,
            "encoder_hidden_states": ctx,
            "timestep": t,
            "output": out,
            "timestep_per_token": t_tokens,
            "output_per_token": out_tokens,
            "timestep_float": t_float,
            "output_float": out_float,
        },
        {
            "description": "T2V forward of transformer_t2v_weights: (hidden_states, timestep int64 [1]) -> output; "
            "(hidden_states, timestep_per_token f32 [1, L]: 0 on latent frame 0, 937 elsewhere) -> output_per_token; "
            "(hidden_states, timestep_float f32 [1]) -> output_float. encoder_hidden_states is the text context "
            "(8 tokens, no padding). L = %d tokens." % L,
            "config": T2V_CONFIG,
        },
    )


# diffusers -> original Wan key names (WAN.md §7.1); applied as prefix/infix substitutions.
WAN_ORIGINAL_RENAMES = [
    ("condition_embedder.time_embedder.linear_1.", "time_embedding.0."),
    ("condition_embedder.time_embedder.linear_2.", "time_embedding.2."),
    ("condition_embedder.time_proj.", "time_projection.1."),
    ("condition_embedder.text_embedder.linear_1.", "text_embedding.0."),
    ("condition_embedder.text_embedder.linear_2.", "text_embedding.2."),
    ("condition_embedder.image_embedder.norm1.", "img_emb.proj.0."),
    ("condition_embedder.image_embedder.ff.net.0.proj.", "img_emb.proj.1."),
    ("condition_embedder.image_embedder.ff.net.2.", "img_emb.proj.3."),
    ("condition_embedder.image_embedder.norm2.", "img_emb.proj.4."),
    ("condition_embedder.image_embedder.pos_embed", "img_emb.emb_pos"),
    (".attn1.to_out.0.", ".self_attn.o."),
    (".attn1.to_q.", ".self_attn.q."),
    (".attn1.to_k.", ".self_attn.k."),
    (".attn1.to_v.", ".self_attn.v."),
    (".attn1.norm_q.", ".self_attn.norm_q."),
    (".attn1.norm_k.", ".self_attn.norm_k."),
    (".attn2.to_out.0.", ".cross_attn.o."),
    (".attn2.to_q.", ".cross_attn.q."),
    (".attn2.to_k.", ".cross_attn.k."),
    (".attn2.to_v.", ".cross_attn.v."),
    (".attn2.norm_q.", ".cross_attn.norm_q."),
    (".attn2.norm_k.", ".cross_attn.norm_k."),
    (".attn2.add_k_proj.", ".cross_attn.k_img."),
    (".attn2.add_v_proj.", ".cross_attn.v_img."),
    (".attn2.norm_added_k.", ".cross_attn.norm_k_img."),
    (".norm2.", ".norm3."),  # the affine cross-attention pre-norm
    (".ffn.net.0.proj.", ".ffn.0."),
    (".ffn.net.2.", ".ffn.2."),
    (".scale_shift_table", ".modulation"),
]


def to_original_wan_keys(sd):
    out = {}
    for k, v in sd.items():
        n = k
        if n == "scale_shift_table":
            n = "head.modulation"
        elif n.startswith("proj_out."):
            n = "head.head." + n[len("proj_out.") :]
        else:
            for a, b in WAN_ORIGINAL_RENAMES:
                if a in n:
                    n = n.replace(a, b)
                    break
        if n in out:
            raise SystemExit(f"key collision converting {k} -> {n}")
        out[n] = v
    leftover = [k for k in out if any(s in k for s in ("attn1", "attn2", "condition_embedder", "net.", "to_out"))]
    if leftover:
        raise SystemExit(f"unconverted keys: {leftover}")
    return out


def make_transformer_i2v(out_dir):
    model = wan_transformer(I2V_CONFIG, seed=21)
    sd = state_dict_f32(model)
    orig = to_original_wan_keys(sd)
    write_fixture(
        out_dir,
        "transformer_i2v_original_weights",
        orig,
        {
            "description": "tiny Wan2.1-I2V transformer weights in the ORIGINAL Wan key layout (WAN.md §7.1)",
            "config": I2V_CONFIG,
            "diffusers_to_original": {k: n for k, n in zip(sd.keys(), orig.keys())},
        },
    )
    g = torch.Generator().manual_seed(22)
    x = torch.randn(1, 36, 2, 4, 4, generator=g)
    ctx = torch.randn(1, 512, 24, generator=g)  # I2V hard-codes 512 text tokens
    ctx[:, 7:] = 0.0  # the pipeline zeroes the padded rows
    img = torch.randn(1, 6, 20, generator=g)
    t = torch.tensor([999], dtype=torch.int64)
    with torch.no_grad():
        out = model(x, t, ctx, encoder_hidden_states_image=img, return_dict=False)[0]
    write_fixture(
        out_dir,
        "transformer_i2v_io",
        {
            "hidden_states": x,
            "encoder_hidden_states": ctx,
            "encoder_hidden_states_image": img,
            "timestep": t,
            "output": out,
        },
        {
            "description": "I2V forward of transformer_i2v_original_weights: 36-channel input, text context of "
            "exactly 512 rows (rows 7.. zero), 6 image tokens of dim 20",
            "config": I2V_CONFIG,
        },
    )


def wan_vae(seed):
    from diffusers import AutoencoderKLWan

    torch.manual_seed(seed)  # the default conv init draws from the global generator
    vae = AutoencoderKLWan(**VAE_CONFIG).eval()
    # Default (Kaiming) conv init keeps activations O(1) through the residual stacks; only gammas and
    # biases are randomised so that no parameter sits at its init value.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, prm in vae.named_parameters():
            if name.endswith("gamma"):
                prm.copy_(1.0 + 0.1 * torch.randn(prm.shape, generator=g))
            elif name.endswith("bias"):
                prm.copy_(0.05 * torch.randn(prm.shape, generator=g))
    return vae


def make_vae(out_dir):
    vae = wan_vae(31)
    cfg = dict(VAE_CONFIG, latents_mean=list(vae.config.latents_mean), latents_std=list(vae.config.latents_std))
    write_fixture(
        out_dir,
        "vae_weights",
        state_dict_f32(vae),
        {"description": "tiny AutoencoderKLWan (Wan2.1 layout) weights, diffusers key layout", "config": cfg},
    )
    g = torch.Generator().manual_seed(32)
    video = (torch.rand(1, 3, 5, 16, 16, generator=g) * 2 - 1)
    z = torch.randn(1, 16, 2, 2, 2, generator=g)
    with torch.no_grad():
        posterior = vae.encode(video).latent_dist
        mu = posterior.mode()
        moments = torch.cat([posterior.mean, posterior.logvar], dim=1)
        decoded = vae.decode(z, return_dict=False)[0]
        recon = vae.decode(mu, return_dict=False)[0]
    write_fixture(
        out_dir,
        "vae_io",
        {
            "video": video,
            "encoded_mu": mu,
            "encoded_moments": moments,
            "latent": z,
            "decoded": decoded,
            "decoded_mu": recon,
        },
        {
            "description": "vae.encode(video) -> encoded_mu (= latent_dist.mode(), raw, not normalised) and "
            "encoded_moments ([mu | logvar] after quant_conv, logvar clamped to [-30, 20] by diffusers); "
            "vae.decode(latent) -> decoded (clamped to [-1, 1]); vae.decode(encoded_mu) -> decoded_mu. "
            "diffusers' chunked (frame-by-frame cached) code path.",
            "config": cfg,
        },
    )


def make_pipeline(out_dir):
    from diffusers import WanPipeline

    transformer = wan_transformer(T2V_CONFIG, seed=11)  # same weights as transformer_t2v_weights
    vae = wan_vae(31)  # same weights as vae_weights
    pipe = WanPipeline(tokenizer=None, text_encoder=None, transformer=transformer, vae=vae, scheduler=unipc(3.0))
    pipe.set_progress_bar_config(disable=True)
    g = torch.Generator().manual_seed(41)
    prompt_embeds = torch.randn(1, 8, 24, generator=g)
    prompt_embeds[:, 5:] = 0.0
    negative_prompt_embeds = torch.randn(1, 8, 24, generator=g)
    negative_prompt_embeds[:, 1:] = 0.0
    latents = torch.randn(1, 16, 2, 4, 4, generator=g)
    kw = dict(
        prompt_embeds=prompt_embeds,
        negative_prompt_embeds=negative_prompt_embeds,
        latents=latents.clone(),
        height=32,
        width=32,
        num_frames=5,
        num_inference_steps=2,
        guidance_scale=5.0,
    )
    steps_x = []

    def on_step(p, i, t, cb):
        steps_x.append(cb["latents"].clone())
        return {}

    with torch.no_grad():
        final_latents = pipe(output_type="latent", callback_on_step_end=on_step, **kw).frames
        frames = pipe(output_type="np", **dict(kw, latents=latents.clone())).frames
    frames = torch.from_numpy(np.asarray(frames)).float()  # [1, F, H, W, 3] in [0, 1]
    frames_u8 = torch.from_numpy((np.asarray(frames.numpy()) * 255).astype(np.uint8))
    write_fixture(
        out_dir,
        "pipeline_t2v",
        {
            "prompt_embeds": prompt_embeds,
            "negative_prompt_embeds": negative_prompt_embeds,
            "latents": latents,
            "latents_step": torch.stack(steps_x),
            "final_latents": final_latents,
            "frames_u8": frames_u8,
        },
        {
            "description": "WanPipeline T2V, 2 UniPC steps (flow_shift 3), guidance 5.0 (two batch-1 forwards), "
            "5 frames 32x32, from the given initial latents [1,16,2,4,4] and prompt embeddings, using "
            "transformer_t2v_weights and vae_weights. latents_step[i] = latents after step i; "
            "frames_u8 = (output_type 'np' frames [1,F,H,W,3] in [0,1] * 255).astype(uint8).",
            "transformer_config": T2V_CONFIG,
            "vae_config": VAE_CONFIG,
            "scheduler": "UniPC flow, shift 3.0 (schedulers.json unipc_config)",
            "call": {k: v for k, v in kw.items() if not torch.is_tensor(v)},
        },
    )


UMT5_CORPUS = [
    "A cat walks on the grass in the sunny garden.",
    "A red ball rolls across a wooden floor.",
    "Two dogs run along the beach at sunset, waves crash behind them.",
    "A small boat drifts on a calm lake under a cloudy sky.",
    "The camera pans slowly over a city street at night with neon lights.",
    "A bird flies over green hills and a river.",
    "Snow falls on a quiet village; smoke rises from a chimney.",
    "A robot dances in a bright studio, confetti everywhere!",
    "Close-up of a flower opening in time-lapse.",
    "A white square moves from left to right on a black background.",
]

UMT5_PROMPTS = [
    "A cat walks on the grass.",
    "",  # the default negative prompt: one EOS token
    "A robot dances in a bright studio while snow falls on a quiet village at night with neon lights.",
]

UMT5_MAX_LEN = 24


def tiny_umt5_tokenizer(work):
    """Train a tiny SentencePiece unigram model (identity normaliser keeps tokenizer.json small, WAN.md §10.0)
    and load it through transformers so that tokenizer.json has exactly the UMT5 pipeline's behaviour."""
    import sentencepiece as spm
    from transformers import AutoTokenizer

    corpus = os.path.join(work, "corpus.txt")
    with open(corpus, "w") as f:
        f.write("\n".join(UMT5_CORPUS * 4) + "\n")
    spm.SentencePieceTrainer.train(
        input=corpus,
        model_prefix=os.path.join(work, "spiece"),
        vocab_size=96,
        model_type="unigram",
        normalization_rule_name="identity",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        character_coverage=1.0,
        minloglevel=2,
    )
    with open(os.path.join(work, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": 512}, f)
    tok = AutoTokenizer.from_pretrained(work)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(work, "spiece.model"))
    for text in UMT5_PROMPTS:  # transformers must agree with SentencePiece itself (WAN.md §10.0)
        want = sp.encode(text) + [1]
        got = tok(text)["input_ids"]
        if got != want:
            raise SystemExit(f"tokenizer mismatch for {text!r}: transformers {got} vs sentencepiece {want}")
    return tok


def make_umt5(out_dir):
    import tempfile

    from transformers import UMT5Config, UMT5EncoderModel

    with tempfile.TemporaryDirectory() as work:
        tok = tiny_umt5_tokenizer(work)
        tok.save_pretrained(work)
        with open(os.path.join(work, "tokenizer.json")) as f:
            tok_json = json.load(f)
    with open(os.path.join(out_dir, "umt5_tokenizer.json"), "w") as f:
        json.dump(tok_json, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    vocab = len(tok)
    cfg = dict(
        vocab_size=vocab,
        d_model=16,
        d_kv=8,
        num_heads=2,
        d_ff=32,
        num_layers=2,
        relative_attention_num_buckets=32,
        relative_attention_max_distance=128,
        feed_forward_proj="gated-gelu",
        layer_norm_epsilon=1e-6,
        dropout_rate=0.0,
        pad_token_id=0,
        eos_token_id=1,
    )
    model = randomize(UMT5EncoderModel(UMT5Config(**cfg)), seed=51, std=0.3).eval()
    sd = state_dict_f32(model)
    sd.pop("encoder.embed_tokens.weight", None)  # tied to shared.weight
    write_fixture(
        out_dir,
        "umt5_weights",
        sd,
        {"description": "tiny UMT5EncoderModel weights (transformers layout; encoder.embed_tokens tied to shared)",
         "config": cfg},
    )
    enc = tok(
        UMT5_PROMPTS,
        padding="max_length",
        max_length=UMT5_MAX_LEN,
        truncation=True,
        add_special_tokens=True,
        return_attention_mask=True,
        return_tensors="pt",
    )
    ids, mask = enc.input_ids, enc.attention_mask
    with torch.no_grad():
        hidden = model(ids, mask).last_hidden_state
    # WanPipeline._get_t5_prompt_embeds: keep u[:seq_len] and zero the padded rows.
    seq_lens = mask.gt(0).sum(dim=1)
    embeds = torch.stack(
        [torch.cat([u[:v], u.new_zeros(UMT5_MAX_LEN - v, u.size(1))]) for u, v in zip(hidden, seq_lens)]
    )
    write_fixture(
        out_dir,
        "umt5_io",
        {"input_ids": ids, "attention_mask": mask, "last_hidden_state": hidden, "prompt_embeds": embeds},
        {
            "description": "tokenizer(prompts, padding='max_length', max_length=%d, truncation=True) with "
            "umt5_tokenizer.json -> input_ids/attention_mask (int64); encoder(ids, mask).last_hidden_state; "
            "prompt_embeds = last_hidden_state with padded rows zeroed (pipeline post-processing). "
            "Prompts are passed as-is (no ftfy/html cleaning)." % UMT5_MAX_LEN,
            "prompts": UMT5_PROMPTS,
            "max_length": UMT5_MAX_LEN,
            "config": cfg,
        },
    )



# ---------------------------------------------------------------------------------------------------------
# CLIP vision tower (WAN.md §1.4) and the image-conditioned pipelines (§6.2)
# ---------------------------------------------------------------------------------------------------------

# A tiny CLIPVisionModel: 24² input, 8² patches -> 9 patch tokens + class token; width 20 = I2V_CONFIG
# image_dim. quick_gelu is CLIPVisionConfig's default (ViT-H/14 as Wan ships it uses "gelu").
CLIP_CONFIG = dict(
    hidden_size=20,
    intermediate_size=40,
    num_hidden_layers=3,
    num_attention_heads=2,
    image_size=24,
    patch_size=8,
    projection_dim=16,
    hidden_act="quick_gelu",
    layer_norm_eps=1e-5,
)
CLIP_PROCESSOR = dict(size={"shortest_edge": 24}, crop_size={"height": 24, "width": 24})


def tiny_clip(seed=51):
    from transformers import CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(seed)
    return randomize(CLIPVisionModel(CLIPVisionConfig(**CLIP_CONFIG)), seed).eval()


def clip_processor():
    # Without torchvision (as in the reference venv) transformers 5 runs CLIPImageProcessor's PIL path:
    # PIL bicubic resize of the uint8 image, centre crop, rescale, normalise (what transformers 4 did too).
    try:
        from transformers import CLIPImageProcessorPil as Proc
    except ImportError:
        from transformers import CLIPImageProcessor as Proc
    return Proc(**CLIP_PROCESSOR)


def random_image(seed, w, h):
    from PIL import Image

    g = torch.Generator().manual_seed(seed)
    # Smooth colour ramps plus noise, so resampling has structure to get right.
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    base = torch.stack([xx * 255.0 / max(w - 1, 1), yy * 255.0 / max(h - 1, 1), (xx + yy) * 127.0 / max(w + h - 2, 1)], -1)
    px = (base + 60 * torch.randn(h, w, 3, generator=g)).clamp(0, 255).round().to(torch.uint8)
    return Image.fromarray(px.numpy()), px


def make_clip(out_dir):
    model = tiny_clip()
    proc = clip_processor()
    sd = state_dict_f32(model)
    # Published checkpoints (and transformers 4) name the tower's tensors `vision_model.*`.
    weights = {"vision_model." + k: v for k, v in sd.items()}
    write_fixture(
        out_dir,
        "clip_weights",
        weights,
        {
            "description": "tiny CLIPVisionModel weights (transformers), keys with the `vision_model.` prefix as "
            "published image_encoder/model.safetensors files have them",
            "config": dict(CLIP_CONFIG, model_type="clip_vision_model", architectures=["CLIPVisionModel"]),
            "preprocessor": proc.to_dict(),
        },
    )
    image, px = random_image(52, 37, 29)  # not square, not the model size: resize + centre crop run
    pixel_values = proc(images=image, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        out = model(pixel_values=pixel_values, output_hidden_states=True)
    write_fixture(
        out_dir,
        "clip_io",
        {
            "image_u8": px,
            "pixel_values": pixel_values,
            "penultimate": out.hidden_states[-2],
            "last_hidden_state": out.last_hidden_state,
        },
        {
            "description": "image_u8 [H=29, W=37, 3] -> the image processor -> pixel_values [1,3,24,24] -> "
            "CLIPVisionModel(output_hidden_states=True): penultimate = hidden_states[-2] (what Wan I2V uses), "
            "last_hidden_state (no post-LN).",
            "processor": type(proc).__name__,
        },
    )


def i2v_pipeline(transformer):
    from diffusers import WanImageToVideoPipeline

    pipe = WanImageToVideoPipeline(
        tokenizer=None,
        text_encoder=None,
        image_encoder=tiny_clip(),
        image_processor=clip_processor(),
        transformer=transformer,
        vae=wan_vae(31),
        scheduler=unipc(3.0),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def run_image_pipeline(pipe, out_dir, name, images, description, extra_tensors, extra_manifest):
    g = torch.Generator().manual_seed(61)
    # The I2V attention takes the last 512 context rows as text: short embeddings padded with zeros.
    prompt_embeds = torch.randn(1, 8, 24, generator=g)
    prompt_embeds[:, 5:] = 0.0
    negative_prompt_embeds = torch.randn(1, 8, 24, generator=g)
    negative_prompt_embeds[:, 1:] = 0.0
    pad = lambda e: torch.cat([e, torch.zeros(1, 512 - e.shape[1], e.shape[2])], dim=1)
    latents = torch.randn(1, 16, 2, 4, 4, generator=g)
    kw = dict(
        prompt_embeds=pad(prompt_embeds),
        negative_prompt_embeds=pad(negative_prompt_embeds),
        height=32,
        width=32,
        num_frames=5,
        num_inference_steps=2,
        guidance_scale=5.0,
    )
    kw["image"] = images[0][0]
    if len(images) > 1:
        kw["last_image"] = images[1][0]
    steps_x = []

    def on_step(p, i, t, cb):
        steps_x.append(cb["latents"].clone())
        return {}

    with torch.no_grad():
        embeds = pipe.encode_image([im for im, _ in images] if len(images) > 1 else images[0][0], "cpu")
        final_latents = pipe(
            output_type="latent", callback_on_step_end=on_step, latents=latents.clone(), **kw
        ).frames
        frames = pipe(output_type="np", latents=latents.clone(), **kw).frames
    frames_u8 = torch.from_numpy((np.asarray(frames) * 255).astype(np.uint8))
    tensors = {
        "prompt_embeds": prompt_embeds,
        "negative_prompt_embeds": negative_prompt_embeds,
        "latents": latents,
        "image_embeds": embeds,
        "latents_step": torch.stack(steps_x),
        "final_latents": final_latents,
        "frames_u8": frames_u8,
    }
    for i, (_, px) in enumerate(images):
        tensors[["first_image_u8", "last_image_u8"][i]] = px
    tensors.update(extra_tensors)
    write_fixture(
        out_dir,
        name,
        tensors,
        dict(
            {
                "description": description,
                "vae_config": VAE_CONFIG,
                "clip_config": CLIP_CONFIG,
                "scheduler": "UniPC flow, shift 3.0 (schedulers.json unipc_config)",
                "call": {k: v for k, v in kw.items() if isinstance(v, (int, float, str))},
            },
            **extra_manifest,
        ),
    )


def make_pipeline_i2v(out_dir):
    first = random_image(62, 32, 32)
    run_image_pipeline(
        i2v_pipeline(wan_transformer(I2V_CONFIG, seed=21)),  # = transformer_i2v_original_weights
        out_dir,
        "pipeline_i2v",
        [first],
        "WanImageToVideoPipeline (Wan2.1 I2V), 2 UniPC steps (flow_shift 3), guidance 5.0, 5 frames 32x32, "
        "image = first_image_u8 [32,32,3] (PIL), from the given initial latents [1,16,2,4,4] and prompt "
        "embeddings (padded with zero rows to 512 before the call), using transformer_i2v_original_weights, "
        "vae_weights and clip_weights (+ its processor). image_embeds = pipe.encode_image(image) "
        "(CLIP hidden_states[-2]); latents_step[i] = latents after step i; frames_u8 = (output_type 'np' "
        "frames [1,F,H,W,3] * 255).astype(uint8).",
        {},
        {"transformer_config": I2V_CONFIG},
    )


FLF2V_CONFIG = dict(I2V_CONFIG, pos_embed_seq_len=2 * 10)  # two images of 10 CLIP tokens


def make_pipeline_flf2v(out_dir):
    from diffusers import WanTransformer3DModel

    # The I2V fixture transformer plus a seeded image position table (the only FLF2V-specific tensor).
    i2v = wan_transformer(I2V_CONFIG, seed=21)
    model = WanTransformer3DModel(**FLF2V_CONFIG).eval()
    missing, unexpected = model.load_state_dict(i2v.state_dict(), strict=False)
    assert missing == ["condition_embedder.image_embedder.pos_embed"] and not unexpected, (missing, unexpected)
    g = torch.Generator().manual_seed(63)
    pos = 0.1 * torch.randn(1, FLF2V_CONFIG["pos_embed_seq_len"], 20, generator=g)
    with torch.no_grad():
        model.condition_embedder.image_embedder.pos_embed.copy_(pos)
    run_image_pipeline(
        i2v_pipeline(model),
        out_dir,
        "pipeline_flf2v",
        [random_image(62, 32, 32), random_image(64, 32, 32)],
        "WanImageToVideoPipeline with last_image (Wan2.1 FLF2V), otherwise as pipeline_i2v; the transformer is "
        "transformer_i2v_original_weights plus pos_embed (original key img_emb.emb_pos) [1,20,20]; "
        "image_embeds = pipe.encode_image([first, last]) [2,10,20].",
        {"pos_embed": pos},
        {"transformer_config": FLF2V_CONFIG},
    )


# ---------------------------------------------------------------------------------------------------------
# Wan2.2 TI2V-5B: residual patchified VAE and the expand_timesteps pipelines (WAN.md §3.2, §6.1, §6.2)
# ---------------------------------------------------------------------------------------------------------

# The published Wan2.2 VAE latent statistics (WAN.md §1.2b); the tiny VAE uses the first 16.
WAN22_LATENTS_MEAN = [
    -0.2289, -0.0052, -0.1323, -0.2339, -0.2799, 0.0174, 0.1838, 0.1557, -0.1382, 0.0542, 0.2813, 0.0891,
    0.157, -0.0098, 0.0375, -0.1825, -0.2246, -0.1207, -0.0698, 0.5109, 0.2665, -0.2108, -0.2158, 0.2502,
    -0.2055, -0.0322, 0.1109, 0.1567, -0.0729, 0.0899, -0.2799, -0.123, -0.0313, -0.1649, 0.0117, 0.0723,
    -0.2839, -0.2083, -0.052, 0.3748, 0.0152, 0.1957, 0.1433, -0.2944, 0.3573, -0.0548, -0.1681, -0.0667,
]
WAN22_LATENTS_STD = [
    0.4765, 1.0364, 0.4514, 1.1677, 0.5313, 0.499, 0.4818, 0.5013, 0.8158, 1.0344, 0.5894, 1.0901,
    0.6885, 0.6165, 0.8454, 0.4978, 0.5759, 0.3523, 0.7135, 0.6804, 0.5833, 1.4146, 0.8986, 0.5659,
    0.7069, 0.5338, 0.4889, 0.4917, 0.4069, 0.4999, 0.6866, 0.4093, 0.5709, 0.6065, 0.6415, 0.4944,
    0.5726, 1.2042, 0.5458, 1.6887, 0.3971, 1.06, 0.3943, 0.5537, 0.5444, 0.4089, 0.7468, 0.7744,
]

# Wan2.2's structure (residual stages, patch 2 → 16x spatial, 4x temporal, decoder wider than
# encoder's base) at tiny widths. z_dim 16 so that the T2V fixture transformer denoises its latents.
VAE22_CONFIG = dict(
    base_dim=3,
    decoder_base_dim=2,
    z_dim=16,
    dim_mult=[1, 1, 2, 2],
    num_res_blocks=1,
    attn_scales=[],
    temperal_downsample=[False, True, True],
    dropout=0.0,
    is_residual=True,
    in_channels=12,
    out_channels=12,
    patch_size=2,
    scale_factor_temporal=4,
    scale_factor_spatial=16,
    latents_mean=WAN22_LATENTS_MEAN[:16],
    latents_std=WAN22_LATENTS_STD[:16],
)


def wan22_vae(seed):
    from diffusers import AutoencoderKLWan

    torch.manual_seed(seed)
    vae = AutoencoderKLWan(**VAE22_CONFIG).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, prm in vae.named_parameters():
            if name.endswith("gamma"):
                prm.copy_(1.0 + 0.1 * torch.randn(prm.shape, generator=g))
            elif name.endswith("bias"):
                prm.copy_(0.05 * torch.randn(prm.shape, generator=g))
    return vae


def make_vae22(out_dir):
    vae = wan22_vae(71)
    write_fixture(
        out_dir,
        "vae22_weights",
        state_dict_f32(vae),
        {
            "description": "tiny AutoencoderKLWan(is_residual=True, patch_size=2) (Wan2.2 layout) weights, "
            "diffusers key layout",
            "config": VAE22_CONFIG,
        },
    )
    g = torch.Generator().manual_seed(72)
    video = torch.rand(1, 3, 5, 16, 16, generator=g) * 2 - 1
    z = torch.randn(1, 16, 2, 1, 1, generator=g)
    with torch.no_grad():
        posterior = vae.encode(video).latent_dist
        mu = posterior.mode()
        moments = torch.cat([posterior.mean, posterior.logvar], dim=1)
        decoded = vae.decode(z, return_dict=False)[0]
    write_fixture(
        out_dir,
        "vae22_io",
        {"video": video, "encoded_mu": mu, "encoded_moments": moments, "latent": z, "decoded": decoded},
        {
            "description": "vae.encode(video) -> encoded_mu (latent_dist.mode(), raw) and encoded_moments "
            "([mu | logvar], logvar clamped to [-30, 20]); vae.decode(latent) -> decoded (clamped to [-1, 1]). "
            "diffusers' chunked code path (encode: frame 0 then 4-frame chunks; decode: one latent frame at a "
            "time, first_chunk=True for frame 0).",
            "config": VAE22_CONFIG,
        },
    )


def ti2v_embeds(g):
    prompt_embeds = torch.randn(1, 8, 24, generator=g)
    prompt_embeds[:, 5:] = 0.0
    negative_prompt_embeds = torch.randn(1, 8, 24, generator=g)
    negative_prompt_embeds[:, 1:] = 0.0
    return prompt_embeds, negative_prompt_embeds


def run_ti2v(pipe, kw, latents):
    steps_x = []

    def on_step(p, i, t, cb):
        steps_x.append(cb["latents"].clone())
        return {}

    with torch.no_grad():
        final_latents = pipe(output_type="latent", callback_on_step_end=on_step, latents=latents.clone(), **kw).frames
        frames = pipe(output_type="np", latents=latents.clone(), **kw).frames
    frames_u8 = torch.from_numpy((np.asarray(frames) * 255).astype(np.uint8))
    return torch.stack(steps_x), final_latents, frames_u8


TI2V_SHIFT = 5.0  # the Wan2.2 TI2V-5B converter's flow_shift


def make_pipeline_ti2v(out_dir):
    from diffusers import WanImageToVideoPipeline, WanPipeline

    transformer = wan_transformer(T2V_CONFIG, seed=11)  # = transformer_t2v_weights
    common = dict(
        num_frames=5,
        num_inference_steps=2,
        guidance_scale=5.0,
    )
    # T2V mode: WanPipeline with expand_timesteps=True (per-token timesteps, all equal).
    pipe = WanPipeline(
        tokenizer=None,
        text_encoder=None,
        transformer=transformer,
        vae=wan22_vae(71),
        scheduler=unipc(TI2V_SHIFT),
        expand_timesteps=True,
    )
    pipe.set_progress_bar_config(disable=True)
    g = torch.Generator().manual_seed(81)
    pe, ne = ti2v_embeds(g)
    latents = torch.randn(1, 16, 2, 2, 2, generator=g)
    kw = dict(common, prompt_embeds=pe, negative_prompt_embeds=ne, height=32, width=32)
    steps, final, frames_u8 = run_ti2v(pipe, kw, latents)
    write_fixture(
        out_dir,
        "pipeline_ti2v",
        {
            "prompt_embeds": pe,
            "negative_prompt_embeds": ne,
            "latents": latents,
            "latents_step": steps,
            "final_latents": final,
            "frames_u8": frames_u8,
        },
        {
            "description": "WanPipeline(expand_timesteps=True) (Wan2.2 TI2V-5B, text-to-video mode), 2 UniPC steps "
            "(flow_shift 5), guidance 5.0, 5 frames 32x32, from the given initial latents [1,16,2,2,2] and prompt "
            "embeddings, using transformer_t2v_weights and vae22_weights. latents_step[i] = latents after step i; "
            "frames_u8 = (output_type 'np' frames [1,F,H,W,3] * 255).astype(uint8).",
            "transformer_config": T2V_CONFIG,
            "vae_config": VAE22_CONFIG,
            "scheduler": f"UniPC flow, shift {TI2V_SHIFT}",
            "call": {k: v for k, v in kw.items() if not torch.is_tensor(v)},
        },
    )
    # I2V mode: WanImageToVideoPipeline with expand_timesteps=True (no image encoder, no mask channels).
    pipe = WanImageToVideoPipeline(
        tokenizer=None,
        text_encoder=None,
        image_encoder=None,
        image_processor=None,
        transformer=transformer,
        vae=wan22_vae(71),
        scheduler=unipc(TI2V_SHIFT),
        expand_timesteps=True,
    )
    pipe.set_progress_bar_config(disable=True)
    g = torch.Generator().manual_seed(82)
    pe, ne = ti2v_embeds(g)
    latents = torch.randn(1, 16, 2, 2, 2, generator=g)
    image, px = random_image(83, 32, 32)
    kw = dict(common, prompt_embeds=pe, negative_prompt_embeds=ne, height=32, width=32, image=image)
    steps, final, frames_u8 = run_ti2v(pipe, kw, latents)
    write_fixture(
        out_dir,
        "pipeline_ti2v_i2v",
        {
            "prompt_embeds": pe,
            "negative_prompt_embeds": ne,
            "latents": latents,
            "first_image_u8": px,
            "latents_step": steps,
            "final_latents": final,
            "frames_u8": frames_u8,
        },
        {
            "description": "WanImageToVideoPipeline(expand_timesteps=True) (Wan2.2 TI2V-5B, image-to-video mode): "
            "image = first_image_u8 [32,32,3] (PIL), encoded alone and written over latent frame 0 of the model "
            "input, whose tokens get timestep 0; 2 UniPC steps (flow_shift 5), guidance 5.0, 5 frames 32x32, "
            "from the given initial latents [1,16,2,2,2], using transformer_t2v_weights and vae22_weights. "
            "latents_step[i] = the pipeline's latents after step i (frame 0 not yet overwritten); final_latents "
            "= output_type 'latent' (frame 0 = the image's latent); frames_u8 as in pipeline_ti2v.",
            "transformer_config": T2V_CONFIG,
            "vae_config": VAE22_CONFIG,
            "scheduler": f"UniPC flow, shift {TI2V_SHIFT}",
            "call": {k: v for k, v in kw.items() if isinstance(v, (int, float, str))},
        },
    )


# ---------------------------------------------------------------------------------------------------------

SECTIONS = {
    "schedulers": make_schedulers,
    "transformer": make_transformer,
    "transformer_i2v": make_transformer_i2v,
    "vae": make_vae,
    "pipeline": make_pipeline,
    "umt5": make_umt5,
    "clip": make_clip,
    "pipeline_i2v": make_pipeline_i2v,
    "pipeline_flf2v": make_pipeline_flf2v,
    "vae22": make_vae22,
    "pipeline_ti2v": make_pipeline_ti2v,
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
