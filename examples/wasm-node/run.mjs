#!/usr/bin/env node
// A host for rem's WebAssembly modules, in plain Node.js (no packages): it reads a booking feed
// and an event feed, evaluates every booking with a module built by
//
//     rem build --target wasm POLICY... -o plan.wasm
//
// and prints the actions as JSON Lines, byte for byte what
//
//     rem eval POLICY... --feed FEED --events EVENTS --now TIME
//
// prints on standard output. It is the reference for hosts in other languages: every step a
// host must take is here, in order, and nothing else. README.md beside it says how to run it.
//
//     node examples/wasm-node/run.mjs plan.wasm bookings.jsonl [events.jsonl] --now TIME
//          [--mode forecast|due] [--since TIME]
//
// The steps:
//   1. Load the module: refuse one whose `rem_abi_version` is not 4; read the plan (policy and
//      message names, kinds, templates) from its `rem-plan` custom section.
//   2. Read the event feed into lists by booking id.
//   3. Read the booking feed (JSON Lines, docs/feed-format.md), applying the whole-feed rules
//      that rem applies before its engine sees a row: a booking id used twice is refused, and
//      the rows of group bookings are evaluated last, with their group's reminder flag.
//   4. For each booking: encode it and its events as the ABI lays them out, copy it into the
//      module's memory (`alloc`), call `evaluate`, and read the outcome records back.
//   5. Write each action as rem writes it (src/output.rs, docs/output-format.md).
//
// The layouts are those of src/wasm/abi.rs; the names below are its names.
//
// Exit status, as rem's: 0 done; 2 an input or the module cannot be used; 3 done, but rows
// (bookings or events) were skipped. A skipped row is named on standard error.

import { readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

// ---------------------------------------------------------------------------------------------
// The ABI (src/wasm/abi.rs). All numbers are little-endian. Instants are whole seconds since
// 1970-01-01T00:00:00Z (i64); dates are days since 1970-01-01 (i32).

const ABI_VERSION = 4;
/** An absent instant: i64::MIN. In JavaScript every i64 is a BigInt. */
const NONE_I64 = -(2n ** 63n);
/** An absent number or string address in an outcome record. */
const NONE_I32 = -1;
/** An absent string of the booking: its offset is u32::MAX. */
const NO_STRING = 0xffffffff;
/** An absent recipient or event in an outcome record. */
const NO_BYTE = 255;

/** The booking's header: where each field is, from the header's start. */
const BOOKING = {
  START: 0, // i64 instant
  CREATED: 8, // i64 instant
  STATUS_AT: 16, // i64 instant, or NONE_I64
  PREVIOUS_START: 24, // i64 instant, or NONE_I64
  BIRTH_DATE: 32, // i32 days since 1970-01-01
  KIND: 36, // one byte each: the value's index in its list (below)
  SOURCE: 37,
  STATUS: 38,
  ID_KIND: 39,
  CONSENT_SOURCE: 40,
  FLAGS: 41, // bits of FLAG
  GUARDIANS: 42, // bits of GUARDIAN
  RECALL: 43, // one byte: 1 for a recall record (a service due again), 0 for a booking
  PATIENT_STATUS: 132, // one byte: PATIENT_STATUSES
  // Strings: u32 offset from the header's start (NO_STRING when absent), u32 length in bytes of
  // UTF-8.
  ID: 44,
  PATIENT_ID: 52,
  CLINIC: 60,
  UNIT: 68,
  EXAM: 76,
  MOBILE: 84,
  EMAIL: 92,
  LANGUAGE: 100,
  GUARDIAN1_MOBILE: 108,
  GUARDIAN2_MOBILE: 116,
  EVENTS: 124, // u32 offset of the first event from the header's start
  EVENT_COUNT: 128, // u32
  RECALL_BOOKED_AT: 136, // i64 instant: when a recall's service was booked, or NONE_I64
  SIZE: 144,
};

const FLAG = {
  REMINDER: 1,
  CONSENT_SMS: 2,
  CONSENT_EMAIL: 4,
  INBOX_ACCOUNT: 8,
  INBOX_NOTIFICATIONS: 16,
  INTERPRETER: 32,
  /** An e-mail address was given but cannot be used (EMAIL is then absent). */
  EMAIL_INVALID: 64,
  /** A mobile number was given but cannot be used (MOBILE is then absent). */
  MOBILE_INVALID: 128,
};

const GUARDIAN = {
  FIRST: 1,
  FIRST_CONSENT_SMS: 2,
  SECOND: 4,
  SECOND_CONSENT_SMS: 8,
  FIRST_MOBILE_INVALID: 16,
  SECOND_MOBILE_INVALID: 32,
};

/** One event of the booking, EVENT.SIZE bytes. */
const EVENT = {
  AT: 0, // i64 instant
  KEY: 8, // the action's key: low 64 bits, then high 64 bits (at 16)
  HAS_KEY: 24, // one byte: 1 when KEY is given
  KIND: 25, // one byte each: EVENT_KINDS, CHANNELS, WHO
  CHANNEL: 26,
  RECIPIENT: 27,
  MESSAGE: 28, // string: u32 offset from the booking's header, u32 length
  REPLY: 40, // string: a reply's first word in upper case; empty for other events
  SIZE: 48,
};

/** What `evaluate` returns: a u32 count, 4 bytes of padding, then the records. */
const OUTCOME = {
  HEADER: 8,
  TAG: 0, // one byte: ACTION or SKIP
  CHANNEL: 1, // one byte: CHANNELS
  RECIPIENT: 2, // one byte: WHO, or NO_BYTE
  ADDRESS: 3, // one byte: ADDRESS
  UNLESS_EVENT: 6, // one byte: EVENT_KINDS, or NO_BYTE
  POLICY: 8, // i32: the policy's place in the plan
  MESSAGE: 12, // i32: the message's place in the policy
  SEND_AT: 32, // i64 instant
  SEND_AT_OFFSET: 40, // i32 seconds east of UTC
  UNLESS_BY_OFFSET: 44, // i32 seconds east of UTC
  UNLESS_BY: 48, // i64 instant
  KEY: 56, // low 64 bits, then high 64 bits (at 64)
  SENDER: 72, // string in the module's memory: i32 address (or NONE_I32), i32 length
  TEXT: 80, // the same
  SIZE: 88,
  ACTION: 1,
  SKIP: 2,
};
// The other fields of a record (ORIGIN 4, REASON 5, TRIGGER 16, COMPLEMENT 20, RULE 24, PARAM
// 28) say why a message was not sent, or which statement made an action; `rem eval` prints
// them only with --explain, and this host does not.

/** Where an action goes: the host spells the address from the booking. */
const ADDRESS = { MOBILE: 0, EMAIL: 1, INBOX: 2, POSTAL: 3, UNIT: 4 };

// The enumerations: a value's number is its place in these lists, the declaration order of the
// `words!` enums of src/schema.rs.
const KINDS = ['single', 'series', 'team', 'group'];
const SOURCES = ['staff', 'portal', 'quick_book'];
const STATUSES = ['booked', 'cancelled', 'pending', 'declined'];
const PATIENT_STATUSES = ['active', 'inactive', 'deceased'];
const ID_KINDS = ['personal', 'coordination', 'reserve'];
const CONSENT_SOURCES = ['none', 'clinic', 'portal', 'registry'];
const CHANNELS = ['sms', 'email', 'inbox', 'paper', 'task', 'booking_system'];
const WHO = ['patient', 'guardian1', 'guardian2', 'staff'];
const EVENT_KINDS = [
  'sent', 'delivered', 'failed', 'opened', 'reply',
  'results_ready', 'invoice_ready', 'rebooked', 'therapy_started',
];
/** Events about the booking name no action; a reply may name the one it answers. */
const ABOUT_BOOKING = ['results_ready', 'invoice_ready', 'rebooked', 'therapy_started'];
/** An absent channel or recipient in an event. */
const NO_BYTE_EVENT = 255;

// ---------------------------------------------------------------------------------------------
// Times. rem reads RFC 3339 times with an offset and keeps whole seconds; it writes them back
// with the offset the module gives. Civil dates are converted with the proleptic Gregorian
// calendar (H. Hinnant's algorithms), so no time-zone library is needed: the module knows the
// zones.

const SECONDS_PER_DAY = 86400;

/** Days since 1970-01-01 of a date of the proleptic Gregorian calendar. */
function daysFromCivil(year, month, day) {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1; // from 1 March
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The date [year, month, day] of a count of days since 1970-01-01. */
function civilFromDays(days) {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153); // month from March = 0
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year, month) {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1);
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 time with an offset, `2026-03-30T09:00:00+02:00`, as whole Unix seconds (a
 * fraction of a second is dropped, as rem drops it), with its local year. Throws when the text
 * is not such a time.
 */
function parseTime(text) {
  const m = typeof text === 'string' ? RFC3339.exec(text) : null;
  if (!m) throw new Error('is not an RFC 3339 time with offset');
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number);
  // A leap second (:60) is read as the second before it, as chrono does.
  const second = Math.min(Number(m[6]), 59);
  const offset = m[7] ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && Number(m[9] ?? 0) <= 23 && Number(m[10] ?? 0) <= 59;
  if (!valid) throw new Error('is not an RFC 3339 time with offset');
  const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 +
    second;
  return { seconds: local - offset, year };
}

/** A booking time: as parseTime, in the years 1900 to 2999 that rem accepts. */
function parseFeedTime(text) {
  const { seconds, year } = parseTime(text);
  if (year < 1900 || year > 2999) throw new Error('is a time outside the years 1900 to 2999');
  return seconds;
}

/** `YYYY-MM-DD` as days since 1970-01-01. */
function parseDate(text) {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  const [year, month, day] = m ? m.slice(1).map(Number) : [];
  if (!m || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error('is not a date YYYY-MM-DD');
  }
  return daysFromCivil(year, month, day);
}

