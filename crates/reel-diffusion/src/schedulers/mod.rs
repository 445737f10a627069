//! Flow-matching schedulers: shifted sigmas, UniPC (bh2) and Euler, as shipped with Wan (WAN.md §5).
