;; xxh3-128: see runtime.rs
