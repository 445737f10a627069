//! A learned prompt classifier that runs after the rules: a multinomial logistic regression over
//! {benign, each category} on hashed features of the folded prompt.
//!
//! Features (all from `normalize`, so confusables, accents, zero-width characters and leetspeak
//! are already folded): word unigrams and bigrams of the tokens after re-joining glued pieces
//! (`be-head`) and runs of single letters (`k i l l`), character 3–5-grams of those words, and
//! character 4-grams of the prompt with every space removed, so a word split anywhere (`kni fe`,
//! `a g i r l s t a r v i n g`) gives the same grams as the word itself; and the rules' cue
//! groups present in the prompt (`rules::cue_groups`), alone and in pairs. Features are hashed
//! (FNV-1a, with a hash-derived sign) into `2^DIM_BITS` buckets and the vector is L2-normalised.
//!
//! Training (`train`, deterministic for a seed) is plain SGD on the cross-entropy with L2 on the
//! touched weights; the weights are stored quantised to `i8` with one scale per class
//! (`encode`/`Classifier::from_bytes`). The block threshold on the harmful probability is chosen
//! by k-fold cross-validation on the training data (`build`) so that the combined system (rules
//! OR classifier) keeps false positives at or below `MAX_TRAIN_FP`. Retrain with
//! `cargo run -p reel-safety --release --example train_moderation`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, ensure, Context, Result};

use super::normalize::{skeleton, tokenize};
use super::policy::{Category, Policy};
use super::Verdict;

/// Hashed feature space: 2^14 buckets × 8 classes × 1 byte = 128 KiB of weights.
pub const DIM_BITS: u32 = 14;
const DIM: usize = 1 << DIM_BITS;
/// Feature vectors are divided by `sqrt(max(|x|², NORM_FLOOR))`: a typical prompt has a few
/// hundred features, and a short one ("a woman", "hello") must not get full-strength evidence
/// from its handful of grams (it would be blocked on hash collisions and the class prior).
const NORM_FLOOR: f32 = 150.0;
/// Benign plus the seven categories, in `Category::ALL` order.
pub const CLASSES: usize = 8;
/// Largest fraction of training benign prompts the combined system may block (cross-validated).
pub const MAX_TRAIN_FP: f64 = 0.01;
/// Folds for choosing the threshold and reporting cross-validated accuracy.
pub const FOLDS: usize = 5;
/// Seed of every random choice in training (shuffling, fold assignment).
pub const SEED: u64 = 0x5EED_7007;
/// `matched` of a classifier block starts with this, so callers can tell it from a rule match.
pub const MATCHED_PREFIX: &str = "learned classifier";

const MAGIC: &[u8; 4] = b"RMC1";

/// The training files (in `testdata/moderation/`): development and held-out sets 1–5.
pub const TRAINING_HARMFUL: &[&str] = &[
    "harmful.tsv",
    "harmful_obfuscated.tsv",
    "harmful_holdout_base.tsv",
    "harmful_holdout_obfuscated.tsv",
    "harmful_holdout2_base.tsv",
    "harmful_holdout2_obfuscated.tsv",
    "harmful_holdout3_base.tsv",
    "harmful_holdout3_obfuscated.tsv",
    "harmful_holdout4_base.tsv",
    "harmful_holdout4_obfuscated.tsv",
    "harmful_holdout5_base.tsv",
    "harmful_holdout5_obfuscated.tsv",
];
pub const TRAINING_BENIGN: &[&str] = &[
    "benign.txt",
    "benign_holdout.txt",
    "benign_holdout2.txt",
    "benign_holdout3.txt",
    "benign_holdout4.txt",
    "benign_holdout5.txt",
];

/// Templated prompts (`gen_augmented.py`): always in the training folds, never scored in
/// cross-validation nor counted in the threshold, so the reported numbers stay on written text.
pub const AUGMENTED_HARMFUL: &[&str] = &["harmful_augmented.tsv"];
pub const AUGMENTED_BENIGN: &[&str] = &["benign_augmented.txt"];