/**
 * `2026-03-29T10:00:00+02:00`: an instant as rem writes it (`output::rfc3339`), in local time
 * at `offset` seconds east of UTC. The offset is written in whole minutes.
 */
function rfc3339(seconds, offset) {
  const local = seconds + offset;
  const days = Math.floor(local / SECONDS_PER_DAY);
  const ofDay = local - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  const two = (n) => String(n).padStart(2, '0');
  const yyyy = (year < 0 ? '-' : '') + String(Math.abs(year)).padStart(4, '0');
  const minutes = Math.floor(Math.abs(offset) / 60);
  return `${yyyy}-${two(month)}-${two(day)}T${two(Math.floor(ofDay / 3600))}:` +
    `${two(Math.floor(ofDay / 60) % 60)}:${two(ofDay % 60)}` +
    `${offset < 0 ? '-' : '+'}${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
}

// ---------------------------------------------------------------------------------------------
// Reading feeds. Both feeds are JSON Lines, split as rem splits them (src/feed/lines.rs): a
// line ends with LF, CRLF or a bare CR; a byte-order mark may start the file; blank lines are
// skipped but counted in line numbers; a line that is not UTF-8 is refused alone.

const isAsciiSpace = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d;

/** The lines of a file that are not blank: { number, line }, `line` null when not UTF-8. */
function linesOf(path) {
  const bytes = readFileSync(path);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lines = [];
  let start = 0;
  let number = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const end = i === bytes.length;
    if (!end && bytes[i] !== 0x0a && bytes[i] !== 0x0d) continue;
    if (end && start === i) break; // the file ended with a line ending
    number += 1;
    let piece = bytes.subarray(start, i);
    if (number === 1 && piece[0] === 0xef && piece[1] === 0xbb && piece[2] === 0xbf) {
      piece = piece.subarray(3); // the byte-order mark
    }
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) i++; // CRLF is one ending
    start = i + 1;
    if (piece.every(isAsciiSpace)) continue;
    let line = null;
    try {
      line = decoder.decode(piece);
    } catch {
      // not UTF-8: `line` stays null
    }
    lines.push({ number, line });
  }
  return lines;
}

/** An error that names the field at fault (never its value: feeds hold personal data). */
function fieldError(field, problem) {
  return new Error(`${field} ${problem}`);
}

/**
 * One booking object of a JSON Lines feed (docs/feed-format.md), as the host keeps it: the
 * values the ABI needs, typed. Throws, naming the field, when a value cannot be encoded.
 *
 * This is not all of rem's row validation: rem also refuses a line over 1 MiB, a field given
 * twice, and e-mail addresses that are not one usable RFC 5322 address (here only what is
 * certainly unusable is caught; see `emailIsCertainlyUnusable`). A feed rem accepts whole,
 * such as examples/bookings.jsonl, is read the same.
 */
function readBooking(row) {
  if (!isObject(row)) throw new Error('the line is not one booking object');
  // `patient` and `guardians` may be absent, but not null.
  const patient = row.patient === undefined ? {} : row.patient;
  if (!isObject(patient)) throw fieldError('patient', 'is not an object');
  const guardianList = row.guardians === undefined ? [] : row.guardians;
  if (!Array.isArray(guardianList)) throw fieldError('guardians', 'is not a list');
  if (guardianList.length > 2) throw fieldError('guardian2_mobile', 'is a third guardian');

  // Absent, null and "" are all "not given".
  const text = (object, name, required = false) => {
    const value = object[name];
    if (value === undefined || value === null || value === '') {
      if (required) throw fieldError(name, 'is missing');
      return null;
    }
    if (typeof value !== 'string') throw fieldError(name, 'is not text');
    return value;
  };
  const word = (object, name, words, fallback) => {
    const value = text(object, name, fallback === undefined);
    if (value === null) return words.indexOf(fallback);
    const index = words.indexOf(value);
    if (index < 0) throw fieldError(name, `is not one of ${words.join(', ')}`);
    return index;
  };
  const flag = (object, name, fallback) => {
    const value = object[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw fieldError(name, 'is not true or false');
    return value;
  };
  // A value read by `parse` (parseFeedTime, parseDate), its errors named by the field.
  const typed = (object, name, parse, required = false) => {
    const value = text(object, name, required);
    if (value === null) return null;
    try {
      return parse(value);
    } catch (error) {
      throw fieldError(name, error.message);
    }
  };
  const time = (object, name, required = false) => typed(object, name, parseFeedTime, required);
  // A number that is not E.164 costs the SMS, not the booking (rem reads national numbers
  // with a feed configuration's phone_region; this host receives them made E.164).
  const phone = (object, name) => {
    const value = text(object, name);
    if (value !== null && !/^\+[1-9][0-9]{7,14}$/.test(value)) {
      return { number: null, invalid: true };
    }
    return { number: value, invalid: false };
  };

  const booking = {
    id: text(row, 'booking_id', true),
    patientId: text(row, 'patient_id', true),
    clinic: text(row, 'clinic', true),
    unit: text(row, 'unit', true),
    exam: text(row, 'exam') ?? '', // an absent exam is the empty string, not "absent"
    kind: word(row, 'kind', KINDS),
    groupId: text(row, 'group_id'),
    source: word(row, 'source', SOURCES),
    status: word(row, 'status', STATUSES),
    statusAt: time(row, 'status_at'),
    start: time(row, 'start', true),
    created: time(row, 'created', true),
    previousStart: time(row, 'previous_start'),
    reminder: flag(row, 'reminder', true),
    birthDate: typed(patient, 'birth_date', parseDate, true),
    idKind: word(patient, 'id_kind', ID_KINDS),
    mobile: phone(patient, 'mobile').number,
    mobileInvalid: phone(patient, 'mobile').invalid,
    patientStatus: word(patient, 'patient_status', PATIENT_STATUSES, 'active'),
    email: text(patient, 'email'),
    emailInvalid: false,
    consentSms: flag(patient, 'consent_sms', false),
    consentEmail: flag(patient, 'consent_email', false),
    consentSource: word(patient, 'consent_source', CONSENT_SOURCES, 'none'),
    inboxAccount: flag(patient, 'inbox_account', false),
    inboxNotifications: flag(patient, 'inbox_notifications', false),
    interpreter: flag(patient, 'interpreter', false),
    language: text(patient, 'language'),
    // A guardian is registered when it gives a mobile or a consent; `{}` keeps guardian 2 in
    // its place without registering guardian 1.
    guardians: [0, 1].map((i) => {
      const g = guardianList[i];
      if (g === undefined) return null;
      if (!isObject(g)) throw fieldError(`guardian${i + 1}_mobile`, 'is not a guardian object');
      const { number: mobile, invalid } = phone(g, 'mobile');
      const consentSms = flag(g, 'consent_sms', false);
      const given =
        mobile !== null || invalid || (g.consent_sms !== undefined && g.consent_sms !== null);
      return given ? { mobile, mobileInvalid: invalid, consentSms } : null;
    }),
  };
  // An unusable e-mail address costs the e-mails only: EMAIL is absent and EMAIL_INVALID set.
  if (booking.email !== null && emailIsCertainlyUnusable(booking.email)) {
    booking.email = null;
    booking.emailInvalid = true;
  }
  if (booking.status === STATUSES.indexOf('cancelled') && booking.statusAt === null) {
    throw fieldError('status_at', 'is missing for a cancelled booking');
  }
  if (booking.previousStart !== null && booking.statusAt === null) {
    throw fieldError('status_at', 'is missing for a moved booking');
  }
  if (booking.created > booking.start) throw fieldError('created', 'is after start');
  return booking;
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether rem would certainly call this e-mail address unusable (src/booking.rs, `is_email`).
 * rem checks RFC 5322 with the `email_address` crate besides; this host does not, so an address
 * that fails only that check is used here and skipped by rem. A production host validates the
 * address as rem does (or receives it validated) and sets EMAIL_INVALID.
 */
function emailIsCertainlyUnusable(email) {
  const at = email.indexOf('@');
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return (
    at < 0 ||
    /[\p{Cc}\p{White_Space}]/u.test(email) || // control characters, spaces, line breaks
    /^[=+\-@\t\r"]/.test(email) || // what a spreadsheet reads as a formula, or a quoted name
    (at === email.lastIndexOf('@') && (!domain.includes('.') || domain.endsWith('.')))
  );
}

/**
 * One event row (docs/feed-format.md, "Event feeds"), or throws naming the field. rem refuses
 * an event dated after --now: it cannot have been reported yet.
 */
function readEvent(row, now) {
  if (!isObject(row)) throw new Error('the line is not one event object');
  // Values that are not text keep their JSON form, as rem reads them.
  const value = (name) => {
    const v = row[name];
    if (v === undefined) return null;
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return s === '' ? null : s;
  };
  const need = (name) => {
    const v = value(name);
    if (v === null) throw fieldError(name, 'is missing');
    return v;
  };
  const oneOf = (name, words) => {
    const index = words.indexOf(need(name));
    if (index < 0) throw fieldError(name, `is not one of ${words.join(', ')}`);
    return index;
  };
  const bookingId = need('booking_id');
  const kind = oneOf('event', EVENT_KINDS);
  const aboutAction = !ABOUT_BOOKING.includes(EVENT_KINDS[kind]) && EVENT_KINDS[kind] !== 'reply';
  const optional = (name, words) =>
    aboutAction || value(name) !== null ? oneOf(name, words) : NO_BYTE_EVENT;
  const channel = optional('channel', CHANNELS);
  const recipient = optional('recipient', WHO);
  // A reply is matched by its first word in upper case, punctuation trimmed (rem's
  // `events::reply_word`); the rest of the patient's text is never kept.
  let reply = '';
  if (EVENT_KINDS[kind] === 'reply') {
    const first = (value('text') ?? '').trim().split(/\s+/u)[0] ?? '';
    reply = first.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').toUpperCase();
    if (reply === '') throw fieldError('text', 'is missing');
  }
  const atText = need('at');
  let at;
  try {
    at = parseTime(atText).seconds;
  } catch (error) {
    throw fieldError('at', error.message);
  }
  // The key: 32 hexadecimal digits, the u128 written high digits first.
  const keyText = value('key');
  if (keyText !== null && !/^[0-9a-fA-F]{32}$/.test(keyText)) {
    throw fieldError('key', 'is not an action key of 32 hexadecimal digits');
  }
  const key = keyText === null ? null : BigInt('0x' + keyText);
  const message = aboutAction ? need('message') : value('message') ?? '';
  if (at > now) throw fieldError('at', 'is after --now');
  return { bookingId, event: { at, key, kind, channel, recipient, message, reply } };
}

// ---------------------------------------------------------------------------------------------
// Encoding a booking for `evaluate`: the header, then its strings, then (8-byte aligned) its
// events, then the events' message names. Offsets count from the header's start; the bytes may
// go anywhere after the header.

const utf8 = new TextEncoder();

function encodeBooking(booking, events) {
  const strings = [];
  let size = BOOKING.SIZE;
  // Reserves room for a string after what is placed so far; returns its offset.
  const place = (text) => {
    const bytes = utf8.encode(text);
    const offset = size;
    strings.push({ offset, bytes });
    size += bytes.length;
    return { offset, length: bytes.length };
  };
  const fields = [
    [BOOKING.ID, booking.id],
    [BOOKING.PATIENT_ID, booking.patientId],
    [BOOKING.CLINIC, booking.clinic],
    [BOOKING.UNIT, booking.unit],
    [BOOKING.EXAM, booking.exam],
    [BOOKING.MOBILE, booking.mobile],
    [BOOKING.EMAIL, booking.email],
    [BOOKING.LANGUAGE, booking.language],
    [BOOKING.GUARDIAN1_MOBILE, booking.guardians[0]?.mobile ?? null],
    [BOOKING.GUARDIAN2_MOBILE, booking.guardians[1]?.mobile ?? null],
  ].map(([at, text]) => [at, text === null ? { offset: NO_STRING, length: 0 } : place(text)]);
  size = Math.ceil(size / 8) * 8;
  const eventsAt = size;
  size += events.length * EVENT.SIZE;
  const messages = events.map((e) => place(e.message));
  const replies = events.map((e) => place(e.reply));

  const bytes = new Uint8Array(size); // zeroed: padding stays 0
  const view = new DataView(bytes.buffer);
  const instant = (at, seconds) =>
    view.setBigInt64(at, seconds === null ? NONE_I64 : BigInt(seconds), true);
  instant(BOOKING.START, booking.start);
  instant(BOOKING.CREATED, booking.created);
  instant(BOOKING.STATUS_AT, booking.statusAt);
  instant(BOOKING.PREVIOUS_START, booking.previousStart);
  bytes[BOOKING.RECALL] = 0; // this host reads bookings only, never a services feed
  instant(BOOKING.RECALL_BOOKED_AT, null);
  view.setInt32(BOOKING.BIRTH_DATE, booking.birthDate, true);
  bytes[BOOKING.KIND] = booking.kind;
  bytes[BOOKING.SOURCE] = booking.source;
  bytes[BOOKING.STATUS] = booking.status;
  bytes[BOOKING.PATIENT_STATUS] = booking.patientStatus;
  bytes[BOOKING.ID_KIND] = booking.idKind;
  bytes[BOOKING.CONSENT_SOURCE] = booking.consentSource;
  const bit = (on, value) => (on ? value : 0);
  bytes[BOOKING.FLAGS] =
    bit(booking.reminder, FLAG.REMINDER) |
    bit(booking.consentSms, FLAG.CONSENT_SMS) |
    bit(booking.consentEmail, FLAG.CONSENT_EMAIL) |
    bit(booking.inboxAccount, FLAG.INBOX_ACCOUNT) |
    bit(booking.inboxNotifications, FLAG.INBOX_NOTIFICATIONS) |
    bit(booking.interpreter, FLAG.INTERPRETER) |
    bit(booking.emailInvalid, FLAG.EMAIL_INVALID) |
    bit(booking.mobileInvalid, FLAG.MOBILE_INVALID);
  const [g1, g2] = booking.guardians;
  bytes[BOOKING.GUARDIANS] =
    bit(g1 !== null, GUARDIAN.FIRST) |
    bit(g1?.consentSms, GUARDIAN.FIRST_CONSENT_SMS) |
    bit(g2 !== null, GUARDIAN.SECOND) |
    bit(g2?.consentSms, GUARDIAN.SECOND_CONSENT_SMS) |
    bit(g1?.mobileInvalid, GUARDIAN.FIRST_MOBILE_INVALID) |
    bit(g2?.mobileInvalid, GUARDIAN.SECOND_MOBILE_INVALID);
  const string = (at, { offset, length }) => {
    view.setUint32(at, offset, true);
    view.setUint32(at + 4, length, true);
  };
  for (const [at, s] of fields) string(at, s);
  view.setUint32(BOOKING.EVENTS, eventsAt, true);
  view.setUint32(BOOKING.EVENT_COUNT, events.length, true);
  events.forEach((e, i) => {
    const at = eventsAt + i * EVENT.SIZE;
    instant(at + EVENT.AT, e.at);
    const key = e.key ?? 0n;
    view.setBigUint64(at + EVENT.KEY, key & 0xffffffffffffffffn, true); // low 64 bits
    view.setBigUint64(at + EVENT.KEY + 8, key >> 64n, true); // high 64 bits
    bytes[at + EVENT.HAS_KEY] = e.key === null ? 0 : 1;
    bytes[at + EVENT.KIND] = e.kind;
    bytes[at + EVENT.CHANNEL] = e.channel;
    bytes[at + EVENT.RECIPIENT] = e.recipient;
    string(at + EVENT.MESSAGE, messages[i]);
    string(at + EVENT.REPLY, replies[i]);
  });
  for (const { offset, bytes: b } of strings) bytes.set(b, offset);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// The module.

/** Thrown for a booking the module fails on; the run goes on with the next. */
class BookingFailed extends Error {}

class PlanModule {
  /** Compiles the module, reads its plan and checks its ABI version; throws if it is unusable. */
  constructor(bytes) {
    this.module = new WebAssembly.Module(bytes);
    const [section] = WebAssembly.Module.customSections(this.module, 'rem-plan');
    if (!section) throw new Error('it has no `rem-plan` section with a plan');
    this.plan = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(section));
    if (this.plan.format !== 'rem-plan' || this.plan.format_version !== 1) {
      throw new Error('its plan is not version 1 of the rem-plan format');
    }
    // The host reads policies[i].name and .messages[j].name, .kind and .template.
    const named = (x) => isObject(x) && typeof x.name === 'string';
    const usable = Array.isArray(this.plan.policies) && this.plan.policies.every((p) =>
      named(p) && Array.isArray(p.messages) &&
      p.messages.every((m) => named(m) && typeof m.kind === 'string'));
    if (!usable) throw new Error('its plan does not name its policies and messages');
    this.start();
  }

  /** A fresh instance. The module imports nothing. */
  start() {
    this.instance = new WebAssembly.Instance(this.module, {});
    const { exports } = this.instance;
    for (const name of ['memory', 'rem_abi_version', 'alloc', 'evaluate']) {
      if (!(name in exports)) throw new Error(`it exports no \`${name}\``);
    }
    const version = exports.rem_abi_version();
    if (version !== ABI_VERSION) {
      throw new Error(
        `it speaks version ${version} of the rem module ABI; this host speaks ${ABI_VERSION}`,
      );
    }
    this.exports = exports;
  }

  /**
   * Evaluates one encoded booking; `now` and `since` are Unix seconds (`since` null for none),
   * `mode` 0 forecast or 1 due. Returns the actions, each as an object of the record's values
   * (strings copied out of the module's memory).
   */
  evaluate(input, now, since, mode) {
    const { memory, alloc, evaluate } = this.exports;
    let list;
    try {
      const at = alloc(input.length) >>> 0;
      // `alloc` may grow the memory, which detaches the old `memory.buffer`: take it anew after
      // every call into the module.
      if (at + input.length > memory.buffer.byteLength) {
        throw new BookingFailed('`alloc` gave memory outside the module\'s');
      }
      new Uint8Array(memory.buffer).set(input, at);
      list = evaluate(at, BigInt(now), since === null ? NONE_I64 : BigInt(since), mode) >>> 0;
    } catch (error) {
      // A trap (RuntimeError) may leave the instance in any state: start anew.
      this.start();
      if (error instanceof BookingFailed) throw error;
      throw new BookingFailed(`the policy module failed on this booking: ${error.message}`);
    }
    return this.readOutcomes(new DataView(memory.buffer), list);
  }

  /**
   * The actions of the outcome list at `list`. A module is untrusted input: every number that
   * names something is checked, and a record that does not fit fails the booking.
   */
  readOutcomes(view, list) {
    const bad = (what) =>
      new BookingFailed(`the policy module gave an outcome that does not fit its plan: ${what}`);
    if (list + OUTCOME.HEADER > view.byteLength) throw bad('the list is outside memory');
    const count = view.getUint32(list, true);
    if (list + OUTCOME.HEADER + count * OUTCOME.SIZE > view.byteLength) {
      throw bad('a record is outside memory');
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    // A string of the record: (i32 address, i32 length) in the module's memory, or null.
    const string = (at) => {
      const address = view.getInt32(at, true);
      if (address === NONE_I32) return null;
      const start = address >>> 0;
      const length = view.getUint32(at + 4, true);
      if (start + length > view.byteLength) throw bad('a string is outside memory');
      try {
        return decoder.decode(new Uint8Array(view.buffer, start, length));
      } catch {
        throw bad('a string that is not UTF-8');
      }
    };
    const instant = (at, offsetAt) => {
      const seconds = view.getBigInt64(at, true);
      const offset = view.getInt32(offsetAt, true);
      if (Math.abs(offset) >= SECONDS_PER_DAY) throw bad('an offset out of range');
      if (seconds < -(2n ** 53n) || seconds > 2n ** 53n) throw bad('an instant out of range');
      return rfc3339(Number(seconds), offset);
    };
    const actions = [];
    for (let i = 0; i < count; i++) {
      const r = list + OUTCOME.HEADER + i * OUTCOME.SIZE;
      const tag = view.getUint8(r + OUTCOME.TAG);
      if (tag === OUTCOME.SKIP) continue; // a message not sent: rem prints it only with --explain
      if (tag !== OUTCOME.ACTION) throw bad(`record kind ${tag} does not exist`);
      const policy = this.plan.policies[view.getInt32(r + OUTCOME.POLICY, true)];
      const message = policy?.messages[view.getInt32(r + OUTCOME.MESSAGE, true)];
      const channel = CHANNELS[view.getUint8(r + OUTCOME.CHANNEL)];
      const recipient = WHO[view.getUint8(r + OUTCOME.RECIPIENT)];
      const address = view.getUint8(r + OUTCOME.ADDRESS);
      const unlessEvent = view.getUint8(r + OUTCOME.UNLESS_EVENT);
      if (!message || !channel || !recipient || address > ADDRESS.UNIT ||
        (unlessEvent !== NO_BYTE && !EVENT_KINDS[unlessEvent])) {
        throw bad('an action names a policy, message, channel, recipient, address or event ' +
          'that does not exist');
      }
      actions.push({
        // The key is a u128 written as 32 hexadecimal digits: the high 64 bits, then the low.
        key: hex64(view.getBigUint64(r + OUTCOME.KEY + 8, true)) +
          hex64(view.getBigUint64(r + OUTCOME.KEY, true)),
        policy,
        message,
        channel,
        recipient,
        address,
        sendAt: instant(r + OUTCOME.SEND_AT, r + OUTCOME.SEND_AT_OFFSET),
        sender: string(r + OUTCOME.SENDER),
        text: string(r + OUTCOME.TEXT),
        // An undecided fallback: sent unless the event arrives by the deadline.
        condition: unlessEvent === NO_BYTE ? null : `unless ${EVENT_KINDS[unlessEvent]} by ` +
          instant(r + OUTCOME.UNLESS_BY, r + OUTCOME.UNLESS_BY_OFFSET),
      });
    }
    return actions;
  }
}

