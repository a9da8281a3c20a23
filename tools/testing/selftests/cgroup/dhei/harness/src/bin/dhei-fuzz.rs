// SPDX-License-Identifier: GPL-2.0

//! Model-checked fuzzer for isolated cpuset partitions, run in the guest.
//!
//! Runs random operations on cgroupfs (through `cgroups-rs`), CPU hotplug,
//! `watchdog_cpumask` and task placement, and after every operation compares the live kernel
//! with what the planning core (`kernel/cgroup/cpuset_isolation/plan.rs`, compiled in from
//! the same file as the kernel's) derives from the boot masks, the online CPUs and
//! `cpuset.cpus.isolated`. Any kernel report in the log is a failure too.
//!
//! Sequential mode (default): the operations follow from the seed alone, so a seed and an
//! operation count replay a run; a divergence is shrunk to the shortest sequence that still
//! diverges, printed as shell commands. Concurrent mode (`--threads N`): N writers on
//! different subtrees, a hotplug thread, a task mover and a `/proc` reader run at once; the
//! invariants are checked at quiescent points, and an operation that does not finish within
//! a minute is reported as a hang.
//!
//! Options (also read from `/proc/cmdline` as `dhei.fuzz_seed=`, `dhei.fuzz_ops=`,
//! `dhei.fuzz_threads=`): `--seed N`, `--ops N`, `--threads N`, `--faults` (arm the step
//! fault injection too), `--without KINDS`. Booted with `dhei.quick=1`, a fifth of the
//! operations unless the kernel command line names the count. Prints TAP.

use cgroups_rs::fs::cpuset::CpuSetController;
use cgroups_rs::fs::{hierarchies, Cgroup};
use cgroups_rs::CgroupPid;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../../../../../../../../kernel/cgroup/cpuset_isolation/plan.rs"]
mod plan;

#[allow(dead_code)]
#[path = "../tap.rs"]
mod tap;

use tap::Tap;

use plan::{CpuSet, Features, HkType, Request, Snapshot, HK_TYPES};

/// Words of a CPU set: 256 CPUs, more than any guest of ours has.
const W: usize = 4;
type Set = CpuSet<[usize; W]>;

const CG: &str = "/sys/fs/cgroup";
const WD: &str = "/proc/sys/kernel/watchdog_cpumask";
const FAIL: &str = "/sys/kernel/debug/cpuset_isolation/fail_step";
/// The kthread the fuzzer pins with `sched_setaffinity()`, as an admin would.
const PINNED: &str = "kswapd0";

/// Lines of the kernel log that fail a run (the same as scripts/guest.py's).
const KERNEL_BAD: &[&str] = &[
    "WARNING:",
    "BUG:",
    "Oops",
    "Kernel panic",
    "general protection fault",
    "possible recursive locking",
    "possible circular locking",
    "inconsistent lock state",
    "suspicious RCU usage",
    "detected stalls",
    "stall on CPU",
    "soft lockup",
    "hung_task",
    "UBSAN:",
    "KASAN:",
    "refcount_t: ",
];

// ---------------------------------------------------------------------------------------------
// Small helpers

fn read(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

fn write(path: &str, value: &str) -> Result<(), String> {
    fs::write(path, value).map_err(|e| e.raw_os_error().map_or(e.to_string(), errno_name))
}

fn errno_name(e: i32) -> String {
    match e {
        libc::EINVAL => "EINVAL".into(),
        libc::EBUSY => "EBUSY".into(),
        libc::ENOENT => "ENOENT".into(),
        libc::EEXIST => "EEXIST".into(),
        libc::ENOSPC => "ENOSPC".into(),
        libc::EPERM => "EPERM".into(),
        libc::EACCES => "EACCES".into(),
        libc::ENOTEMPTY => "ENOTEMPTY".into(),
        libc::EOPNOTSUPP => "EOPNOTSUPP".into(),
        libc::ERANGE => "ERANGE".into(),
        libc::EIO => "EIO".into(),
        libc::ENOMEM => "ENOMEM".into(),
        e => format!("errno {e}"),
    }
}

/// Parses a cpulist ("0-3,5"); `None` if malformed.
fn parse_list(s: &str) -> Option<Set> {
    let mut set = Set::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?),
            None => {
                let c = part.parse::<u32>().ok()?;
                (c, c)
            }
        };
        if hi < lo || hi as usize >= Set::CAPACITY {
            return None;
        }
        for c in lo..=hi {
            set.set(c);
        }
    }
    Some(set)
}

/// Parses a hex mask in 32-bit groups ("ff" or "1,ffffffff").
fn parse_hex(s: &str) -> Option<Set> {
    let mut set = Set::new();
    for (i, group) in s.trim().rsplit(',').enumerate() {
        let v = u32::from_str_radix(group, 16).ok()?;
        for b in 0..32 {
            if v & (1 << b) != 0 {
                let cpu = i as u32 * 32 + b;
                if cpu as usize >= Set::CAPACITY {
                    return None;
                }
                set.set(cpu);
            }
        }
    }
    Some(set)
}

fn list(set: &Set) -> String {
    format!("{set}")
}

/// xorshift64*: small, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, never 0.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

#[derive(Clone, Copy, Debug, PartialEq)]
enum Prs {
    Member,
    Root,
    Isolated,
}

impl Prs {
    fn name(self) -> &'static str {
        match self {
            Prs::Member => "member",
            Prs::Root => "root",
            Prs::Isolated => "isolated",
        }
    }
}

/// One operation. Cgroups are named by path below the cgroup root; an operation never
/// depends on what earlier ones did, so any subsequence of a run can be replayed.
#[derive(Clone, Debug)]
enum Op {
    Mkdir(String),
    Rmdir(String),
    Cpus(String, String),
    Exclusive(String, String),
    Partition(String, Prs),
    /// A Kubernetes-style remote partition: exclusive CPUs written from the top down to the
    /// container, then its CPUs, then `isolated`, as a runtime does.
    Remote(String, String),
    Offline(u32),
    Online(u32),
    Watchdog(String),
    /// Moves the busy task into a cgroup ("" is the root).
    Move(String),
    /// Pins [`PINNED`] with `sched_setaffinity()` to a CPU list.
    Pin(String),
    /// Arms the fault injection: the N-th step of the next update fails.
    FailStep(u32),
}