/// The committed weights (`cargo run -p reel-safety --release --example train_moderation`).
static WEIGHTS: &[u8] = include_bytes!("classifier.bin");

fn class_index(c: Option<Category>) -> usize {
    match c {
        None => 0,
        Some(c) => 1 + Category::ALL.iter().position(|&x| x == c).unwrap_or(0),
    }
}

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Final mix: FNV's low bits are weak for short keys.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The prompt's words after folding, glued pieces and single-letter runs re-joined.
pub fn words(prompt: &str) -> Vec<String> {
    let tokens = tokenize(prompt);
    let mut glued: Vec<String> = Vec::with_capacity(tokens.len());
    for t in tokens {
        match glued.last_mut() {
            Some(last) if t.glued => last.push_str(&t.text),
            _ => glued.push(t.text),
        }
    }
    // "k i l l", "s e x": three or more one-letter words in a row are one word; so are two when
    // neither is an ordinary one-letter word ("a", "i").
    let mut out = Vec::with_capacity(glued.len());
    let mut i = 0;
    while i < glued.len() {
        let single = |w: &String| w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
        let mut j = i;
        while j < glued.len() && single(&glued[j]) {
            j += 1;
        }
        let run = j - i;
        let ordinary = glued[i..j].iter().any(|w| w == "a" || w == "i");
        if run >= 3 || (run == 2 && !ordinary) {
            out.push(skeleton(&glued[i..j].concat()));
            i = j;
        } else {
            out.push(skeleton(&glued[i]));
            i += 1;
        }
    }
    out
}

/// Sparse hashed feature vector: (bucket, signed value), buckets unique, L2 norm at most 1.
pub fn features(prompt: &str) -> Vec<(u32, f32)> {
    let ws = words(prompt);
    let mut acc: HashMap<u32, f32> = HashMap::new();
    let mut add = |h: u64| {
        let bucket = (h & (DIM as u64 - 1)) as u32;
        let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
        *acc.entry(bucket).or_insert(0.0) += sign;
    };
    for (i, w) in ws.iter().enumerate() {
        add(fnv(&[b"w", w.as_bytes()]));
        if let Some(n) = ws.get(i + 1) {
            add(fnv(&[b"b", w.as_bytes(), n.as_bytes()]));
        }
    }
    for w in &ws {
        let padded: Vec<u8> = format!(" {w} ").into_bytes();
        for n in 3..=5 {
            for g in padded.windows(n) {
                add(fnv(&[b"c", g]));
            }
        }
    }
    // The rules' cue groups found in the prompt, alone and in pairs: semantic classes (a harm
    // verb, a person, a protected group) that a few thousand examples cannot teach word by word.
    let groups = super::rules::cue_groups(prompt);
    for (i, a) in groups.iter().enumerate() {
        add(fnv(&[b"g", a.as_bytes()]));
        for b in &groups[i + 1..] {
            add(fnv(&[b"gg", a.as_bytes(), b.as_bytes()]));
        }
    }
    let squashed: Vec<u8> = ws.concat().into_bytes();
    for g in squashed.windows(4) {
        add(fnv(&[b"s", g]));
    }
    let mut v: Vec<(u32, f32)> = acc.into_iter().filter(|&(_, x)| x != 0.0).collect();
    v.sort_by_key(|&(b, _)| b);
    let norm = v
        .iter()
        .map(|&(_, x)| x * x)
        .sum::<f32>()
        .max(NORM_FLOOR)
        .sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v
}

/// A linear model: `w[bucket * CLASSES + class]`, one bias per class.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub w: Vec<f32>,
    pub b: [f32; CLASSES],
}

