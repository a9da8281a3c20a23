// SPDX-License-Identifier: GPL-2.0

//! `dhei-forker VMAS MS`: forks children that sleep MS milliseconds and exit, one after the
//! other, until it is killed. It first maps VMAS separate anonymous areas of a page each and
//! touches them, so that each fork() spends its time copying them: between copying the
//! parent's CPUs (early in fork) and linking the child into the parent's cgroup (late). The
//! fork test of dhei_domain.sh runs partition changes meanwhile.

use std::io::Error;
use std::process::exit;

fn fail(what: &str) -> ! {
    eprintln!("dhei-forker: {what}: {}", Error::last_os_error());
    exit(1);
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let (Some(vmas), Some(ms)) = (
        argv.get(1).and_then(|n| n.parse::<usize>().ok()),
        argv.get(2).and_then(|n| n.parse::<i64>().ok()),
    ) else {
        eprintln!("usage: dhei-forker VMAS MS");
        exit(2);
    };
    // SAFETY: sysconf() has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    for i in 0..vmas {
        // Alternate the protection so that neighbouring areas never merge into one.
        let prot = if i % 2 == 0 {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a new private anonymous mapping; nothing else refers to it.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                page,
                prot,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            fail("mmap");
        }
    }
    let nap = libc::timespec {
        tv_sec: ms / 1000,
        tv_nsec: (ms % 1000) * 1_000_000,
    };
    loop {
        // SAFETY: the child only calls async-signal-safe functions (nanosleep, _exit).
        match unsafe { libc::fork() } {
            -1 => {
                // Out of processes or memory for a moment: let children exit, then go on.
                // SAFETY: a plain system call on a valid timespec.
                unsafe { libc::nanosleep(&nap, std::ptr::null_mut()) };
            }
            0 => {
                // SAFETY: as above.
                unsafe {
                    libc::nanosleep(&nap, std::ptr::null_mut());
                    libc::_exit(0);
                }
            }
            _ => {}
        }
        // Reap the children that exited, without waiting for the others.
        // SAFETY: a plain system call; a null status pointer is allowed.
        while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
    }
}
