//! Rule 13: modes. Forecast lists every planned action; due lists only what to send now. Then
//! a booking's outcomes are put in output order.

use super::outcome::Outcome;
use super::{Mode, Options};

/// Keeps, of the outcomes from `first` on (one booking's), what the mode asks for, and orders
/// them: actions by send time, then the reasons for what is not sent. The sort is stable, so
/// ties keep the plan's order.
pub(super) fn finish(options: &Options, first: usize, out: &mut Vec<Outcome>) {
    if options.mode == Mode::Due {
        let (since, now) = (options.since, options.now);
        let mut index = 0;
        out.retain(|o| {
            index += 1;
            index <= first
                || match o {
                    Outcome::Action(a) => {
                        a.unless.is_none()
                            && a.send_at <= now
                            && since.is_none_or(|s| a.send_at > s)
                    }
                    Outcome::Skip(_) => true,
                }
        });
    }
    out[first..].sort_by_key(|o| match o {
        Outcome::Action(a) => (0, Some(a.send_at)),
        Outcome::Skip(_) => (1, None),
    });
}