impl Model {
    /// Class probabilities (softmax) for a feature vector.
    pub fn probs(&self, x: &[(u32, f32)]) -> [f32; CLASSES] {
        let mut z = self.b;
        for &(j, v) in x {
            let row = &self.w[j as usize * CLASSES..(j as usize + 1) * CLASSES];
            for (zc, wc) in z.iter_mut().zip(row) {
                *zc += wc * v;
            }
        }
        softmax(z)
    }

    /// The weights after an `i8` round trip (what the committed file holds).
    pub fn quantised(&self) -> Model {
        let (q, scale) = quantise(&self.w);
        let w = q
            .iter()
            .enumerate()
            .map(|(i, &v)| v as f32 * scale[i % CLASSES])
            .collect();
        Model { w, b: self.b }
    }
}

fn softmax(mut z: [f32; CLASSES]) -> [f32; CLASSES] {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0;
    for v in &mut z {
        *v = (*v - m).exp();
        s += *v;
    }
    for v in &mut z {
        *v /= s;
    }
    z
}

fn quantise(w: &[f32]) -> (Vec<i8>, [f32; CLASSES]) {
    let mut scale = [0f32; CLASSES];
    for (i, &v) in w.iter().enumerate() {
        scale[i % CLASSES] = scale[i % CLASSES].max(v.abs());
    }
    for s in &mut scale {
        *s = if *s > 0.0 { *s / 127.0 } else { 1.0 };
    }
    let q = w
        .iter()
        .enumerate()
        .map(|(i, &v)| (v / scale[i % CLASSES]).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

/// A training example: `None` is benign.
#[derive(Clone, Debug)]
pub struct Example {
    pub label: Option<Category>,
    pub prompt: String,
    /// A templated prompt: trained on, never scored.
    pub augmented: bool,
}

/// SGD hyper-parameters.
#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    pub epochs: usize,
    pub lr: f32,
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            lr: 0.5,
            l2: 3e-4,
            seed: SEED,
        }
    }
}

/// splitmix64: small, seeded, the same on every platform.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Train on pre-computed feature vectors (`xs[i]` with label `ys[i]` as a class index). Benign
/// examples are weighted so both sides weigh the same (the sets hold about twice as many
/// harmful prompts; real traffic is mostly benign).
pub fn train_features(xs: &[Vec<(u32, f32)>], ys: &[usize], cfg: &TrainConfig) -> Model {
    let mut m = Model {
        w: vec![0.0; DIM * CLASSES],
        b: [0.0; CLASSES],
    };
    let mut rng = Rng(cfg.seed);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let n_benign = ys.iter().filter(|&&y| y == 0).count().max(1);
    let benign_weight = (ys.len() - n_benign) as f32 / n_benign as f32;
    for epoch in 0..cfg.epochs {
        rng.shuffle(&mut order);
        let lr = cfg.lr / (1.0 + 0.2 * epoch as f32);
        for &i in &order {
            let p = m.probs(&xs[i]);
            let mut g = p;
            g[ys[i]] -= 1.0;
            if ys[i] == 0 {
                for v in &mut g {
                    *v *= benign_weight;
                }
            }
            for (b, gc) in m.b.iter_mut().zip(&g) {
                *b -= lr * gc;
            }
            for &(j, v) in &xs[i] {
                let row = &mut m.w[j as usize * CLASSES..(j as usize + 1) * CLASSES];
                for (w, gc) in row.iter_mut().zip(&g) {
                    *w -= lr * (gc * v + cfg.l2 * *w);
                }
            }
        }
    }
    m
}

/// Train a model on examples.
pub fn train(examples: &[Example], cfg: &TrainConfig) -> Model {
    let xs: Vec<_> = examples.iter().map(|e| features(&e.prompt)).collect();
    let ys: Vec<_> = examples.iter().map(|e| class_index(e.label)).collect();
    train_features(&xs, &ys, cfg)
}

/// The learned stage: a quantised model and the block threshold on the harmful probability.
#[derive(Clone, Debug, PartialEq)]
pub struct Classifier {
    pub model: Model,
    pub threshold: f32,
}

