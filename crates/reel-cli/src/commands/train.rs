//! `reel train`: train Reel's own model from a config file, resume a killed run, export the best
//! checkpoint, or score a bundle on the toy world's fixed prompt set.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    about = "Train the VAE, DiT and text encoder from a config file (see models/reel-toy.train.json)",
    after_help = "Examples:\n  reel train --config models/reel-toy.train.json --out runs/toy\n  reel train --config models/reel-toy.train.json --out runs/toy --resume\n  reel train --export-checkpoint runs/toy/checkpoint.safetensors --out models/reel-toy\n  reel train --eval-model models/reel-toy --prompts 200 --json eval.json\n  reel train --eval-model models/reel-toy --reconstruction   # the VAE's ceiling\n  reel train --eval-model models/reel-toy --modes --prompts 20 --json modes.json   # issue 5"
)]
pub struct TrainArgs {
    /// Training config (JSON).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output directory: checkpoint, samples and, at the end, `bundle/`. With --eval-model
    /// --modes: where every mode's inputs and outputs are kept (PNG sequences).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the run whose checkpoint is in --out.
    #[arg(long)]
    pub resume: bool,
    /// Write the bundle held by this checkpoint to --out instead of training.
    #[arg(long, value_name = "CHECKPOINT")]
    pub export_checkpoint: Option<PathBuf>,
    /// Score this bundle with the toy-world evaluator instead of training.
    #[arg(long, value_name = "MODEL_DIR")]
    pub eval_model: Option<PathBuf>,
    /// Number of prompts of the fixed evaluation set (--eval-model; default 200, 20 with --modes).
    #[arg(long)]
    pub prompts: Option<usize>,
    /// Seed of the prompt set (--eval-model). The default is the model card's set; tune sampler
    /// settings on another seed so that the card's scores stay untuned.
    #[arg(long, requires = "eval_model")]
    pub prompt_seed: Option<u64>,
    /// Write the evaluation report as JSON here (--eval-model).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Override the bundle's sampling steps / guidance / shift (--eval-model).
    #[arg(long)]
    pub steps: Option<usize>,
    #[arg(long)]
    pub guidance: Option<f64>,
    #[arg(long)]
    pub shift: Option<f64>,
    /// Override the bundle's frame guidance (--eval-model --modes).
    #[arg(long)]
    pub frame_guidance: Option<f64>,
    /// Edit strength of the video→video runs (--eval-model --modes; issue 5 asks for 0.3).
    #[arg(long, requires = "modes")]
    pub edit_strength: Option<f32>,
    /// Override the bundle's guidance interval, LO:HI noise levels (--eval-model).
    #[arg(long, value_parser = reel_diffusion::parse_guidance_interval)]
    pub guidance_interval: Option<[f64; 2]>,
    /// With --eval-model: score the model's VAE on ground-truth clips (encode → decode), the
    /// ceiling any DiT on top of it can reach.
    #[arg(long)]
    pub reconstruction: bool,
    /// With --eval-model: run every mode (image→video, extend, stitch, loop, keyframes,
    /// video→video) on ground-truth inputs and measure issue 5's acceptance quantities.
    #[arg(long, requires = "eval_model", conflicts_with = "reconstruction")]
    pub modes: bool,
    /// Worker threads for tensor maths (default: all cores). Runs are bit-reproducible for a
    /// given thread count; the embedded model was trained with --threads 1.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Hide the progress bar (log lines are still printed).
    #[arg(long)]
    pub no_progress: bool,
}

impl TrainArgs {
    /// The evaluation's prompt-set seed: the model card's unless `--prompt-seed` is given.
    fn prompt_seed(&self) -> u64 {
        self.prompt_seed.unwrap_or(reel_world::EVAL_PROMPT_SEED)
    }

    /// The evaluation's overrides of the bundle's sampling defaults.
    fn sampler(&self) -> reel_train::SamplerOverrides {
        reel_train::SamplerOverrides {
            steps: self.steps,
            guidance: self.guidance,
            shift: self.shift,
            frame_guidance: self.frame_guidance,
            guidance_interval: self.guidance_interval,
        }
    }
}

pub fn run(args: TrainArgs) -> Result<()> {
    if let Some(n) = args.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        // candle and rayon both read this; nothing has started a thread pool yet.
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    if let Some(model) = &args.eval_model {
        return eval(&args, model);
    }
    if let Some(ckpt) = &args.export_checkpoint {
        let out = args
            .out
            .as_ref()
            .context("--export-checkpoint needs --out DIR for the bundle")?;
        reel_train::export_checkpoint(ckpt, out)?;
        eprintln!("bundle written to {}", out.display());
        return Ok(());
    }
    let (Some(config), Some(out)) = (&args.config, &args.out) else {
        bail!(
            "reel train needs --config FILE and --out DIR (or --eval-model / --export-checkpoint)"
        );
    };
    let cfg = reel_train::TrainConfig::load(config)?;
    let opts = reel_train::RunOptions {
        progress: !args.no_progress,
        quiet: false,
        stop_after: None,
    };
    let outcome = reel_train::train(&cfg, out, args.resume, &opts)?;
    if let Some(b) = outcome.bundle {
        println!("{}", b.display());
    }
    Ok(())
}

fn eval(args: &TrainArgs, model: &std::path::Path) -> Result<()> {
    let bundle = reel_models::bundle::Bundle::load(model, &candle_core::Device::Cpu)?;
    if args.modes {
        return eval_modes(args, &bundle);
    }
    let prompts = args.prompts.unwrap_or(200);
    let opts = reel_train::EvalOptions {
        prompts,
        sampler: args.sampler(),
        prompt_seed: args.prompt_seed(),
        ..Default::default()
    };
    let pb = if args.no_progress {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(prompts as u64)
    };
    let progress = |done: usize, _| pb.set_position(done as u64);
    let report = if args.reconstruction {
        reel_train::eval_reconstruction(&bundle, &opts, progress)?
    } else {
        reel_train::eval_model(&bundle, &opts, progress)?
    };
    pb.finish_and_clear();
    print!("{}", report.table());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn eval_modes(args: &TrainArgs, bundle: &reel_models::bundle::Bundle) -> Result<()> {
    use reel_train::modes_eval::{eval_modes, write_modes_json, ModesOptions};
    let opts = ModesOptions {
        prompts: args.prompts.unwrap_or(20),
        sampler: args.sampler(),
        prompt_seed: args.prompt_seed(),
        keep: args.out.clone(),
        edit_strength: args
            .edit_strength
            .unwrap_or(ModesOptions::default().edit_strength),
        ..Default::default()
    };
    let pb = if args.no_progress {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    let report = eval_modes(bundle, &opts, |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })?;
    pb.finish_and_clear();
    print!("{}", report.table());
    for (mode, i, e) in &report.errors {
        eprintln!("error: {mode}, prompt {i}: {e}");
    }
    if let Some(path) = &args.json {
        write_modes_json(&report, path)?;
    }
    Ok(())
}