function hex64(n) {
  return n.toString(16).padStart(16, '0');
}

// ---------------------------------------------------------------------------------------------
// Output: one action as rem writes it (src/output.rs, `write_action_json`). The fields in this
// order; `sender`, `template`, `text` and `condition` only when there is one. JSON.stringify
// escapes strings as serde_json does (`"`, `\`, \b \f \n \r \t, other control characters as
// \u00xx in lowercase; everything else as it is) and keeps the keys in insertion order.

/** The address as the sending system reads it (`Address::resolve` in src/engine/outcome.rs). */
function resolveAddress(kind, recipient, booking) {
  switch (kind) {
    case ADDRESS.MOBILE:
      if (recipient === 'guardian1') return booking.guardians[0]?.mobile ?? '';
      if (recipient === 'guardian2') return booking.guardians[1]?.mobile ?? '';
      return booking.mobile ?? '';
    case ADDRESS.EMAIL:
      return booking.email ?? '';
    case ADDRESS.INBOX:
      return `inbox:${booking.patientId}`;
    case ADDRESS.POSTAL:
      return `postal:${booking.patientId}`;
    default:
      return `unit:${booking.unit}`;
  }
}

function actionLine(action, booking) {
  const line = {
    key: action.key,
    booking_id: booking.id,
    policy: action.policy.name,
    message: action.message.name,
    kind: action.message.kind,
    channel: action.channel,
    recipient: action.recipient,
    address: resolveAddress(action.address, action.recipient, booking),
    send_at: action.sendAt,
  };
  if (action.sender !== null) line.sender = action.sender;
  if (typeof action.message.template === 'string') line.template = action.message.template;
  if (action.text !== null) line.text = action.text;
  if (action.condition !== null) line.condition = action.condition;
  return JSON.stringify(line) + '\n';
}

