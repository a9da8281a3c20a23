// SPDX-License-Identifier: GPL-2.0

//! Host build of the cpuset isolation planning core.
//!
//! Includes the kernel source file verbatim under `#![no_std]`, so a clean
//! build here also checks that the file needs nothing beyond `core`.

#![no_std]
#![deny(missing_docs, unreachable_pub, rust_2018_idioms)]

#[path = "../../../../../../../kernel/cgroup/cpuset_isolation/plan.rs"]
pub mod plan;
