// SPDX-License-Identifier: GPL-2.0
//! Timing half of the guest benchmark (`./dhei bench`); interrupt counts are read by
//! `dhei_bench.sh`. Prints `BENCH key value` lines.
//!
//! - `getppid CPU ITERS ROUNDS`: ns per getppid() on CPU (P4), median and minimum of ROUNDS.
//! - `p2 PARTITION_DIR CPU... -- REPS`: the partition writes that isolate and release the
//!   CPUs against offlining and onlining the same CPUs (P2), medians of REPS, in microseconds.

use std::env;
use std::fs;
use std::process::exit;
use std::time::{Duration, Instant};

fn pin(cpu: usize) {
    // SAFETY: `set` is a plain C struct, fully initialised by zeroing and CPU_SET, and
    // sched_setaffinity() only reads it.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc != 0 {
        eprintln!("sched_setaffinity({cpu}) failed");
        exit(1);
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn write(path: &str, value: &str) {
    if let Err(e) = fs::write(path, value) {
        eprintln!("writing {value} to {path}: {e}");
        exit(1);
    }
}

fn timed_write(path: &str, value: &str) -> Duration {
    let t = Instant::now();
    write(path, value);
    t.elapsed()
}

fn getppid(args: &[String]) {
    let cpu: usize = args[0].parse().expect("CPU");
    let iters: u32 = args[1].parse().expect("ITERS");
    let rounds: usize = args[2].parse().expect("ROUNDS");
    pin(cpu);
    let mut per_call = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..iters {
            // SAFETY: getppid() has no preconditions.
            unsafe { libc::getppid() };
        }
        per_call.push(t.elapsed() / iters);
    }
    let min = *per_call.iter().min().expect("ROUNDS > 0");
    println!("BENCH getppid_ns {}", median(per_call).as_nanos());
    println!("BENCH getppid_min_ns {}", min.as_nanos());
}

fn p2(args: &[String]) {
    let dir = &args[0];
    let sep = args.iter().position(|a| a == "--").expect("--");
    let cpus = &args[1..sep];
    let reps: usize = args[sep + 1].parse().expect("REPS");
    let part = format!("{dir}/cpuset.cpus.partition");
    let (mut iso, mut rel, mut off, mut on) = (vec![], vec![], vec![], vec![]);
    for _ in 0..reps {
        iso.push(timed_write(&part, "isolated"));
        let state = fs::read_to_string(&part).unwrap_or_default();
        if state.trim() != "isolated" {
            eprintln!("partition is '{}' after the write", state.trim());
            exit(1);
        }
        rel.push(timed_write(&part, "member"));
        let t = Instant::now();
        for c in cpus {
            write(&format!("/sys/devices/system/cpu/cpu{c}/online"), "0");
        }
        off.push(t.elapsed());
        let t = Instant::now();
        for c in cpus {
            write(&format!("/sys/devices/system/cpu/cpu{c}/online"), "1");
        }
        on.push(t.elapsed());
    }
    for (k, v) in [
        ("isolate", iso),
        ("release", rel),
        ("offline", off),
        ("online", on),
    ] {
        println!("BENCH p2_{k}_us {}", median(v).as_micros());
    }
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("getppid") if args.len() == 4 => getppid(&args[1..]),
        Some("p2") if args.len() >= 5 => p2(&args[1..]),
        _ => {
            eprintln!("usage: dhei-bench getppid CPU ITERS ROUNDS | p2 DIR CPU... -- REPS");
            exit(2);
        }
    }
}