// ---------------------------------------------------------------------------------------------
// The run.

function usage(problem) {
  process.stderr.write(
    `${problem}\nusage: node run.mjs PLAN.wasm BOOKINGS.jsonl [EVENTS.jsonl] --now TIME ` +
      '[--mode forecast|due] [--since TIME]\n',
  );
  process.exit(2);
}

function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        now: { type: 'string' },
        since: { type: 'string' },
        mode: { type: 'string', default: 'forecast' },
      },
    });
  } catch (error) {
    usage(error.message);
  }
  const { values, positionals } = parsed;
  if (positionals.length < 2 || positionals.length > 3) {
    usage('give a module, a booking feed and, optionally, an event feed');
  }
  const [modulePath, feedPath, eventsPath] = positionals;
  const time = (name, text) => {
    try {
      return parseTime(text).seconds;
    } catch {
      usage(`--${name}: \`${text}\` is not an RFC 3339 time such as 2026-03-30T09:00:00+02:00`);
    }
  };
  // Without --now, the clock: as rem does.
  const now = values.now === undefined ? Math.floor(Date.now() / 1000) : time('now', values.now);
  const since = values.since === undefined ? null : time('since', values.since);
  const mode = ['forecast', 'due'].indexOf(values.mode);
  if (mode < 0) usage('--mode is forecast or due');

  // 1. The module.
  let host;
  try {
    host = new PlanModule(readFileSync(modulePath));
  } catch (error) {
    process.stderr.write(`${modulePath} cannot be used: ${error.message}\n`);
    process.exit(2);
  }

  let skipped = 0;
  const skip = (path, number, id, why) => {
    skipped += 1;
    // The id is written as a JSON string: a feed's text may hold control characters.
    const booking = id === null ? '' : `booking ${JSON.stringify(id)}: `;
    process.stderr.write(`${path}:${number}: ${booking}skipped: ${why}\n`);
  };
  const lines = (path) => {
    try {
      return linesOf(path);
    } catch (error) {
      process.stderr.write(`${path} cannot be read: ${error.message}\n`);
      process.exit(2);
    }
  };
  // The JSON value of a line; throws when the line is not UTF-8 or not JSON.
  const json = (line) => {
    if (line === null) throw new Error('the line is not UTF-8');
    try {
      return JSON.parse(line);
    } catch {
      throw new Error('the line is not JSON');
    }
  };
  const idOf = (row) =>
    isObject(row) && typeof row.booking_id === 'string' ? row.booking_id : null;

  // 2. The events, by booking id, in the order they were read.
  const eventsOf = new Map();
  if (eventsPath !== undefined) {
    for (const { number, line } of lines(eventsPath)) {
      let row;
      try {
        row = json(line);
        const { bookingId, event } = readEvent(row, now);
        if (!eventsOf.has(bookingId)) eventsOf.set(bookingId, []);
        eventsOf.get(bookingId).push(event);
      } catch (error) {
        skip(eventsPath, number, idOf(row), error.message);
      }
    }
  }

  // 3. The bookings, with rem's whole-feed rules (src/feed/rules.rs): a booking id used by an
  // earlier row is refused; the rows of a group booking (same clinic and group_id) wait until
  // the end of the feed and then share one reminder flag, off when any row has it off.
  const seen = new Set();
  const streamed = [];
  const held = [];
  const groupOff = new Map(); // clinic and group id -> whether a row has the flag off
  for (const { number, line } of lines(feedPath)) {
    let row;
    let booking;
    try {
      row = json(line);
      booking = readBooking(row);
    } catch (error) {
      skip(feedPath, number, idOf(row), error.message);
      continue;
    }
    if (seen.has(booking.id)) {
      skip(feedPath, number, booking.id, 'booking_id is the id of an earlier row');
      continue;
    }
    seen.add(booking.id);
    if (booking.groupId === null) {
      streamed.push({ number, booking });
    } else {
      const group = JSON.stringify([booking.clinic, booking.groupId]);
      groupOff.set(group, (groupOff.get(group) ?? false) || !booking.reminder);
      held.push({ number, booking, group });
    }
  }
  for (const h of held) h.booking.reminder = !groupOff.get(h.group);

  // 4 and 5. Evaluate each booking, write its actions.
  let out = '';
  for (const { number, booking } of [...streamed, ...held]) {
    let actions;
    try {
      const input = encodeBooking(booking, eventsOf.get(booking.id) ?? []);
      actions = host.evaluate(input, now, since, mode);
    } catch (error) {
      if (!(error instanceof BookingFailed)) throw error;
      skip(feedPath, number, booking.id, error.message);
      continue;
    }
    for (const action of actions) out += actionLine(action, booking);
    if (out.length > 1 << 16) {
      writeAll(out);
      out = '';
    }
  }
  writeAll(out);
  process.exitCode = skipped > 0 ? 3 : 0;
}

/** Writes to standard output synchronously, so that output and exit status agree. */
function writeAll(text) {
  const bytes = utf8.encode(text);
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      if (error.code === 'EAGAIN') continue; // a non-blocking pipe that is full: try again
      process.stderr.write(
        `cannot write the actions: ${error.message}: the output is incomplete\n`,
      );
      process.exit(2);
    }
  }
}

main();