impl Op {
    /// The operation as a shell command that does the same.
    fn shell(&self) -> String {
        let p = |d: &str| format!("{CG}/{d}");
        match self {
            // cgroups-rs enables the controllers in every parent on the way down.
            Op::Mkdir(d) => mkdir_shell(d),
            Op::Rmdir(d) => format!("rmdir {}", p(d)),
            Op::Cpus(d, l) => format!("echo '{l}' > {}/cpuset.cpus", p(d)),
            Op::Exclusive(d, l) => format!("echo '{l}' > {}/cpuset.cpus.exclusive", p(d)),
            Op::Partition(d, k) => format!("echo {} > {}/cpuset.cpus.partition", k.name(), p(d)),
            Op::Remote(d, l) => format!(
                "{}; for d in {}; do echo '{l}' > $d/cpuset.cpus.exclusive; done; echo '{l}' > {}/cpuset.cpus; echo isolated > {}/cpuset.cpus.partition",
                mkdir_shell(d),
                ancestors(d).iter().map(|a| p(a)).collect::<Vec<_>>().join(" "),
                p(d),
                p(d)
            ),
            Op::Offline(c) => format!("echo 0 > /sys/devices/system/cpu/cpu{c}/online"),
            Op::Online(c) => format!("echo 1 > /sys/devices/system/cpu/cpu{c}/online"),
            Op::Watchdog(l) => format!("echo '{l}' > {WD}"),
            Op::Move(d) if d.is_empty() => format!("echo $BUSY > {CG}/cgroup.procs"),
            Op::Move(d) => format!("echo $BUSY > {}/cgroup.procs", p(d)),
            Op::Pin(l) => format!("taskset -p -c '{l}' $(pidof {PINNED})"),
            Op::FailStep(n) => format!("echo {n} > {FAIL}"),
        }
    }
}

/// What `Cgroup::new()` does, in shell: make the directories and enable cpuset in every
/// parent on the way down (it enables every controller; only cpuset matters here).
fn mkdir_shell(d: &str) -> String {
    let mut out = format!("mkdir -p {CG}/{d}");
    let parts = ancestors(d);
    for a in &parts[..parts.len() - 1] {
        out += &format!("; echo +cpuset > {CG}/{a}/cgroup.subtree_control");
    }
    out
}

/// `a`, `a/b`, ..., `d`: the cgroups from the top down to `d`.
fn ancestors(d: &str) -> Vec<String> {
    let parts: Vec<&str> = d.split('/').collect();
    (1..=parts.len()).map(|i| parts[..i].join("/")).collect()
}

/// Generates operations on a set of cgroup paths.
struct Gen {
    rng: Rng,
    ncpus: u32,
    dirs: Vec<String>,
    remotes: Vec<String>,
    hotplug: bool,
    exclusive: bool,
    pin: bool,
    faults: bool,
}

impl Gen {
    fn dir(&mut self) -> String {
        let i = self.rng.below(self.dirs.len() as u32) as usize;
        self.dirs[i].clone()
    }

    /// A CPU list: mostly a small range, sometimes a random subset, and sometimes bad input
    /// (out of range, malformed, huge, empty).
    fn cpus(&mut self) -> String {
        let n = self.ncpus;
        let r = self.rng.below(100);
        if r < 55 {
            let lo = self.rng.below(n);
            let hi = (lo + self.rng.below(3)).min(n - 1);
            if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo}-{hi}")
            }
        } else if r < 80 {
            let mut s = Set::new();
            for c in 0..n {
                if self.rng.chance(35) {
                    s.set(c);
                }
            }
            list(&s)
        } else if r < 84 {
            String::new()
        } else if r < 88 {
            format!("0-{}", n - 1)
        } else if r < 92 {
            let lo = self.rng.below(n);
            format!("{lo}-{}", n + self.rng.below(4096))
        } else {
            match self.rng.below(6) {
                0 => "abc".into(),
                1 => format!("{}-1", n - 1),
                2 => "1-".into(),
                3 => "0-4294967295".into(),
                4 => (0..600)
                    .map(|i| (i % n).to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                _ => " , ,".into(),
            }
        }
    }

    fn prs(&mut self) -> Prs {
        match self.rng.below(10) {
            0..=2 => Prs::Member,
            3..=4 => Prs::Root,
            _ => Prs::Isolated,
        }
    }

    fn cpu(&mut self) -> u32 {
        // CPU 0 cannot go offline on x86.
        1 + self.rng.below(self.ncpus - 1)
    }

    fn op(&mut self) -> Op {
        loop {
            let r = self.rng.below(100);
            let op = match r {
                0..=9 => Op::Mkdir(self.dir()),
                10..=15 => Op::Rmdir(self.dir()),
                16..=33 => Op::Cpus(self.dir(), self.cpus()),
                34..=43 if self.exclusive => Op::Exclusive(self.dir(), self.cpus()),
                44..=65 => Op::Partition(self.dir(), self.prs()),
                66..=70 if !self.remotes.is_empty() => {
                    let i = self.rng.below(self.remotes.len() as u32) as usize;
                    Op::Remote(self.remotes[i].clone(), self.cpus())
                }
                71..=76 if self.hotplug => Op::Offline(self.cpu()),
                77..=84 if self.hotplug => Op::Online(self.cpu()),
                // The watchdog mask is not a cpuset file: only valid, non-empty lists.
                85..=87 => Op::Watchdog(if self.rng.chance(50) {
                    format!("0-{}", self.ncpus - 1)
                } else {
                    let lo = self.rng.below(self.ncpus);
                    format!("{lo}-{}", (lo + self.rng.below(4)).min(self.ncpus - 1))
                }),
                88..=94 => {
                    if self.rng.chance(25) {
                        Op::Move(String::new())
                    } else {
                        Op::Move(self.dir())
                    }
                }
                95..=97 if self.pin => Op::Pin(if self.rng.chance(50) {
                    format!("0-{}", self.ncpus - 1)
                } else {
                    self.cpus()
                }),
                98..=99 if self.faults => Op::FailStep(1 + self.rng.below(6)),
                _ => continue,
            };
            return op;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The machine under test

/// What the fuzzer knows of this boot, read before the first operation.
struct Boot {
    ncpus: u32,
    possible: Set,
    snap: Snapshot<[usize; W]>,
    /// `/sys/devices/system/cpu/isolated` and `nohz_full` at boot.
    sysfs_isolated: Set,
    nohz_full: Set,
    /// The unbound workqueue mask and the watchdog mask at boot.
    wq: Set,
    watchdog: Set,
    /// The CPUs of each NUMA node (all online at boot).
    nodes: Vec<Set>,
    has_faults: bool,
    /// A kernel without our patches (no cpuset.housekeeping): only cpuset's own invariants,
    /// the workqueue mask and the kernel log are checked, to tell stock bugs from ours.
    stock: bool,
}

fn hk_lines() -> BTreeMap<String, String> {
    read(&format!("{CG}/cpuset.housekeeping"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(2, ' ');
            Some((it.next()?.to_string(), it.next().unwrap_or("").to_string()))
        })
        .collect()
}

impl Boot {
    fn read() -> Result<Boot, String> {
        let possible = parse_list(&read("/sys/devices/system/cpu/possible").unwrap_or_default())
            .ok_or("cannot read the possible CPUs")?;
        let ncpus = possible.last().map_or(0, |c| c + 1);
        if ncpus < 4 {
            return Err(format!("{ncpus} CPUs: the fuzzer needs at least 4"));
        }
        let iso = read(&format!("{CG}/cpuset.cpus.isolated")).unwrap_or_default();
        if !iso.is_empty() {
            return Err(format!(
                "CPUs {iso} are isolated already; the fuzzer starts from none"
            ));
        }
        let lines = hk_lines();
        let stock = fs::metadata(format!("{CG}/cpuset.housekeeping")).is_err();
        let mut boot: [Set; HK_TYPES] = Default::default();
        for t in HkType::ALL {
            if stock {
                boot[t.index()] = possible;
                continue;
            }
            let l = lines
                .get(t.name())
                .ok_or(format!("cpuset.housekeeping has no {} line", t.name()))?;
            boot[t.index()] = parse_list(l).ok_or(format!("bad {} line '{l}'", t.name()))?;
        }
        let mut available = Features::NONE;
        for l in read(&format!("{CG}/cpuset.isolation.features"))
            .unwrap_or_default()
            .lines()
        {
            let f = match l.split(' ').next() {
                Some("domain") => Features::DOMAIN,
                Some("rcu") => Features::RCU,
                Some("tick") => Features::TICK,
                _ => Features::NONE,
            };
            if l.ends_with(" on") {
                available = available.union(f);
            }
        }
        let sysfs = |f: &str| {
            parse_list(&read(&format!("/sys/devices/system/cpu/{f}")).unwrap_or_default())
                .unwrap_or_default()
        };
        let mut nodes = Vec::new();
        while fs::metadata(format!("/sys/devices/system/node/node{}", nodes.len())).is_ok() {
            nodes.push(node_cpus(nodes.len()));
        }
        Ok(Boot {
            ncpus,
            possible,
            snap: Snapshot {
                boot,
                nr_cpu_ids: ncpus,
                available,
            },
            sysfs_isolated: sysfs("isolated"),
            nohz_full: sysfs("nohz_full"),
            wq: parse_hex(&read("/sys/devices/virtual/workqueue/cpumask").unwrap_or_default())
                .ok_or("cannot read the workqueue mask")?,
            watchdog: parse_list(&read(WD).unwrap_or_default()).unwrap_or_default(),
            nodes,
            has_faults: fs::metadata(FAIL).is_ok(),
            stock,
        })
    }
}

/// Reads new kernel log records and returns the ones that fail a run.
struct Kmsg(fs::File);

impl Kmsg {
    fn open() -> Kmsg {
        let mut f = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")
            .expect("open /dev/kmsg");
        let _ = f.seek(SeekFrom::End(0));
        Kmsg(f)
    }

    fn bad(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            match self.0.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let rec = String::from_utf8_lossy(&buf[..n]);
                    let msg = rec.split_once(';').map_or(&*rec, |(_, m)| m);
                    let msg = msg.lines().next().unwrap_or("");
                    if KERNEL_BAD.iter().any(|b| msg.contains(b)) {
                        out.push(msg.to_string());
                    }
                }
                // EPIPE: records were overwritten before we read them; go on.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(_) => break,
            }
        }
        out
    }
}