/// Serialise: magic, dim bits, classes, threshold, biases, per-class scales, `i8` weights.
pub fn encode(model: &Model, threshold: f32) -> Vec<u8> {
    let (q, scale) = quantise(&model.w);
    let mut out = Vec::with_capacity(16 + 8 * CLASSES + q.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&DIM_BITS.to_le_bytes());
    out.extend_from_slice(&(CLASSES as u32).to_le_bytes());
    out.extend_from_slice(&threshold.to_le_bytes());
    for v in model.b.iter().chain(scale.iter()) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(q.iter().map(|&v| v as u8));
    out
}

impl Classifier {
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        let header = 16 + 8 * CLASSES;
        ensure!(
            bytes.len() >= header && &bytes[..4] == MAGIC,
            "not a moderation classifier file (bad magic or too short)"
        );
        let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
        let f32_at = |o: usize| f32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
        ensure!(
            u32_at(4) == DIM_BITS && u32_at(8) as usize == CLASSES,
            "moderation classifier file has {} bits × {} classes, expected {DIM_BITS} × {CLASSES}",
            u32_at(4),
            u32_at(8)
        );
        ensure!(
            bytes.len() == header + DIM * CLASSES,
            "moderation classifier file is {} bytes, expected {}",
            bytes.len(),
            header + DIM * CLASSES
        );
        let threshold = f32_at(12);
        let mut b = [0f32; CLASSES];
        let mut scale = [0f32; CLASSES];
        for c in 0..CLASSES {
            b[c] = f32_at(16 + 4 * c);
            scale[c] = f32_at(16 + 4 * (CLASSES + c));
        }
        ensure!(
            threshold.is_finite() && b.iter().chain(&scale).all(|v| v.is_finite()),
            "moderation classifier file holds non-finite numbers"
        );
        let w = bytes[header..]
            .iter()
            .enumerate()
            .map(|(i, &v)| v as i8 as f32 * scale[i % CLASSES])
            .collect();
        Ok(Classifier {
            model: Model { w, b },
            threshold,
        })
    }

    /// The built-in classifier.
    pub fn builtin() -> &'static Classifier {
        static C: OnceLock<Classifier> = OnceLock::new();
        C.get_or_init(|| {
            Classifier::from_bytes(WEIGHTS).expect("the committed classifier.bin is valid")
        })
    }

    /// Class probabilities: index 0 benign, then `Category::ALL`.
    pub fn probs(&self, prompt: &str) -> [f32; CLASSES] {
        self.model.probs(&features(prompt))
    }

    /// Harmful probability over the categories `policy` enables, and the likeliest of them.
    pub fn score(&self, prompt: &str, policy: &Policy) -> (f32, Category) {
        harmful_score(&self.probs(prompt), policy)
    }

    /// Block when the enabled categories' probability reaches the threshold.
    pub fn check(&self, prompt: &str, policy: &Policy) -> Verdict {
        let (p, category) = self.score(prompt, policy);
        if p < self.threshold {
            return Verdict::Allowed;
        }
        Verdict::Blocked {
            category,
            matched: format!("{MATCHED_PREFIX} (p = {p:.2})"),
            explanation: format!(
                "{} (learned classifier): no rule matched, but the classifier rates the prompt \
                 {:.0}% likely to be harmful (block threshold {:.0}%), most likely {}",
                category.description(),
                100.0 * p,
                100.0 * self.threshold,
                category.as_str()
            ),
        }
    }
}

/// Sum of the enabled categories' probabilities (a disabled category never blocks; minors are
/// always enabled), and the most probable enabled category.
fn harmful_score(p: &[f32; CLASSES], policy: &Policy) -> (f32, Category) {
    let mut total = 0.0;
    let mut best = (f32::NEG_INFINITY, Category::SexualMinors);
    for (i, &c) in Category::ALL.iter().enumerate() {
        if !policy.is_enabled(c) {
            continue;
        }
        total += p[i + 1];
        if p[i + 1] > best.0 {
            best = (p[i + 1], c);
        }
    }
    (total, best.1)
}

