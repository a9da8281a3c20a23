// SPDX-License-Identifier: GPL-2.0

//! Host build of the cpuset isolation planning core.
//!
//! Includes the kernel source file verbatim under `#![no_std]`, so a clean
//! build here also checks that the file needs nothing beyond `core`.

#![no_std]
#![deny(missing_docs, unreachable_pub, rust_2018_idioms)]

#[path = "../../../../../../../kernel/cgroup/cpuset_isolation/plan.rs"]
pub mod plan;

use plan::{CpuSet, Plan, Refusal, Request, Snapshot};

/// A set of `W` words that owns them (`64 * W` CPUs).
pub type Set<const W: usize> = CpuSet<[usize; W]>;

/// [`plan::plan`] into a new plan of `W`-word sets, as the tests use it.
pub fn plan_new<const W: usize>(
    snap: &Snapshot<[usize; W]>,
    current: &Set<W>,
    req: &Request<'_, [usize; W]>,
) -> Result<Plan<[usize; W]>, Refusal> {
    let mut out = Plan::from_fn(|| [0; W]);
    plan::plan(snap, current, req, &mut out).map(|()| out)
}