/// The online CPUs of a NUMA node.
fn node_cpus(n: usize) -> Set {
    read(&format!("/sys/devices/system/node/node{n}/cpulist"))
        .and_then(|l| parse_list(&l))
        .unwrap_or_default()
}

fn comm(pid: u32) -> String {
    read(&format!("/proc/{pid}/comm")).unwrap_or_default()
}

fn pid_of(name: &str) -> Option<u32> {
    fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
        (comm(pid) == name).then_some(pid)
    })
}

fn allowed(pid: u32) -> Option<Set> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let l = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    parse_list(l.trim())
}

const PF_KTHREAD: u64 = 0x0020_0000;
const PF_NO_SETAFFINITY: u64 = 0x0400_0000;

/// The task flags (field 9 of /proc/PID/stat).
fn task_flags(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(6)?.parse().ok()
}

fn sched_setaffinity(pid: u32, set: &Set) -> Result<(), String> {
    // SAFETY: cpu_set_t is plain data; CPU_ZERO/CPU_SET only write into it.
    let mut cs: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for c in set.iter() {
        // SAFETY: as above; c is below CPU_SETSIZE (1024), since Set holds 256 CPUs.
        unsafe { libc::CPU_SET(c as usize, &mut cs) };
    }
    // SAFETY: cs is a valid cpu_set_t of the size passed.
    let rc =
        unsafe { libc::sched_setaffinity(pid as libc::pid_t, std::mem::size_of_val(&cs), &cs) };
    if rc == 0 {
        Ok(())
    } else {
        Err(errno_name(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
        ))
    }
}

/// What the fuzzer itself changed and the model needs: the requested watchdog mask and the
/// user's mask of the pinned kthread.
#[derive(Clone)]
struct Requested {
    watchdog: Set,
    pin: Option<Set>,
}

struct Machine {
    boot: Boot,
    req: Requested,
    busy: Child,
    pinned: Option<u32>,
    kmsg: Kmsg,
    /// Top-level cgroups the fuzzer makes; removed on reset.
    tops: Vec<String>,
}

fn cgroup(d: &str) -> Cgroup {
    Cgroup::load(hierarchies::auto(), d)
}

