//! What a feed says only as a whole, not row by row.
//!
//! - **One booking, one id.** A booking id used by two rows is a faulty export: both rows
//!   would share idempotency keys and reminders, and a sender that de-duplicates by key would
//!   drop one patient's. The second row is rejected, naming the field. Ids are remembered as
//!   64-bit hashes (8 bytes a booking), so a feed of millions of rows stays small in memory.
//! - **One flag for a group (R17).** The rows of one group booking (the same clinic and
//!   `group_id`) share one reminder flag: switched off for the group, no member is reminded.
//!   Rows that disagree are a conflict, reported as a warning; the flag that applies is off,
//!   since a flag is on by default and off only when staff switched it off. A group's last row
//!   may come at the end of the feed, so group rows are held back (the caller keeps them, in a
//!   temporary file: see [`crate::feed::csv::write_booking`]) and evaluated after every other
//!   row with [`FeedRules::group_flag`]; everything else streams. Only the count of rows with
//!   the flag on and off is kept per group.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Location, Problem, Reject};
use crate::booking::{Booking, id_hash};

/// What to do with a booking row.
#[derive(Debug)]
pub enum Admit {
    /// Evaluate it now.
    Now,
    /// It belongs to a group: hold it, and evaluate it after the feed with the group's flag.
    Hold,
    /// Its id was used by an earlier row: reject it.
    Duplicate(Reject),
}

/// The reject of a row whose booking id an earlier row used.
pub fn duplicate(location: Location, booking: &Booking<'_>) -> Reject {
    Reject {
        location,
        booking_id: Some(booking.id.to_string()),
        field: Some("booking_id"),
        problem: Problem::DuplicateBookingId,
        severity: Default::default(),
        input: None,
    }
}

/// Rows of one group booking that disagree on the reminder flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConflict {
    pub clinic: String,
    pub group_id: String,
    /// Rows with the flag on and off.
    pub on: u64,
    pub off: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    on: u64,
    off: u64,
}

#[derive(Default)]
pub struct FeedRules {
    /// The ids seen, by [`id_hash`], in 256 sets by the hash's first byte: a set that grows
    /// copies itself, and one of 256 copies a 256th of the ids, not all of them at once.
    seen: Vec<FxHashSet<u64>>,
    groups: FxHashMap<(String, String), Flags>,
}

impl FeedRules {
    pub fn admit(&mut self, location: Location, booking: &Booking<'_>) -> Admit {
        if !self.first_use(id_hash(&booking.id)) {
            return Admit::Duplicate(duplicate(location, booking));
        }
        if booking.group_id.is_none() {
            return Admit::Now;
        }
        self.note_group(booking);
        Admit::Hold
    }

    /// Whether the id (by [`id_hash`]) is used for the first time; it is remembered.
    pub fn first_use(&mut self, id: u64) -> bool {
        if self.seen.is_empty() {
            self.seen.resize_with(256, FxHashSet::default);
        }
        self.seen[(id >> 56) as usize].insert(id)
    }

    /// Forgets an id remembered by [`FeedRules::first_use`] (rows taken back to be read again).
    pub fn forget(&mut self, id: u64) {
        if let Some(set) = self.seen.get_mut((id >> 56) as usize) {
            set.remove(&id);
        }
    }

    /// Counts the booking's reminder flag for its group, if it has one.
    pub fn note_group(&mut self, booking: &Booking<'_>) {
        let Some(group_id) = &booking.group_id else {
            return;
        };
        let flags = self
            .groups
            .entry((booking.clinic.to_string(), group_id.to_string()))
            .or_default();
        if booking.reminder {
            flags.on += 1;
        } else {
            flags.off += 1;
        }
    }

    /// The reminder flag of the booking's group, once every row was admitted: off when any
    /// row of the group has it off. A booking of no group keeps its own.
    pub fn group_flag(&self, booking: &Booking<'_>) -> bool {
        let Some(group_id) = &booking.group_id else {
            return booking.reminder;
        };
        self.groups
            .get(&(booking.clinic.to_string(), group_id.to_string()))
            .map_or(booking.reminder, |flags| flags.off == 0)
    }

    /// The groups whose rows disagreed, by clinic and group id.
    pub fn conflicts(&self) -> Vec<GroupConflict> {
        let sorted: BTreeMap<&(String, String), &Flags> = self
            .groups
            .iter()
            .filter(|(_, f)| f.on > 0 && f.off > 0)
            .collect();
        sorted
            .into_iter()
            .map(|((clinic, group_id), flags)| GroupConflict {
                clinic: clinic.clone(),
                group_id: group_id.clone(),
                on: flags.on,
                off: flags.off,
            })
            .collect()
    }
}

/// The group rule for bookings already in memory (a test case): every member of a group gets
/// the group's flag. Returns the conflicts.
pub fn settle_groups(bookings: &mut [Booking<'_>]) -> Vec<GroupConflict> {
    let mut rules = FeedRules::default();
    for (i, booking) in bookings.iter().enumerate() {
        rules.admit(Location::Entry(i), booking);
    }
    for booking in bookings.iter_mut() {
        booking.reminder = rules.group_flag(booking);
    }
    rules.conflicts()
}
