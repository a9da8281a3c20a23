// SPDX-License-Identifier: GPL-2.0

//! Guest harness: drives cgroupfs through the `cgroups-rs` crate, the way container runtimes
//! do, and checks from outside what isolated partitions do to the housekeeping state. Prints
//! TAP. cgroups-rs 0.5 has no API for `cpuset.cpus.partition` and `cpuset.cpus.exclusive`;
//! those two files are written directly.

use cgroups_rs::fs::cpuset::CpuSetController;
use cgroups_rs::fs::{hierarchies, Cgroup};
use cgroups_rs::CgroupPid;
use std::fs;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::Duration;

const ROOT: &str = "/sys/fs/cgroup";

mod tap;
use tap::Tap;

fn read(path: &str) -> String {
    fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn write(path: &str, value: &str) -> bool {
    fs::write(path, value).is_ok()
}

/// The live mask of one housekeeping type, from cpuset.housekeeping.
fn hk(kind: &str) -> String {
    read(&format!("{ROOT}/cpuset.housekeeping"))
        .lines()
        .find_map(|l| l.strip_prefix(kind).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_default()
        .to_string()
}

fn cpuset(cg: &Cgroup) -> &CpuSetController {
    cg.controller_of::<CpuSetController>()
        .expect("cpuset controller")
}

fn partition(cg: &Cgroup) -> String {
    read(&format!("{ROOT}/{}/cpuset.cpus.partition", cg.path()))
}

fn set_partition(cg: &Cgroup, kind: &str) -> bool {
    write(&format!("{ROOT}/{}/cpuset.cpus.partition", cg.path()), kind)
}

fn allowed(pid: u32) -> String {
    read(&format!("/proc/{pid}/status"))
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn spin() -> Child {
    Command::new("/bin/sh")
        .args(["-c", "while :; do :; done"])
        .spawn()
        .expect("spawn a busy loop")
}

fn main() {
    let mut t = Tap { n: 0, failed: 0 };
    let all = read("/sys/devices/system/cpu/possible");
    println!("TAP version 13");
    println!("1..15");

    t.check(
        hierarchies::is_cgroup2_unified_mode(),
        "cgroup v2 unified hierarchy",
    );

    // A plain partition with a task in it, as a runtime would make it.
    let rt = Cgroup::new(hierarchies::auto(), "harness_rt").expect("create harness_rt");
    t.check(cpuset(&rt).set_cpus("2-3").is_ok(), "set cpuset.cpus 2-3");
    t.check(set_partition(&rt, "isolated"), "write isolated");
    t.eq("partition is isolated", "isolated", &partition(&rt));
    // cgroups-rs 0.5 reads the v1 name for effective CPUs; cpuset.cpus works on v2.
    let cpus = cpuset(&rt).cpuset().cpus;
    let effective = read(&format!("{ROOT}/{}/cpuset.cpus.effective", rt.path()));
    t.eq(
        "cgroups-rs reads cpuset.cpus 2-3, effective 2-3",
        "[(2, 3)] 2-3",
        &format!("{cpus:?} {effective}"),
    );
    let mut child = spin();
    t.check(
        rt.add_task_by_tgid(CgroupPid::from(child.id() as u64))
            .is_ok(),
        "move a busy task into the partition",
    );
    sleep(Duration::from_millis(100));
    t.eq("the task may run on 2-3 only", "2-3", &allowed(child.id()));
    t.eq("domain housekeeping loses 2-3", "0-1,4-7", &hk("domain"));
    let _ = child.kill();
    let _ = child.wait();
    sleep(Duration::from_millis(100));
    t.check(rt.delete().is_ok(), "delete the partition cgroup");
    t.eq("deleting it releases 2-3", &all, &hk("domain"));

    // systemd-style slice and scope.
    let slice = Cgroup::new(hierarchies::auto(), "machine.slice").expect("create slice");
    let _ = cpuset(&slice).set_cpus("4-5");
    let _ = set_partition(&slice, "root");
    let scope = Cgroup::new(hierarchies::auto(), "machine.slice/x.scope").expect("create scope");
    let _ = cpuset(&scope).set_cpus("4-5");
    let _ = set_partition(&scope, "isolated");
    t.eq(
        "systemd-style scope is isolated",
        "isolated",
        &partition(&scope),
    );
    t.eq("timer housekeeping loses 4-5", "0-3,6-7", &hk("timer"));
    let _ = scope.delete();
    let _ = set_partition(&slice, "member");
    let _ = slice.delete();

    // Kubernetes-style remote partition: exclusive CPUs written down the tree.
    let levels = ["kubepods", "kubepods/pod", "kubepods/pod/ctr"];
    let cgs: Vec<Cgroup> = levels
        .iter()
        .map(|p| Cgroup::new(hierarchies::auto(), p).expect("create kubepods level"))
        .collect();
    for cg in &cgs {
        let _ = write(
            &format!("{ROOT}/{}/cpuset.cpus.exclusive", cg.path()),
            "6-7",
        );
    }
    let ctr = &cgs[2];
    let _ = cpuset(ctr).set_cpus("6-7");
    let _ = set_partition(ctr, "isolated");
    t.eq(
        "remote container partition is isolated",
        "isolated",
        &partition(ctr),
    );
    t.eq("kthread housekeeping loses 6-7", "0-5", &hk("kthread"));
    for cg in cgs.iter().rev() {
        let _ = cg.delete();
    }
    t.eq("removing the pod restores every type", &all, &hk("kthread"));

    std::process::exit(if t.failed == 0 { 0 } else { 1 });
}