/// Runs an operation on cgroupfs or CPU hotplug, which needs no model state (`busy` is the busy
/// loop's pid); `None` for the others.
fn apply_cgroup(op: &Op, busy: u32) -> Option<Result<(), String>> {
    let file = |d: &str, f: &str| format!("{CG}/{d}/{f}");
    Some(match op {
        Op::Mkdir(d) => Cgroup::new(hierarchies::auto(), d)
            .map(drop)
            .map_err(|e| e.to_string()),
        Op::Rmdir(d) => {
            if fs::metadata(file(d, "")).is_err() {
                return Some(Err("ENOENT".into()));
            }
            cgroup(d).delete().map_err(|e| {
                use std::error::Error;
                e.source()
                    .and_then(|s| s.downcast_ref::<std::io::Error>())
                    .and_then(|s| s.raw_os_error())
                    .map_or(e.to_string(), errno_name)
            })
        }
        Op::Cpus(d, l) => {
            let cg = cgroup(d);
            match cg.controller_of::<CpuSetController>() {
                Some(c) if fs::metadata(file(d, "cpuset.cpus")).is_ok() => c
                    .set_cpus(l)
                    .map_err(|_| write(&file(d, "cpuset.cpus"), l).err().unwrap_or_default()),
                _ => Err("ENOENT".into()),
            }
        }
        Op::Exclusive(d, l) => write(&file(d, "cpuset.cpus.exclusive"), l),
        Op::Partition(d, k) => write(&file(d, "cpuset.cpus.partition"), k.name()),
        Op::Remote(d, l) => (|| {
            for a in ancestors(d) {
                if fs::metadata(file(&a, "")).is_err() {
                    Cgroup::new(hierarchies::auto(), &a).map_err(|e| e.to_string())?;
                }
                write(&file(&a, "cpuset.cpus.exclusive"), l)?;
            }
            write(&file(d, "cpuset.cpus"), l)?;
            write(&file(d, "cpuset.cpus.partition"), "isolated")
        })(),
        Op::Offline(c) => write(&format!("/sys/devices/system/cpu/cpu{c}/online"), "0"),
        Op::Online(c) => write(&format!("/sys/devices/system/cpu/cpu{c}/online"), "1"),
        Op::Move(d) if d.is_empty() => write(&format!("{CG}/cgroup.procs"), &busy.to_string()),
        Op::Move(d) if fs::metadata(file(d, "")).is_err() => Err("ENOENT".into()),
        Op::Move(d) => cgroup(d)
            .add_task_by_tgid(CgroupPid::from(u64::from(busy)))
            .map_err(|_| {
                // cgroups-rs gives no errno; the write again does.
                write(&file(d, "cgroup.procs"), &busy.to_string())
                    .err()
                    .unwrap_or_default()
            }),
        Op::Watchdog(_) | Op::Pin(_) | Op::FailStep(_) => return None,
    })
}

impl Machine {
    /// Runs one operation; returns what the kernel said.
    fn apply(&mut self, op: &Op) -> Result<(), String> {
        if let Some(res) = apply_cgroup(op, self.busy.id()) {
            return res;
        }
        match op {
            Op::Watchdog(l) => {
                write(WD, l)?;
                // The sysctl takes what it parses; the model takes the same list.
                if let Some(s) = parse_list(l) {
                    self.req.watchdog = s;
                }
                Ok(())
            }
            Op::Pin(l) => {
                let pid = self.pinned.ok_or("no kthread to pin")?;
                let set = parse_list(l).ok_or("EINVAL")?;
                sched_setaffinity(pid, &set)?;
                self.req.pin = Some(set);
                Ok(())
            }
            Op::FailStep(n) => {
                if self.boot.has_faults {
                    write(FAIL, &n.to_string())
                } else {
                    Err("no fault injection".into())
                }
            }
            _ => Ok(()),
        }
    }

    /// Every cgroup below the fuzzer's top-level ones, parents first.
    fn tree(&self) -> Vec<String> {
        fn walk(d: &str, out: &mut Vec<String>) {
            out.push(d.to_string());
            if let Ok(rd) = fs::read_dir(format!("{CG}/{d}")) {
                let mut subs: Vec<String> = rd
                    .flatten()
                    .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                    .filter_map(|e| e.file_name().to_str().map(|s| format!("{d}/{s}")))
                    .collect();
                subs.sort();
                for s in subs {
                    walk(&s, out);
                }
            }
        }
        let mut out = Vec::new();
        for t in &self.tops {
            if fs::metadata(format!("{CG}/{t}")).is_ok() {
                walk(t, &mut out);
            }
        }
        out
    }