/// Read the training files from a `testdata/moderation` directory.
pub fn load_training_set(dir: &Path) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
    };
    let data_lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    let harmful_files = TRAINING_HARMFUL.iter().map(|n| (n, false));
    for (name, augmented) in harmful_files.chain(AUGMENTED_HARMFUL.iter().map(|n| (n, true))) {
        for l in data_lines(&read(name)?) {
            let mut parts = l.split('\t');
            let cat = parts.next().unwrap_or("");
            let Some(prompt) = parts.next() else {
                bail!("{name}: line without a tab-separated prompt: {l:?}");
            };
            out.push(Example {
                label: Some(Category::parse(cat).with_context(|| format!("in {name}"))?),
                prompt: prompt.to_string(),
                augmented,
            });
        }
    }
    let benign_files = TRAINING_BENIGN.iter().map(|n| (n, false));
    for (name, augmented) in benign_files.chain(AUGMENTED_BENIGN.iter().map(|n| (n, true))) {
        for l in data_lines(&read(name)?) {
            out.push(Example {
                label: None,
                prompt: l,
                augmented,
            });
        }
    }
    Ok(out)
}

/// Fold of an example: by its letters with every separator removed, so an obfuscated variant
/// lands in the same fold as the prompt it came from (otherwise cross-validation would test on
/// near-copies of training prompts).
pub fn fold_of(prompt: &str, folds: usize, seed: u64) -> usize {
    let key = skeleton(&words(prompt).concat());
    (fnv(&[&seed.to_le_bytes(), key.as_bytes()]) % folds as u64) as usize
}

/// Cross-validated results and the chosen threshold.
#[derive(Clone, Debug)]
pub struct Report {
    pub threshold: f32,
    pub harmful: usize,
    pub benign: usize,
    /// Out-of-fold counts at the threshold: rules alone, and rules OR classifier.
    pub rules_blocked: usize,
    pub rules_fp: usize,
    pub cv_blocked: usize,
    pub cv_fp: usize,
    /// Out-of-fold counts of the classifier alone at the threshold.
    pub cv_classifier_blocked: usize,
    pub cv_classifier_fp: usize,
    /// Out-of-fold blocked counts of the combined system per category (`Category::ALL` order).
    pub cv_per_category: [(usize, usize); 7],
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
        writeln!(
            f,
            "training set: {} harmful, {} benign; {FOLDS}-fold threshold {:.3}",
            self.harmful, self.benign, self.threshold
        )?;
        writeln!(
            f,
            "rules alone:          blocked {}/{} = {:.1}%, false positives {}/{} = {:.1}%",
            self.rules_blocked,
            self.harmful,
            pct(self.rules_blocked, self.harmful),
            self.rules_fp,
            self.benign,
            pct(self.rules_fp, self.benign)
        )?;
        writeln!(
            f,
            "rules OR classifier ({FOLDS}-fold cross-validated): blocked {}/{} = {:.1}%, false positives {}/{} = {:.1}%",
            self.cv_blocked,
            self.harmful,
            pct(self.cv_blocked, self.harmful),
            self.cv_fp,
            self.benign,
            pct(self.cv_fp, self.benign)
        )?;
        writeln!(
            f,
            "classifier alone ({FOLDS}-fold cross-validated): blocked {}/{} = {:.1}%, false positives {}/{} = {:.1}%",
            self.cv_classifier_blocked,
            self.harmful,
            pct(self.cv_classifier_blocked, self.harmful),
            self.cv_classifier_fp,
            self.benign,
            pct(self.cv_classifier_fp, self.benign)
        )?;
        for (c, (b, n)) in Category::ALL.iter().zip(self.cv_per_category) {
            writeln!(f, "  {:<18} {b}/{n} = {:.1}%", c.as_str(), pct(b, n))?;
        }
        Ok(())
    }
}

