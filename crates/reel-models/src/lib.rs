//! DiT, causal video VAE and text encoders; configs, bundles and weight loading.