    /// Compares the kernel with the model; returns the differences.
    fn check(&mut self) -> Vec<String> {
        let mut bad = Vec::new();
        let b = &self.boot;
        let iso_s = read(&format!("{CG}/cpuset.cpus.isolated")).unwrap_or_default();
        let Some(iso) = parse_list(&iso_s) else {
            return vec![format!("cpuset.cpus.isolated unreadable: '{iso_s}'")];
        };
        let online = parse_list(&read("/sys/devices/system/cpu/online").unwrap_or_default())
            .unwrap_or_default();

        // cpuset's own bookkeeping, on the online CPUs (effective CPUs are online ones): valid
        // partitions never share an effective CPU (a parent partition's lose those of its
        // child partitions; the sched domains are built from them); an online CPU is isolated
        // when the valid partition whose effective CPUs hold it is isolated; the CPUs of valid
        // partitions are the "subpartition" CPUs that tasks of the root cgroup stay off.
        let mut subparts = Set::new();
        let mut tree_iso = Set::new();
        let mut effs: Vec<(String, Set)> = Vec::new();
        for d in self.tree() {
            let prs = match read(&format!("{CG}/{d}/cpuset.cpus.partition")).as_deref() {
                Some("root") => Prs::Root,
                Some("isolated") => Prs::Isolated,
                _ => continue,
            };
            let e = read(&format!("{CG}/{d}/cpuset.cpus.effective"))
                .and_then(|s| parse_list(&s))
                .unwrap_or_default();
            if let Some((o, oe)) = effs.iter().find(|(_, oe)| oe.intersects(&e)) {
                bad.push(format!(
                    "valid partitions {o} and {d} share effective CPUs '{}'",
                    oe.and(&e)
                ));
            }
            subparts.or_assign(&e);
            if prs == Prs::Isolated {
                tree_iso.or_assign(&e);
            }
            effs.push((d, e));
        }
        if tree_iso != iso.and(&online) {
            bad.push(format!(
                "cpuset.cpus.isolated is '{iso}', the valid isolated partitions hold '{tree_iso}' of the online CPUs"
            ));
        }

        // The model: the planning core's target masks for the isolated CPUs that are ours
        // (isolcpus= CPUs are the boot's).
        let mine = iso.and(&b.snap.boot[HkType::Domain.index()]);
        let parts = [mine];
        let req = Request {
            partitions: &parts,
            online,
            features: b.snap.available,
            timekeeper: None,
        };
        let mut out = plan::Plan::from_fn(|| [0usize; W]);
        if let Err(r) = plan::plan(&b.snap, &mine, &req, &mut out) {
            bad.push(format!("the model refuses to keep isolated '{mine}': {r}"));
            return bad;
        }
        // A state the model accepts: planned from nothing, it would be allowed.
        let mut fresh = plan::Plan::from_fn(|| [0usize; W]);
        if let Err(r) = plan::plan(&b.snap, &Set::new(), &req, &mut fresh) {
            bad.push(format!(
                "isolated '{mine}' with online '{online}' is a state the model rejects: {r}"
            ));
        }
        let lines = hk_lines();
        for t in HkType::ALL.iter().copied().filter(|_| !b.stock) {
            let live = lines.get(t.name()).cloned().unwrap_or_default();
            let want = &out.target[t.index()];
            if parse_list(&live).as_ref() != Some(want) {
                bad.push(format!(
                    "housekeeping {} is '{live}', the model says '{want}'",
                    t.name()
                ));
            }
        }
        if b.snap.available.contains(Features::TICK) {
            if let Some(tk) = lines.get("timekeeping").and_then(|l| l.parse::<u32>().ok()) {
                if mine.contains(tk) {
                    bad.push(format!("the timekeeping CPU {tk} is isolated"));
                }
            }
        }
        let wq = read("/sys/devices/virtual/workqueue/cpumask").unwrap_or_default();
        let want = b.wq.andnot(&iso);
        if parse_hex(&wq).as_ref() != Some(&want) {
            bad.push(format!(
                "workqueue cpumask is {wq}, the model says '{want}'"
            ));
        }
        let sysfs = |f: &str| read(&format!("/sys/devices/system/cpu/{f}")).unwrap_or_default();
        let want = b.sysfs_isolated.or(&iso);
        if !b.stock && parse_list(&sysfs("isolated")).as_ref() != Some(&want) {
            bad.push(format!(
                "sysfs isolated is '{}', the model says '{want}'",
                sysfs("isolated")
            ));
        }
        let want = if b.snap.available.contains(Features::TICK) {
            b.nohz_full.or(&mine)
        } else {
            b.nohz_full
        };
        if !b.stock && parse_list(&sysfs("nohz_full")).as_ref() != Some(&want) {
            bad.push(format!(
                "sysfs nohz_full is '{}', the model says '{want}'",
                sysfs("nohz_full")
            ));
        }

        // Tasks of the root cgroup, kthreads first: off every partition, kswapd and kcompactd
        // on their node when it has CPUs left, a user's mask kept.
        // Offline CPUs of partitions are not in their effective CPUs: compare online ones.
        let top = b.possible.andnot(&subparts);
        let procs = read(&format!("{CG}/cgroup.procs")).unwrap_or_default();
        for pid in procs.lines().filter_map(|l| l.parse::<u32>().ok()) {
            let Some(flags) = task_flags(pid) else {
                continue;
            };
            if flags & PF_NO_SETAFFINITY != 0 {
                continue;
            }
            let Some(got) = allowed(pid) else { continue };
            let name = comm(pid);
            // A threaded interrupt handler follows its interrupt's affinity, which isolated
            // partitions do not change (managed IRQs are not implemented).
            if flags & PF_KTHREAD != 0 && name.starts_with("irq/") {
                continue;
            }
            let want = top;
            let user = if Some(pid) == self.pinned {
                self.req.pin
            } else {
                None
            };
            let hk = &out.target[HkType::Kthread.index()];
            let node = name
                .strip_prefix("kswapd")
                .or_else(|| name.strip_prefix("kcompactd"))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| b.nodes.get(n).map(|c| (n, c)));
            let rcu_node =
                name.starts_with("rcub/") || name.starts_with("rcu_exp_par_gp_kthread_worker/");
            if flags & PF_KTHREAD != 0 && (user.is_some() || node.is_some() || rcu_node) {
                if b.stock {
                    continue;
                }
                // Kthreads that place themselves too: kswapd and kcompactd on their node
                // (also when a CPU comes online), RCU's per-node kthreads on their rcu_node's
                // online CPUs (at CPU hotplug), and a kthread a user pinned. Where they are
                // depends on which of those ran last; what must hold is that they are on at
                // least one CPU, never on an isolated one unless a user's mask leaves them
                // nothing else, and within the user's mask, or else their node.
                let mut why = Vec::new();
                if got.is_empty() {
                    why.push("no CPU".to_string());
                }
                // The kernel keeps a user's mask that has no online CPU outside partitions
                // (glue.c: the CPUs it gets are online ones). Offline CPUs of partitions are
                // missing from `top` (effective CPUs are online ones); the isolated ones at
                // least are known.
                let kept = user.is_some_and(|u| !top.and(&online).andnot(&iso).intersects(&u));
                if !kept && !got.is_subset(hk) {
                    why.push(format!("outside the kthread housekeeping mask '{hk}'"));
                }
                if let Some(u) = &user {
                    if !got.is_subset(u) {
                        why.push(format!("outside the user's mask '{u}'"));
                    }
                }
                // A user's mask replaces the node's (sched_setaffinity() knows no node). The
                // node's CPUs are its online ones (cpumask_of_node()): when none of them is
                // left outside partitions, any CPU outside partitions will do. Only kcompactd
                // takes its node back when a CPU of it comes online; kswapd does at the next
                // partition change.
                if let (Some((n, cpus)), None, true) = (node, user, name.starts_with("kcompactd")) {
                    let now = node_cpus(n);
                    if now.intersects(&top) && !got.and(&online).is_subset(cpus) {
                        why.push(format!("outside its node's CPUs '{cpus}'"));
                    }
                }
                if !why.is_empty() {
                    bad.push(format!(
                        "kthread {name} ({pid}) may run on '{got}': {}",
                        why.join(", ")
                    ));
                }
                continue;
            }
            if got.and(&online) != want.and(&online) {
                // A task being created is in /proc before it is done: a kworker takes the
                // kthread mask in kthread() and is bound (PF_NO_SETAFFINITY) by its creator a
                // moment later, a forked task gets its parent's CPUs in cpuset_fork(). Only
                // what is still wrong a little later counts.
                thread::sleep(Duration::from_millis(200));
                let (Some(flags), Some(got)) = (task_flags(pid), allowed(pid)) else {
                    continue;
                };
                if flags & PF_NO_SETAFFINITY != 0 || got.and(&online) == want.and(&online) {
                    continue;
                }
                let what = if flags & PF_KTHREAD != 0 {
                    "kthread"
                } else {
                    "task"
                };
                bad.push(format!(
                    "root-cgroup {what} {name} ({pid}) may run on '{got}', the model says '{want}'"
                ));
            }
        }
        // The busy task in a cgroup of ours runs on that cgroup's effective CPUs.
        let busy = self.busy.id();
        if let Some(cg) = read(&format!("/proc/{busy}/cgroup")) {
            let path = cg.trim_start_matches("0::/").to_string();
            // Without cpuset in its cgroup (a parent had tasks when it was made, so cpuset was
            // not enabled for it), the task is in the nearest ancestor's cpuset.
            let mut path = path;
            while !path.is_empty()
                && fs::metadata(format!("{CG}/{path}/cpuset.cpus.effective")).is_err()
            {
                path = path
                    .rsplit_once('/')
                    .map_or(String::new(), |(p, _)| p.to_string());
            }
            if !path.is_empty() {
                let eff = read(&format!("{CG}/{path}/cpuset.cpus.effective")).unwrap_or_default();
                let got = allowed(busy).unwrap_or_default();
                if parse_list(&eff).as_ref() != Some(&got) {
                    bad.push(format!("the busy task in {path} may run on '{got}', its effective CPUs are '{eff}'"));
                }
            }
        }
        // The watchdog follows from a work item: give it 5 s.
        let want = self.req.watchdog.andnot(&iso);
        let t0 = Instant::now();
        loop {
            if b.stock {
                break;
            }
            let got = read(WD).unwrap_or_default();
            if parse_list(&got).as_ref() == Some(&want) {
                break;
            }
            if t0.elapsed() > Duration::from_secs(5) {
                bad.push(format!(
                    "watchdog_cpumask is '{got}', the model says '{want}'"
                ));
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        for l in self.kmsg.bad() {
            bad.push(format!("kernel: {l}"));
        }
        bad
    }

    /// The cpuset state, for a divergence report.
    fn dump(&self) {
        println!(
            "#   state: online {}, cpuset.cpus.isolated '{}', root effective '{}'",
            read("/sys/devices/system/cpu/online").unwrap_or_default(),
            read(&format!("{CG}/cpuset.cpus.isolated")).unwrap_or_default(),
            read(&format!("{CG}/cpuset.cpus.effective")).unwrap_or_default()
        );
        for d in self.tree() {
            let f = |n: &str| read(&format!("{CG}/{d}/cpuset.{n}")).unwrap_or_default();
            println!(
                "#     {d}: cpus '{}' exclusive '{}' partition '{}' effective '{}' exclusive.effective '{}'",
                f("cpus"),
                f("cpus.exclusive"),
                f("cpus.partition"),
                f("cpus.effective"),
                f("cpus.exclusive.effective")
            );
        }
    }

    /// Back to the boot state: busy task to the root, cgroups removed (deepest first), every
    /// CPU online, the watchdog as it was, the pinned kthread free to run anywhere, fault
    /// injection off.
    fn reset(&mut self) {
        if self.boot.has_faults {
            let _ = write(FAIL, "0");
        }
        let _ = write(&format!("{CG}/cgroup.procs"), &self.busy.id().to_string());
        for d in self.tree().iter().rev() {
            let _ = write(&format!("{CG}/{d}/cpuset.cpus.partition"), "member");
            let _ = fs::remove_dir(format!("{CG}/{d}"));
        }
        for c in 1..self.boot.ncpus {
            let _ = write(&format!("/sys/devices/system/cpu/cpu{c}/online"), "1");
        }
        let _ = write(WD, &list(&self.boot.watchdog));
        self.req.watchdog = self.boot.watchdog;
        // Once pinned, a kthread keeps a user mask, and nothing clears it: make it every
        // possible CPU, which restricts nothing, so that the next run, in this process or in a
        // later one of the same boot, starts as from boot. (A mask of its boot affinity, its
        // node's CPUs, made the kernel keep kswapd0 on them when they were all isolated, as it
        // does for any user's mask; a later run's model, which does not know the mask, then
        // rejected that.)
        if let (Some(pid), Some(_)) = (self.pinned, self.req.pin) {
            if sched_setaffinity(pid, &self.boot.possible).is_ok() {
                self.req.pin = Some(self.boot.possible);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sequential mode: run, check, shrink

struct Failure {
    at: usize,
    what: Vec<String>,
}

/// Runs `ops` from the boot state, checking after each; stops at the first divergence.
fn run_ops(m: &mut Machine, ops: &[Op], log: bool) -> Result<(), Failure> {
    for (i, op) in ops.iter().enumerate() {
        let res = m.apply(op);
        if log {
            println!(
                "# {:>5} {} -> {}",
                i + 1,
                op.shell(),
                res.as_ref().map_or_else(|e| e.clone(), |_| "ok".into())
            );
        }
        let bad = m.check();
        if !bad.is_empty() {
            return Err(Failure { at: i, what: bad });
        }
    }
    Ok(())
}

/// The kind of a divergence, to shrink towards the same one: a kernel report's location, or
/// the text of the first difference up to its first value.
fn signature(what: &[String]) -> String {
    let first = what.first().map_or("", |s| s.as_str());
    if let Some(at) = first
        .strip_prefix("kernel: ")
        .and_then(|k| k.split(" at ").nth(1))
    {
        return at.split(' ').next().unwrap_or("").to_string();
    }
    first.split(['\'', '(']).next().unwrap_or("").to_string()
}

/// Delta debugging: the shortest subsequence of `ops` that still diverges, within a budget.
fn shrink(
    m: &mut Machine,
    mut ops: Vec<Op>,
    mut what: Vec<String>,
    budget: Duration,
) -> (Vec<Op>, Vec<String>) {
    let t0 = Instant::now();
    let sig = signature(&what);
    let mut chunk = ops.len() / 2;
    while chunk >= 1 && t0.elapsed() < budget {
        let mut i = 0;
        let mut progress = false;
        while i < ops.len() && t0.elapsed() < budget {
            let mut cand = ops.clone();
            cand.drain(i..(i + chunk).min(cand.len()));
            m.reset();
            let bad = m.check();
            if !bad.is_empty() {
                // The reset itself does not give the boot state back: stop here.
                let mut what = vec![
                    "(shrinking stopped: removing everything did not give the boot state back:"
                        .to_string(),
                ];
                what.extend(bad);
                what.push(")".into());
                return (ops, what);
            }
            match run_ops(m, &cand, false) {
                Err(f) if signature(&f.what) == sig => {
                    cand.truncate(f.at + 1);
                    ops = cand;
                    what = f.what;
                    progress = true;
                }
                _ => i += chunk,
            }
        }
        if !progress {
            chunk /= 2;
        }
    }
    m.reset();
    (ops, what)
}

// ---------------------------------------------------------------------------------------------
// Concurrent mode

/// Runs `threads` writers, a hotplug thread, a task mover and a /proc reader for `epochs`
/// epochs of `per` operations each, checking at the quiescent point after each epoch.
/// Leaves out the operation kinds of `--without`.
fn restrict(g: &mut Gen, without: &[String]) {
    let without = |k: &str| without.iter().any(|w| w == k);
    g.hotplug &= !without("hotplug");
    g.exclusive &= !without("exclusive");
    if without("remote") {
        g.remotes.clear();
    }
    if without("nested") {
        g.dirs.retain(|d| !d.contains('/'));
    }
}

fn concurrent(
    m: &mut Machine,
    seed: u64,
    threads: usize,
    ops: u64,
    without: &[String],
    t: &mut Tap,
) -> u64 {
    let per = 10u64;
    let workers = threads + 2;
    let epochs = (ops / (per * workers as u64)).max(1);
    let ncpus = m.boot.ncpus;
    let barrier = Arc::new(Barrier::new(workers + 1));
    let progress = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let last: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(vec![String::new(); workers]));
    let busy = m.busy.id();
    let tops: Vec<String> = (0..threads)
        .flat_map(|i| [format!("cw{i}"), format!("ck{i}")])
        .collect();
    m.tops.extend(tops.iter().cloned());
    let wd = Arc::new(Mutex::new(m.req.watchdog));
    let mut handles = Vec::new();
    for w in 0..workers {
        let without = without.to_vec();
        let (barrier, progress, stop, last, wd) = (
            barrier.clone(),
            progress.clone(),
            stop.clone(),
            last.clone(),
            wd.clone(),
        );
        let dirs: Vec<String> = (0..threads)
            .flat_map(|i| {
                [
                    format!("cw{i}"),
                    format!("cw{i}/a"),
                    format!("cw{i}/a/b"),
                    format!("cw{i}/c"),
                ]
            })
            .collect();
        handles.push(thread::spawn(move || {
            // Writer w owns cw{w} and the remote path ck{w}/pod/ctr; the last two threads are
            // the hotplug thread and the task mover.
            let mut g = Gen {
                rng: Rng::new(seed ^ ((w as u64 + 1) << 48)),
                ncpus,
                dirs: if w < threads {
                    vec![
                        format!("cw{w}"),
                        format!("cw{w}/a"),
                        format!("cw{w}/a/b"),
                        format!("cw{w}/c"),
                    ]
                } else {
                    dirs
                },
                remotes: if w < threads {
                    vec![format!("ck{w}/pod/ctr")]
                } else {
                    vec![]
                },
                hotplug: true,
                exclusive: true,
                pin: false,
                faults: false,
            };
            restrict(&mut g, &without);
            let hotplug = g.hotplug;
            for _ in 0..epochs {
                let mut mine = Vec::new();
                for _ in 0..per {
                    let op = if w < threads {
                        loop {
                            let op = g.op();
                            if !matches!(
                                op,
                                Op::Move(_) | Op::Watchdog(_) | Op::Offline(_) | Op::Online(_)
                            ) {
                                break op;
                            }
                        }
                    } else if w == threads {
                        match g.rng.below(10) {
                            0..=3 if hotplug => Op::Offline(g.cpu()),
                            4..=8 if hotplug => Op::Online(g.cpu()),
                            _ => Op::Watchdog(format!("0-{}", g.rng.below(ncpus - 1) + 1)),
                        }
                    } else if g.rng.chance(20) {
                        Op::Move(String::new())
                    } else {
                        Op::Move(g.dir())
                    };
                    if let Op::Watchdog(l) = &op {
                        let mut req = wd.lock().unwrap();
                        if write(WD, l).is_ok() {
                            if let Some(s) = parse_list(l) {
                                *req = s;
                            }
                        }
                    } else {
                        let _ = apply_cgroup(&op, busy);
                    }
                    mine.push(op.shell());
                    progress.fetch_add(1, Ordering::Relaxed);
                }
                last.lock().unwrap()[w] = mine.join("\n#   ");
                barrier.wait(); // quiescent: the main thread checks
                barrier.wait(); // checked
                if stop.load(Ordering::Relaxed) {
                    break;
                }
            }
        }));
    }
    // The /proc reader: what top, node exporters and irqbalance do meanwhile.
    let reader = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for f in [
                    "/proc/stat",
                    "/proc/interrupts",
                    "/sys/fs/cgroup/cpuset.housekeeping",
                    "/sys/devices/system/cpu/nohz_full",
                    "/proc/softirqs",
                ] {
                    let _ = fs::read(f);
                }
                n += 1;
            }
            n
        })
    };
    // Hang detection: no operation finishing for a minute.
    let hang = {
        let (progress, stop) = (progress.clone(), stop.clone());
        thread::spawn(move || {
            let mut seen = progress.load(Ordering::Relaxed);
            let mut since = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_secs(1));
                let now = progress.load(Ordering::Relaxed);
                if now != seen {
                    seen = now;
                    since = Instant::now();
                } else if since.elapsed() > Duration::from_secs(60) {
                    println!("not ok 999 concurrent: no operation finished in 60 s (seed {seed}); blocked tasks in the kernel log");
                    let _ = write("/proc/sysrq-trigger", "w");
                    thread::sleep(Duration::from_secs(2));
                    std::process::exit(1);
                }
            }
        })
    };
    let mut divergences = 0;
    let mut done = 0;
    for e in 0..epochs {
        barrier.wait();
        m.req.watchdog = *wd.lock().unwrap();
        let bad = m.check();
        done = e + 1;
        if !bad.is_empty() {
            divergences += 1;
            t.check(
                false,
                &format!("concurrent: state after epoch {} of seed {seed}", e + 1),
            );
            for b in &bad {
                println!("#   {b}");
            }
            println!("#   the epoch's operations, by thread:");
            for (w, ops) in last.lock().unwrap().iter().enumerate() {
                println!("#  thread {w}:\n#   {ops}");
            }
            stop.store(true, Ordering::Relaxed);
        }
        barrier.wait();
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    let reads = reader.join().unwrap_or(0);
    let _ = hang.join();
    let n = progress.load(Ordering::Relaxed);
    if divergences == 0 {
        t.check(true, &format!("concurrent: {threads} writers, hotplug, task mover and /proc reader: {n} operations in {done} epochs, state right at every quiescent point ({reads} /proc read rounds)"));
    }
    n
}

