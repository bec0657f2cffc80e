//! `runtime/xxh3.wat` against `xxhash_rust::xxh3::xxh3_128`: every length up to 1100 (all
//! the length classes, and the long path's first block boundary at 1024 + 1), a few longer
//! inputs, inputs and results at unaligned addresses, and arbitrary inputs.

use std::cell::RefCell;

use proptest::collection::vec;
use proptest::prelude::any;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use wasmtime::{Instance, Memory, Store, TypedFunc};
use xxhash_rust::xxh3::xxh3_128;

use crate::wasm::abi::memory::{PLAN_DATA, RUNTIME_DATA};

/// The test's export: `hash(ptr, len, out)` calls the piece's entry point.
const EXPORT: &str = r#"(func (export "hash") (param i32 i32 i32)
  local.get 0 local.get 1 local.get 2 call $xxh3.hash128)"#;

/// Two pages: room for inputs of up to 60 KiB after `PLAN_DATA`.
const PAGES: u32 = 2;
const LONGEST: usize = 60 * 1024;

/// Where inputs start (plus an offset), and where results are written (plus an offset).
const INPUT: usize = PLAN_DATA as usize;
const OUT: usize = RUNTIME_DATA as usize;

/// The hash piece in wasmtime, with its memory.
struct Wasm {
    store: Store<()>,
    memory: Memory,
    hash: TypedFunc<(i32, i32, i32), ()>,
}

impl Wasm {
    fn new() -> Self {
        let (mut store, instance): (Store<()>, Instance) =
            super::harness::instance(&[super::XXH3], EXPORT, PAGES);
        let memory = match instance.get_memory(&mut store, "memory") {
            Some(memory) => memory,
            None => panic!("the test module exports no memory"),
        };
        let hash = match instance.get_typed_func::<(i32, i32, i32), ()>(&mut store, "hash") {
            Ok(hash) => hash,
            Err(e) => panic!("the test module's `hash` export: {e:?}"),
        };
        Self {
            store,
            memory,
            hash,
        }
    }

    /// `xxh3.hash128` of `bytes` written at `INPUT + offset`, with the result written at
    /// `OUT + offset`.
    fn hash_at(&mut self, bytes: &[u8], offset: usize) -> u128 {
        assert!(
            bytes.len() <= LONGEST,
            "an input of {} bytes does not fit",
            bytes.len()
        );
        let (ptr, out) = (INPUT + offset, OUT + offset);
        if let Err(e) = self.memory.write(&mut self.store, ptr, bytes) {
            panic!("writing {} bytes at {ptr}: {e}", bytes.len());
        }
        let args = (address(ptr), address(bytes.len()), address(out));
        if let Err(e) = self.hash.call(&mut self.store, args) {
            panic!("hashing {} bytes at {ptr}: {e:?}", bytes.len());
        }
        let mut result = [0; 16];
        if let Err(e) = self.memory.read(&self.store, out, &mut result) {
            panic!("reading the result at {out}: {e}");
        }
        u128::from_le_bytes(result)
    }

    fn hash(&mut self, bytes: &[u8]) -> u128 {
        self.hash_at(bytes, 0)
    }
}

fn address(n: usize) -> i32 {
    match i32::try_from(n) {
        Ok(n) => n,
        Err(_) => panic!("{n} is not an address"),
    }
}

/// `len` pseudo-random bytes (splitmix64), the same for the same `seed`.
fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&next().to_le_bytes());
    }
    out.truncate(len);
    out
}

fn assert_hash(wasm: &mut Wasm, input: &[u8], offset: usize) {
    let got = wasm.hash_at(input, offset);
    let want = xxh3_128(input);
    assert_eq!(
        got,
        want,
        "xxh3_128 of {} bytes at offset {offset}: {got:#034x}, expected {want:#034x}",
        input.len()
    );
}

#[test]
fn every_length_up_to_1100() {
    let mut wasm = Wasm::new();
    for len in 0..=1100 {
        assert_hash(&mut wasm, &bytes(len, len as u64), 0);
    }
}

#[test]
fn the_empty_input() {
    let mut wasm = Wasm::new();
    assert_eq!(wasm.hash(&[]), xxh3_128(&[]));
    // The empty input's hash depends on the secret only: the well-known value.
    assert_eq!(wasm.hash(&[]), 0x99aa_06d3_0147_98d8_6001_c324_468d_497f);
}

#[test]
fn long_inputs() {
    let mut wasm = Wasm::new();
    // Around the ends of blocks (1024 bytes) and of stripes (64 bytes), and longer inputs.
    let lengths = [
        1024 + 64,
        2047,
        2048,
        2049,
        3072 + 1,
        4095,
        4096,
        4097,
        5000,
        8191,
        8192,
        8193,
        10_000,
        16_384 + 65,
        LONGEST,
    ];
    for len in lengths {
        assert_hash(&mut wasm, &bytes(len, 7 * len as u64), 0);
    }
}

#[test]
fn constant_inputs() {
    // All zeroes and all ones: carries through every 32-bit half of the products.
    let mut wasm = Wasm::new();
    for len in [
        0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 1025, 4100,
    ] {
        assert_hash(&mut wasm, &vec![0; len], 0);
        assert_hash(&mut wasm, &vec![0xFF; len], 0);
    }
}

#[test]
fn unaligned_inputs_and_results() {
    let mut wasm = Wasm::new();
    let lengths = (0..=300).chain([400, 1023, 1024, 1025, 2500]);
    for len in lengths {
        let input = bytes(len, 1000 + len as u64);
        for offset in 1..8 {
            assert_hash(&mut wasm, &input, offset);
        }
    }
}

#[test]
fn writes_only_the_result() {
    // No scratch memory: after a hash, all of memory but the 16 result bytes is as before,
    // the secret included.
    let mut wasm = Wasm::new();
    for len in [0, 2, 6, 12, 100, 200, 300, 2000] {
        let input = bytes(len, 99);
        let _ = wasm.hash_at(&input, 3);
        let before = wasm.memory.data(&wasm.store).to_vec();
        let _ = wasm.hash_at(&input, 3);
        let after = wasm.memory.data(&wasm.store);
        let result = OUT + 3..OUT + 3 + 16;
        for (at, (b, a)) in before.iter().zip(after).enumerate() {
            assert!(
                b == a || result.contains(&at),
                "hashing {len} bytes changed byte {at}: {b:#04x} -> {a:#04x}"
            );
        }
    }
    // ... and the first hash of a fresh instance equals the reference: the result does not
    // depend on what a previous call left behind.
    let mut fresh = Wasm::new();
    let input = bytes(777, 5);
    assert_eq!(fresh.hash_at(&input, 5), xxh3_128(&input));
}

#[test]
fn arbitrary_inputs() {
    let wasm = RefCell::new(Wasm::new());
    let mut runner = TestRunner::new(Config::with_cases(512));
    let strategy = (vec(any::<u8>(), 0..=2000), 0..8usize);
    let result = runner.run(&strategy, |(input, offset)| {
        let got = wasm.borrow_mut().hash_at(&input, offset);
        let want = xxh3_128(&input);
        if got == want {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "xxh3_128 of {} bytes at offset {offset}: {got:#034x}, expected {want:#034x}",
                input.len()
            )))
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
