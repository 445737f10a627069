//! Diffusers → original Wan weight names (WAN.md §7.1–7.3). The models ask for diffusers names;
//! these functions say where an original-layout file keeps the same tensor.

/// Replaces the first matching prefix of `name` using `(from, to)` pairs.
fn swap_prefix(name: &str, table: &[(&str, &str)]) -> Option<String> {
    table
        .iter()
        .find_map(|(from, to)| name.strip_prefix(from).map(|rest| format!("{to}{rest}")))
}

/// Splits `"<head>.<index>.<rest>"` after `head`, returning (index, rest).
fn indexed<'a>(name: &'a str, head: &str) -> Option<(usize, &'a str)> {
    let rest = name.strip_prefix(head)?.strip_prefix('.')?;
    let (idx, rest) = rest.split_once('.')?;
    Some((idx.parse().ok()?, rest))
}

/// Transformer (WAN.md §7.1).
pub fn transformer_original(name: &str) -> String {
    const TOP: &[(&str, &str)] = &[
        (
            "condition_embedder.time_embedder.linear_1.",
            "time_embedding.0.",
        ),
        (
            "condition_embedder.time_embedder.linear_2.",
            "time_embedding.2.",
        ),
        ("condition_embedder.time_proj.", "time_projection.1."),
        (
            "condition_embedder.text_embedder.linear_1.",
            "text_embedding.0.",
        ),
        (
            "condition_embedder.text_embedder.linear_2.",
            "text_embedding.2.",
        ),
        (
            "condition_embedder.image_embedder.norm1.",
            "img_emb.proj.0.",
        ),
        (
            "condition_embedder.image_embedder.ff.net.0.proj.",
            "img_emb.proj.1.",
        ),
        (
            "condition_embedder.image_embedder.ff.net.2.",
            "img_emb.proj.3.",
        ),
        (
            "condition_embedder.image_embedder.norm2.",
            "img_emb.proj.4.",
        ),
        (
            "condition_embedder.image_embedder.pos_embed",
            "img_emb.emb_pos",
        ),
        ("scale_shift_table", "head.modulation"),
        ("proj_out.", "head.head."),
    ];
    const BLOCK: &[(&str, &str)] = &[
        ("scale_shift_table", "modulation"),
        ("attn1.to_q.", "self_attn.q."),
        ("attn1.to_k.", "self_attn.k."),
        ("attn1.to_v.", "self_attn.v."),
        ("attn1.to_out.0.", "self_attn.o."),
        ("attn1.norm_q.", "self_attn.norm_q."),
        ("attn1.norm_k.", "self_attn.norm_k."),
        // The affine cross-attention pre-norm is `norm2` in diffusers but `norm3` originally.
        ("norm2.", "norm3."),
        ("attn2.to_q.", "cross_attn.q."),
        ("attn2.to_k.", "cross_attn.k."),
        ("attn2.to_v.", "cross_attn.v."),
        ("attn2.to_out.0.", "cross_attn.o."),
        ("attn2.norm_q.", "cross_attn.norm_q."),
        ("attn2.norm_k.", "cross_attn.norm_k."),
        ("attn2.add_k_proj.", "cross_attn.k_img."),
        ("attn2.add_v_proj.", "cross_attn.v_img."),
        ("attn2.norm_added_k.", "cross_attn.norm_k_img."),
        ("ffn.net.0.proj.", "ffn.0."),
        ("ffn.net.2.", "ffn.2."),
    ];
    if let Some((i, rest)) = indexed(name, "blocks") {
        let rest = swap_prefix(rest, BLOCK).unwrap_or_else(|| rest.to_string());
        return format!("blocks.{i}.{rest}");
    }
    swap_prefix(name, TOP).unwrap_or_else(|| name.to_string())
}

/// Inside a residual block: diffusers resnet parameter → original `residual.*` / `shortcut.*`.
fn vae_resnet(rest: &str) -> String {
    swap_prefix(
        rest,
        &[
            ("norm1.", "residual.0."),
            ("conv1.", "residual.2."),
            ("norm2.", "residual.3."),
            ("conv2.", "residual.6."),
            ("conv_shortcut.", "shortcut."),
        ],
    )
    .unwrap_or_else(|| rest.to_string())
}

/// The middle block (resnet, attention, resnet) is a flat `middle.{0,1,2}` list originally.
fn vae_mid(rest: &str) -> Option<String> {
    if let Some((r, p)) = indexed(rest, "mid_block.resnets") {
        return Some(format!("middle.{}.{}", 2 * r, vae_resnet(p)));
    }
    rest.strip_prefix("mid_block.attentions.0.")
        .map(|p| format!("middle.1.{p}"))
}

/// Wan2.1 VAE (WAN.md §7.2). `num_res_blocks` sets the decoder's flat stride (`num_res_blocks + 2`).
pub fn vae_original(name: &str, num_res_blocks: usize) -> String {
    let top = [("quant_conv.", "conv1."), ("post_quant_conv.", "conv2.")];
    if let Some(s) = swap_prefix(name, &top) {
        return s;
    }
    for part in ["encoder", "decoder"] {
        let Some(rest) = name.strip_prefix(part).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let mapped = if let Some(m) = vae_mid(rest) {
            m
        } else if let Some(p) = rest.strip_prefix("conv_in.") {
            format!("conv1.{p}")
        } else if let Some(p) = rest.strip_prefix("norm_out.") {
            format!("head.0.{p}")
        } else if let Some(p) = rest.strip_prefix("conv_out.") {
            format!("head.2.{p}")
        } else if let Some((n, p)) = indexed(rest, "down_blocks") {
            // Encoder resnets and resamplers share one flat index in both layouts.
            if p.starts_with("resample.") || p.starts_with("time_conv.") {
                format!("downsamples.{n}.{p}")
            } else {
                format!("downsamples.{n}.{}", vae_resnet(p))
            }
        } else if let Some((s, p)) = indexed(rest, "up_blocks") {
            let stride = num_res_blocks + 2;
            if let Some((r, q)) = indexed(p, "resnets") {
                format!("upsamples.{}.{}", stride * s + r, vae_resnet(q))
            } else if let Some(q) = p.strip_prefix("upsamplers.0.") {
                format!("upsamples.{}.{q}", stride * s + num_res_blocks + 1)
            } else {
                rest.to_string()
            }
        } else {
            rest.to_string()
        };
        return format!("{part}.{mapped}");
    }
    name.to_string()
}

/// UMT5 encoder (WAN.md §7.3, the original names are [unverified] there).
pub fn umt5_original(name: &str) -> String {
    if name == "shared.weight" || name == "encoder.embed_tokens.weight" {
        return "token_embedding.weight".into();
    }
    if name == "encoder.final_layer_norm.weight" {
        return "norm.weight".into();
    }
    if let Some((i, rest)) = indexed(name, "encoder.block") {
        const T: &[(&str, &str)] = &[
            ("layer.0.layer_norm.", "norm1."),
            (
                "layer.0.SelfAttention.relative_attention_bias.",
                "pos_embedding.embedding.",
            ),
            ("layer.0.SelfAttention.", "attn."),
            ("layer.1.layer_norm.", "norm2."),
            ("layer.1.DenseReluDense.wi_0.", "ffn.gate.0."),
            ("layer.1.DenseReluDense.wi_1.", "ffn.fc1."),
            ("layer.1.DenseReluDense.wo.", "ffn.fc2."),
        ];
        let rest = swap_prefix(rest, T).unwrap_or_else(|| rest.to_string());
        return format!("blocks.{i}.{rest}");
    }
    name.to_string()
}