// ---------------------------------------------------------------------------------------------

struct Args {
    seed: u64,
    ops: u64,
    threads: usize,
    faults: bool,
    verbose: bool,
    /// Operation kinds left out: `hotplug`, `remote`, `exclusive`, `nested`.
    without: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        seed: 0,
        ops: 1000,
        threads: 0,
        faults: false,
        verbose: false,
        without: Vec::new(),
    };
    let mut seed = None;
    // The kernel command line first (./dhei fuzz), then the program's arguments.
    let cmdline = read("/proc/cmdline").unwrap_or_default();
    let mut kv: Vec<(String, String)> = cmdline
        .split(' ')
        .filter_map(|w| w.strip_prefix("dhei.fuzz_"))
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let cmdline_ops = kv.iter().any(|(k, _)| k == "ops");
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(k) = it.next() {
        match k.as_str() {
            "--faults" => a.faults = true,
            "--verbose" => a.verbose = true,
            k => {
                if let (Some(k), Some(v)) = (k.strip_prefix("--"), it.next()) {
                    if !kv.iter().any(|(x, _)| x == k) {
                        kv.push((k.to_string(), v.clone()));
                    }
                }
            }
        }
    }
    for (k, v) in kv {
        match k.as_str() {
            "seed" => seed = v.parse().ok(),
            "ops" => a.ops = v.parse().unwrap_or(a.ops),
            "threads" => a.threads = v.parse().unwrap_or(0),
            "faults" => a.faults = v == "1",
            "verbose" => a.verbose = v == "1",
            "without" => a.without = v.split(',').map(String::from).collect(),
            _ => {}
        }
    }
    // The configuration matrix of ./dhei test boots its debug kernels, several times slower,
    // with dhei.quick=1: a fifth of the operations, as the shell tests' long loops, unless
    // the count came from the command line (./dhei fuzz --ops).
    if !cmdline_ops && cmdline.split_whitespace().any(|w| w == "dhei.quick=1") {
        a.ops = (a.ops / 5).max(100);
    }
    a.seed = seed.unwrap_or_else(|| {
        let mut b = [0u8; 8];
        let _ = fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
        u64::from_le_bytes(b) % 1_000_000_000
    });
    a
}