/// Train the final model on all examples, choose the threshold by `FOLDS`-fold
/// cross-validation of the combined system, and return the weights file and the report.
/// `rule_blocks[i]` says whether the rules block example `i` (under the default policy).
pub fn build(examples: &[Example], rule_blocks: &[bool], cfg: &TrainConfig) -> (Vec<u8>, Report) {
    assert_eq!(examples.len(), rule_blocks.len());
    let xs: Vec<_> = examples.iter().map(|e| features(&e.prompt)).collect();
    let ys: Vec<_> = examples.iter().map(|e| class_index(e.label)).collect();
    let fold: Vec<_> = examples
        .iter()
        .map(|e| fold_of(&e.prompt, FOLDS, cfg.seed))
        .collect();
    let policy = Policy::default();
    let aug: Vec<bool> = examples.iter().map(|e| e.augmented).collect();
    // Out-of-fold harmful probability of every written example, from quantised fold models;
    // templated examples are in every fold's training data and never scored.
    let mut oof = vec![0f32; examples.len()];
    for k in 0..FOLDS {
        let train_idx: Vec<usize> = (0..xs.len()).filter(|&i| aug[i] || fold[i] != k).collect();
        let txs: Vec<_> = train_idx.iter().map(|&i| xs[i].clone()).collect();
        let tys: Vec<_> = train_idx.iter().map(|&i| ys[i]).collect();
        let m = train_features(&txs, &tys, cfg).quantised();
        for i in (0..xs.len()).filter(|&i| !aug[i] && fold[i] == k) {
            oof[i] = harmful_score(&m.probs(&xs[i]), &policy).0;
        }
    }
    // Smallest threshold keeping combined false positives within MAX_TRAIN_FP: the benign
    // examples the rules pass, by score, highest first; allow as many as the budget leaves.
    let benign: Vec<usize> = (0..ys.len()).filter(|&i| ys[i] == 0 && !aug[i]).collect();
    let rules_fp = benign.iter().filter(|&&i| rule_blocks[i]).count();
    let budget = (MAX_TRAIN_FP * benign.len() as f64).floor() as usize;
    let mut passed: Vec<f32> = benign
        .iter()
        .filter(|&&i| !rule_blocks[i])
        .map(|&i| oof[i])
        .collect();
    passed.sort_by(|a, b| b.total_cmp(a));
    let allowed = budget.saturating_sub(rules_fp);
    // Block at p >= threshold: put it just above the (allowed+1)-th highest benign score.
    let threshold = match passed.get(allowed) {
        Some(&s) => next_up(s).max(0.5 * f32::EPSILON),
        None => 0.0,
    }
    .min(1.0);
    let blocked = |i: usize| rule_blocks[i] || oof[i] >= threshold;
    let harmful: Vec<usize> = (0..ys.len()).filter(|&i| ys[i] != 0 && !aug[i]).collect();
    let mut per = [(0usize, 0usize); 7];
    for &i in &harmful {
        per[ys[i] - 1].1 += 1;
        if blocked(i) {
            per[ys[i] - 1].0 += 1;
        }
    }
    let report = Report {
        threshold,
        harmful: harmful.len(),
        benign: benign.len(),
        rules_blocked: harmful.iter().filter(|&&i| rule_blocks[i]).count(),
        rules_fp,
        cv_blocked: harmful.iter().filter(|&&i| blocked(i)).count(),
        cv_fp: benign.iter().filter(|&&i| blocked(i)).count(),
        cv_classifier_blocked: harmful.iter().filter(|&&i| oof[i] >= threshold).count(),
        cv_classifier_fp: benign.iter().filter(|&&i| oof[i] >= threshold).count(),
        cv_per_category: per,
    };
    let model = train_features(&xs, &ys, cfg);
    (encode(&model, threshold), report)
}

/// The smallest f32 greater than `x` (for x ≥ 0).
fn next_up(x: f32) -> f32 {
    f32::from_bits(x.max(0.0).to_bits() + 1)
}

