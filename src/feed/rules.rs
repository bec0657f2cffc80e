//! What a feed says only as a whole, not row by row.
//!
//! - **One booking, one id.** A booking id used by two rows is a faulty export: both rows
//!   would share idempotency keys and reminders, and a sender that de-duplicates by key would
//!   drop one patient's. The second row is rejected, naming the field. Ids are remembered as
//!   64-bit hashes (8 bytes a booking), so a feed of millions of rows stays small in memory.
//! - **One flag for a group (R17).** The rows of one group booking (the same clinic and
//!   `group_id`) share one reminder flag: switched off for the group, no member is reminded.
//!   Rows that disagree are a conflict, reported as a warning; the flag that applies is off,
//!   since a flag is on by default and off only when staff switched it off. Because a group's
//!   last row may come at the end of the feed, group rows are held (owned) and evaluated after
//!   every other row, groups in the order they first appear; everything else streams.

use std::collections::HashMap;

use rustc_hash::FxHashSet;

use super::{Location, Reject};
use crate::booking::Booking;

/// What to do with a booking row.
#[derive(Debug)]
pub enum Admit {
    /// Evaluate it now.
    Now,
    /// It belongs to a group: it is held and comes back from [`FeedRules::finish`].
    Held,
    /// Its id was used by an earlier row: reject it.
    Duplicate(Reject),
}

/// Rows of one group booking that disagree on the reminder flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConflict {
    pub clinic: String,
    pub group_id: String,
    /// Rows with the flag on and off.
    pub on: usize,
    pub off: usize,
}

#[derive(Default)]
struct Group {
    rows: Vec<(Location, Booking<'static>)>,
    on: usize,
    off: usize,
}

#[derive(Default)]
pub struct FeedRules {
    seen: FxHashSet<u64>,
    groups: Vec<Group>,
    group_index: HashMap<(String, String), usize>,
}

impl FeedRules {
    pub fn admit(&mut self, location: Location, booking: &Booking<'_>) -> Admit {
        let id = xxhash_rust::xxh3::xxh3_64(booking.id.as_bytes());
        if !self.seen.insert(id) {
            return Admit::Duplicate(Reject {
                location,
                booking_id: Some(booking.id.to_string()),
                field: Some("booking_id"),
                reason: "is the id of an earlier row too: each booking needs its own id, or its reminders could go to the wrong patient"
                    .to_string(),
            });
        }
        let Some(group_id) = &booking.group_id else {
            return Admit::Now;
        };
        let next = self.groups.len();
        let index = *self
            .group_index
            .entry((booking.clinic.to_string(), group_id.to_string()))
            .or_insert(next);
        if index == next {
            self.groups.push(Group::default());
        }
        let group = &mut self.groups[index];
        if booking.reminder {
            group.on += 1;
        } else {
            group.off += 1;
        }
        group.rows.push((location, booking.clone().into_owned()));
        Admit::Held
    }

    /// The held group rows, each with its group's flag, and the groups whose rows disagreed.
    pub fn finish(self) -> (Vec<(Location, Booking<'static>)>, Vec<GroupConflict>) {
        let mut rows = Vec::new();
        let mut conflicts = Vec::new();
        for group in self.groups {
            let flag = group.off == 0;
            if group.on > 0 && group.off > 0 {
                if let Some((_, first)) = group.rows.first() {
                    conflicts.push(GroupConflict {
                        clinic: first.clinic.to_string(),
                        group_id: first.group_id.as_deref().unwrap_or_default().to_string(),
                        on: group.on,
                        off: group.off,
                    });
                }
            }
            rows.extend(group.rows.into_iter().map(|(location, mut booking)| {
                booking.reminder = flag;
                (location, booking)
            }));
        }
        (rows, conflicts)
    }
}

/// The group rule for bookings already in memory (a test case): every member of a group gets
/// the group's flag. Returns the conflicts.
pub fn settle_groups(bookings: &mut [Booking<'_>]) -> Vec<GroupConflict> {
    let mut rules = FeedRules::default();
    for (i, booking) in bookings.iter().enumerate() {
        rules.admit(Location::Entry(i), booking);
    }
    let (rows, conflicts) = rules.finish();
    for (location, settled) in rows {
        if let Location::Entry(i) = location {
            bookings[i].reminder = settled.reminder;
        }
    }
    conflicts
}
