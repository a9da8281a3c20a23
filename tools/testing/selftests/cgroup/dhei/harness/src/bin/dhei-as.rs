// SPDX-License-Identifier: GPL-2.0

//! `dhei-as UID COMMAND`: runs `/bin/sh -c COMMAND` as user and group UID, without
//! supplementary groups or capabilities. The guest has no user database; the delegation test
//! uses this to act as a delegated cgroup's owner. It drops privileges itself and calls
//! execv(): std's `Command::uid()` path fails with ENOSYS on the lab kernel.

use std::ffi::CString;
use std::io::Error;
use std::process::exit;

fn fail(what: &str) -> ! {
    eprintln!("dhei-as: {what}: {}", Error::last_os_error());
    exit(126);
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let (Some(id), Some(cmd)) = (argv.get(1).and_then(|u| u.parse::<u32>().ok()), argv.get(2))
    else {
        eprintln!("usage: dhei-as UID COMMAND");
        exit(2);
    };
    let Ok(cmd) = CString::new(cmd.as_str()) else {
        eprintln!("dhei-as: NUL in COMMAND");
        exit(2);
    };
    let sh = c"/bin/sh";
    let args = [
        c"sh".as_ptr(),
        c"-c".as_ptr(),
        cmd.as_ptr(),
        std::ptr::null(),
    ];
    // SAFETY: plain system calls; `args` is a NULL-terminated array of C strings that live
    // until execv() replaces the process.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 {
            fail("setgroups");
        }
        if libc::setgid(id) != 0 {
            fail("setgid");
        }
        // setuid() to a non-zero uid clears the capabilities.
        if libc::setuid(id) != 0 {
            fail("setuid");
        }
        libc::execv(sh.as_ptr(), args.as_ptr());
    }
    fail("execv /bin/sh");
}
