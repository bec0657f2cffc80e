;; time: see runtime.rs