/// Load the training set from `dir`, run the rules over it and `build` the weights.
pub fn build_from_dir(dir: &Path, cfg: &TrainConfig) -> Result<(Vec<u8>, Report)> {
    let examples = load_training_set(dir)?;
    ensure!(
        !examples.is_empty(),
        "no training examples in {}",
        dir.display()
    );
    let policy = Policy::default();
    let rule_blocks: Vec<bool> = examples
        .iter()
        .map(|e| super::rules::check(&e.prompt, &policy).is_blocked())
        .collect();
    Ok(build(&examples, &rule_blocks, cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_glued_words_are_rejoined() {
        assert_eq!(words("k i l l the man"), words("kill the man"));
        assert_eq!(words("be-head him"), words("behead him"));
        assert_eq!(words("a cat"), vec!["a", "cat"]);
        assert_eq!(features("ｋ1ll"), features("kill"));
    }

    #[test]
    fn features_are_normalised_and_deterministic() {
        let long = "a man in a grey coat slices a ripe melon on a wooden board in a sunny kitchen \
                    while his daughter sets the table for a long summer lunch in the garden";
        let f = features(long);
        let n: f32 = f.iter().map(|&(_, x)| x * x).sum();
        assert!((n - 1.0).abs() < 1e-4, "{n}");
        assert_eq!(f, features(long));
        // A short prompt keeps less than unit length (the floor).
        let n: f32 = features("a melon").iter().map(|&(_, x)| x * x).sum();
        assert!(n > 0.0 && n < 0.5, "{n}");
        assert!(features("").is_empty());
        assert!(f.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn bad_weight_files_are_refused() {
        assert!(Classifier::from_bytes(b"nope").is_err());
        let mut bytes = WEIGHTS.to_vec();
        bytes.pop();
        let e = Classifier::from_bytes(&bytes).unwrap_err();
        assert!(e.to_string().contains("expected"), "{e}");
        let mut bytes = WEIGHTS.to_vec();
        bytes[12..16].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Classifier::from_bytes(&bytes).is_err());
    }

    #[test]
    fn encode_round_trips_the_quantised_model() {
        let c = Classifier::builtin();
        let again = Classifier::from_bytes(&encode(&c.model, c.threshold)).unwrap();
        assert_eq!(&again, c);
        assert!(c.threshold > 0.0 && c.threshold < 1.0, "{}", c.threshold);
    }

    #[test]
    fn templated_examples_are_trained_on_but_never_scored() {
        let ex = |label, p: &str, augmented| Example {
            label,
            prompt: p.to_string(),
            augmented,
        };
        let mut set = vec![];
        for i in 0..10 {
            set.push(ex(None, &format!("a dog number {i} runs in a park"), false));
            set.push(ex(
                Some(Category::GraphicViolence),
                &format!("a man number {i} stabbed to death"),
                false,
            ));
            set.push(ex(None, &format!("a cake number {i} on a plate"), true));
        }
        let rules = vec![false; set.len()];
        let (_, report) = build(&set, &rules, &TrainConfig::default());
        // The 10 templated benign prompts are left out of every count.
        assert_eq!((report.harmful, report.benign), (10, 10));
    }

    #[test]
    fn training_separates_a_toy_set() {
        let ex = |label, p: &str| Example {
            label,
            prompt: p.to_string(),
            augmented: false,
        };
        let set = vec![
            ex(None, "a dog runs in a park"),
            ex(None, "a cake on a plate"),
            ex(Some(Category::GraphicViolence), "a man stabbed to death"),
            ex(
                Some(Category::GraphicViolence),
                "a woman stabbed in an alley",
            ),
        ];
        let m = train(&set, &TrainConfig::default());
        let p = m.probs(&features("a boy stabbed to death"));
        assert!(p[3] > p[0], "{p:?}");
        let q = m.probs(&features("a dog on a plate"));
        assert!(q[0] > q[3], "{q:?}");
    }
}