/// A TAP check that the kernel matches the model now, naming the differences.
fn state_check(t: &mut Tap, m: &mut Machine, what: &str) {
    let bad = m.check();
    let detail = if bad.is_empty() {
        String::new()
    } else {
        format!(": {}", bad.join("; "))
    };
    t.check(bad.is_empty(), &format!("{what}{detail}"));
}

fn main() {
    let a = args();
    let mut t = Tap { n: 0, failed: 0 };
    println!("TAP version 13");
    let boot = match Boot::read() {
        Ok(b) => b,
        Err(e) => {
            t.check(false, &format!("read the boot state: {e}"));
            println!("1..{}", t.n);
            std::process::exit(1);
        }
    };
    let _ = write(&format!("{CG}/cgroup.subtree_control"), "+cpuset");
    let busy = Command::new("/bin/sh")
        .args(["-c", "while :; do :; done"])
        .spawn()
        .expect("spawn a busy loop");
    let mode = if a.threads > 0 {
        format!("concurrent, {} writers", a.threads)
    } else {
        "sequential".into()
    };
    println!(
        "# dhei-fuzz: seed {} ops {} ({mode}{}); replay: ./dhei fuzz --seed {} --ops {}{}{}{}{}",
        a.seed,
        a.ops,
        if a.faults { ", faults" } else { "" },
        a.seed,
        a.ops,
        if a.threads > 0 {
            format!(" --threads {}", a.threads)
        } else {
            String::new()
        },
        if a.faults { " --faults" } else { "" },
        if a.without.is_empty() {
            String::new()
        } else {
            format!(" --without {}", a.without.join(","))
        },
        if read("/proc/cmdline")
            .unwrap_or_default()
            .contains("nohz_full=dynamic")
        {
            " --dynamic"
        } else {
            ""
        }
    );
    println!(
        "# boot: {}{} CPUs, features {}, domain {}, wq {}, watchdog {}, nohz_full '{}', fault injection {}",
        if boot.stock { "stock kernel (cpuset invariants only), " } else { "" },
        boot.ncpus,
        boot.snap.available,
        boot.snap.boot[HkType::Domain.index()],
        boot.wq,
        boot.watchdog,
        boot.nohz_full,
        if boot.has_faults { "yes" } else { "no" }
    );
    let has_faults = boot.has_faults;
    let pinned = pid_of(PINNED);
    let mut m = Machine {
        req: Requested {
            watchdog: boot.watchdog,
            pin: None,
        },
        boot,
        busy,
        pinned,
        kmsg: Kmsg::open(),
        tops: vec!["fz".into(), "fy".into(), "kp".into()],
    };
    state_check(&mut t, &mut m, "the boot state is one the model derives");
    let t0 = Instant::now();
    let ran = if a.threads > 0 {
        concurrent(&mut m, a.seed, a.threads, a.ops, &a.without, &mut t)
    } else {
        let mut g = Gen {
            rng: Rng::new(a.seed),
            ncpus: m.boot.ncpus,
            dirs: [
                "fz", "fz/a", "fz/b", "fz/a/c", "fz/a/d", "fz/b/c", "fz/a/c/e", "fy", "fy/a",
            ]
            .map(String::from)
            .to_vec(),
            remotes: vec!["kp/pod/ctr".into(), "kp/pod2/ctr".into()],
            hotplug: true,
            exclusive: true,
            pin: m.pinned.is_some() && !m.boot.stock,
            faults: a.faults && has_faults,
        };
        restrict(&mut g, &a.without);
        let ops: Vec<Op> = (0..a.ops).map(|_| g.op()).collect();
        let res = run_ops(&mut m, &ops, a.verbose);
        println!(
            "# {} operations in {:.1} s",
            res.as_ref().map_or_else(|f| f.at + 1, |_| ops.len()),
            t0.elapsed().as_secs_f64()
        );
        match res {
            Ok(()) => {
                t.check(true, &format!("sequential: {} operations, the kernel matched the model after each (seed {})", ops.len(), a.seed));
                ops.len() as u64
            }
            Err(f) => {
                t.check(
                    false,
                    &format!(
                        "sequential: divergence after operation {} of seed {}",
                        f.at + 1,
                        a.seed
                    ),
                );
                for b in &f.what {
                    println!("#   {b}");
                }
                println!("#   operation {}: {}", f.at + 1, ops[f.at].shell());
                m.dump();
                if f.what.iter().all(|w| w.starts_with("kernel: ")) {
                    // A report may be printed once per boot (WARN_ON_ONCE): replaying in
                    // this boot cannot show it again, so there is nothing to shrink here.
                    println!(
                        "# not shrunk (kernel reports may show once per boot); the operations:"
                    );
                    for op in &ops[..=f.at] {
                        println!("#   {}", op.shell());
                    }
                    m.reset();
                    println!("1..{}", t.n);
                    std::process::exit(1);
                }
                let (short, what) = shrink(
                    &mut m,
                    ops[..=f.at].to_vec(),
                    f.what.clone(),
                    Duration::from_secs(120),
                );
                println!("# shortest reproducer found ({} operations; BUSY is a busy loop's pid), diverging with:", short.len());
                if short.len() < f.at + 1 {
                    m.reset();
                    let _ = run_ops(&mut m, &short, false);
                    m.dump();
                    m.reset();
                }
                for b in &what {
                    println!("#   {b}");
                }
                for op in &short {
                    println!("#   {}", op.shell());
                }
                f.at as u64 + 1
            }
        }
    };
    if a.threads > 0 {
        println!("# {ran} operations in {:.1} s", t0.elapsed().as_secs_f64());
    }
    m.reset();
    state_check(
        &mut t,
        &mut m,
        "after removing everything the state is the boot state",
    );
    let hk = hk_lines();
    let mut again = String::new();
    for ty in HkType::ALL {
        let _ = write!(again, "{} ", hk.get(ty.name()).cloned().unwrap_or_default());
    }
    let mut want = String::new();
    for ty in HkType::ALL {
        let _ = write!(want, "{} ", m.boot.snap.boot[ty.index()]);
    }
    if !m.boot.stock {
        t.check(
            again == want,
            "every housekeeping mask is its boot mask again",
        );
    }
    let _ = m.busy.kill();
    let _ = m.busy.wait();
    println!("1..{}", t.n);
    std::process::exit(if t.failed == 0 { 0 } else { 1 });
}
