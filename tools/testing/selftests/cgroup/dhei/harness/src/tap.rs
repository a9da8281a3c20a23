// SPDX-License-Identifier: GPL-2.0

//! TAP output shared by the guest programs.

/// Numbered TAP results and the count of failures.
pub(crate) struct Tap {
    pub(crate) n: u32,
    pub(crate) failed: u32,
}

impl Tap {
    pub(crate) fn check(&mut self, ok: bool, what: &str) {
        self.n += 1;
        if ok {
            println!("ok {} {}", self.n, what);
        } else {
            println!("not ok {} {}", self.n, what);
            self.failed += 1;
        }
    }

    pub(crate) fn eq(&mut self, what: &str, want: &str, got: &str) {
        if want == got {
            self.check(true, what);
        } else {
            self.check(false, &format!("{what} (expected '{want}', got '{got}')"));
        }
    }
}
