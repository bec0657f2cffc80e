//! Issue 9: the WebAssembly backend equals the native engine, byte for byte, on every policy
//! of `policies/` and `tests/` and on generated programs, over generated bookings that cover
//! every field value, minors, DST days, late and moved bookings, and delivery events with and
//! without keys. Output is compared as `rem eval --explain` writes it (JSON Lines and CSV), in
//! forecast and due modes.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options, Outcome};
use rem::events::{Event, EventIndex, EventKind};
use rem::output::{ActionWriter, OutputFormat};
use rem::wasm::host::{Host, Limits};

use super::invariants::{Vocab, booking_in, case, compile, fall_back_case};

/// Forecast at a fixed time, and due in a window before it.
fn modes() -> [Options; 2] {
    let now = DateTime::parse_from_rfc3339("2026-06-01T12:00:00+02:00")
        .expect("time")
        .with_timezone(&Utc);
    [
        Options {
            now,
            since: None,
            mode: Mode::Forecast,
        },
        Options {
            now,
            since: Some(now - Duration::days(200)),
            mode: Mode::Due,
        },
    ]
}

/// Bookings no two alike, at the places `vocab` names, with every field's values (the
/// generator of `invariants.rs`, with languages beyond it, no language, and unusable e-mails).
fn bookings(vocab: &Vocab, n: usize, seed: u8) -> Vec<Booking<'static>> {
    let languages = ["sv", "da", "no", "nb", "nn", "it", "de", "fi", "en", "fr"];
    let strategy = (
        booking_in(vocab.clone()),
        0usize..=languages.len(),
        prop::bool::weighted(0.15),
    )
        .prop_map(move |(mut b, language, unusable)| {
            b.patient.language = languages
                .get(language)
                .map(|l| std::borrow::Cow::Owned((*l).to_string()));
            if unusable && b.patient.email.is_some() {
                b.patient.email = None;
                b.patient.email_invalid = true;
            }
            b
        });
    let mut runner = TestRunner::new_with_rng(
        proptest::test_runner::Config::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &[seed; 32],
        ),
    );
    (0..n)
        .map(|i| {
            let mut b = match strategy.new_tree(&mut runner) {
                Ok(tree) => tree.current(),
                Err(e) => panic!("cannot generate a booking: {e}"),
            };
            b.id = std::borrow::Cow::Owned(format!("B{i}"));
            b
        })
        .collect()
}

/// Delivery events for some of the actions the native engine plans: by key or by message,
/// channel and recipient, delivered or opened, from at once to four days later (so that some
/// answer a fallback in time and some do not).
fn events_for(engine: &Engine, bookings: &[Booking<'static>]) -> EventIndex {
    let mut index = EventIndex::default();
    let [forecast, _] = modes();
    let mut out = Vec::new();
    for booking in bookings {
        out.clear();
        engine.evaluate(booking, &EventIndex::default(), &forecast, &mut out);
        for outcome in &out {
            let Outcome::Action(action) = outcome else {
                continue;
            };
            let pick = action.key % 7;
            if pick > 3 {
                continue;
            }
            let message = &engine.policy(action.policy).messages[action.message];
            index.insert(
                &booking.id,
                Event {
                    key: (pick % 2 == 0).then_some(action.key),
                    message: message.name.clone(),
                    channel: Some(message.channel),
                    recipient: Some(action.recipient),
                    kind: if pick < 2 {
                        EventKind::Opened
                    } else {
                        EventKind::Delivered
                    },
                    at: action.send_at + Duration::minutes(((action.key >> 8) % (4 * 1440)) as i64),
                    reply: None,
                },
            );
        }
    }
    index
}

/// What `rem eval --explain` writes for one booking's outcomes.
fn written(
    engine: &Engine,
    booking: &Booking<'_>,
    outcomes: &[Outcome],
    format: OutputFormat,
) -> Vec<u8> {
    let mut writer = match ActionWriter::new(Vec::new(), format, true) {
        Ok(w) => w,
        Err(e) => panic!("{e}"),
    };
    for outcome in outcomes {
        if let Err(e) = writer.write(engine, booking, outcome) {
            panic!("{e}");
        }
    }
    match writer.finish() {
        Ok(bytes) => bytes,
        Err(e) => panic!("{e}"),
    }
}

/// Evaluates every booking both ways in both modes; the first difference, if any.
fn differences(
    engine: &Engine,
    host: &mut Host,
    bookings: &[Booking<'static>],
    events: &EventIndex,
) -> Result<usize, String> {
    let (mut native, mut wasm) = (Vec::new(), Vec::new());
    let mut compared = 0;
    for options in modes() {
        for booking in bookings {
            native.clear();
            wasm.clear();
            engine.evaluate(booking, events, &options, &mut native);
            host.evaluate(booking, events, &options, &mut wasm)
                .map_err(|e| format!("{}: {e}", booking.id))?;
            for format in [OutputFormat::Jsonl, OutputFormat::Csv] {
                let (n, w) = (
                    written(engine, booking, &native, format),
                    written(engine, booking, &wasm, format),
                );
                if n != w {
                    return Err(format!(
                        "booking {} ({:?}) differs:\nnative:\n{}\nwasm:\n{}\n{booking:?}\nevents: {:?}",
                        booking.id,
                        options.mode,
                        String::from_utf8_lossy(&n),
                        String::from_utf8_lossy(&w),
                        events.of(&booking.id).collect::<Vec<_>>()
                    ));
                }
            }
            compared += 1;
        }
    }
    Ok(compared)
}

fn host(engine: &Engine) -> Host {
    let bytes = match rem::wasm::build(engine) {
        Ok(bytes) => bytes,
        Err(e) => panic!("the plan does not build: {e}"),
    };
    match Host::new("test", &bytes, Limits::default()) {
        Ok(host) => host,
        Err(e) => panic!("the module does not run: {e}"),
    }
}

fn rem_files(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rem_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rem") {
            out.push(path);
        }
    }
}

/// An engine for the files, when they compile without errors (many files under `tests/` are
/// there for their errors).
fn engine_of(files: &[PathBuf]) -> Option<Engine> {
    let compiled = rem::compile(files, |p| std::fs::read(p));
    if compiled.has_errors() || compiled.plan.policies.is_empty() {
        return None;
    }
    Engine::new(compiled.plan).ok()
}

#[test]
fn every_policy_of_the_project_gives_the_same_output_in_wasm() {
    let mut files = Vec::new();
    rem_files(Path::new("policies"), &mut files);
    rem_files(Path::new("tests"), &mut files);
    let mut sets: Vec<Vec<PathBuf>> = files.iter().map(|f| vec![f.clone()]).collect();
    let mut all = Vec::new();
    rem_files(Path::new("policies"), &mut all);
    sets.push(all);
    let (mut plans, mut bookings_compared) = (0, 0);
    for (i, set) in sets.iter().enumerate() {
        let Some(engine) = engine_of(set) else {
            continue;
        };
        let per_plan = if set.len() > 1 { 3000 } else { 400 };
        let bookings = bookings(
            &Vocab::of(engine.plan()),
            per_plan,
            u8::try_from(i % 251).unwrap_or(0),
        );
        let events = events_for(&engine, &bookings);
        let mut host = host(&engine);
        match differences(&engine, &mut host, &bookings, &events) {
            Ok(n) => bookings_compared += n,
            Err(why) => panic!("{}: {why}", set[0].display()),
        }
        plans += 1;
    }
    assert!(plans >= 40, "only {plans} policy files compiled");
    assert!(bookings_compared >= 30_000, "{bookings_compared}");
}

/// A generated program gives the same output in wasm as natively on the bookings (and events
/// made for them).
fn same_output(
    program: &super::invariants::Program,
    bookings: &[Booking<'static>],
) -> Result<(), TestCaseError> {
    let engine = match compile(program) {
        Ok(engine) => engine,
        Err(why) => {
            prop_assume!(false, "{}", why);
            unreachable!()
        }
    };
    let events = events_for(&engine, bookings);
    let mut host = host(&engine);
    if let Err(why) = differences(&engine, &mut host, bookings, &events) {
        prop_assert!(false, "{}\n{}", why, program.text());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Generated programs (several policies, `wins_over`, windows, complements, fallbacks,
    /// unit settings, senders and texts) give the same output in wasm.
    #[test]
    fn generated_programs_give_the_same_output_in_wasm((program, bookings, _events) in case(false, 40)) {
        same_output(&program, &bookings)?;
    }

    /// Issue 11: unusable mobile numbers, visits not booked yet or declined, inactive and
    /// deceased patients give the same output in wasm.
    #[test]
    fn held_bookings_and_unusable_numbers_give_the_same_output_in_wasm(
        (program, bookings, _events) in case(false, 24),
        marks in prop::collection::vec(0u8..8, 24),
    ) {
        let bookings: Vec<Booking<'static>> = bookings
            .into_iter()
            .zip(marks.into_iter().chain(std::iter::repeat(0)))
            .map(|(booking, mark)| super::invariants::marked(booking, mark))
            .collect();
        same_output(&program, &bookings)?;
    }

    /// Bookings made in the hour clocks fall back, with windows that open inside it: where a
    /// window could move a send time earlier.
    #[test]
    fn the_night_clocks_fall_back_gives_the_same_output_in_wasm((program, bookings, _events) in fall_back_case()) {
        same_output(&program, &bookings)?;
    }
}

/// The generated part of a module's text (the runtime after it is the same for every plan),
/// each time-zone table (bytes probed from chrono-tz) shortened to its comment.
fn generated_text(engine: &Engine) -> String {
    let text = match rem::wasm::text(engine) {
        Ok(text) => text,
        Err(e) => panic!("{e}"),
    };
    let generated = text
        .split(rem::wasm::codegen::RUNTIME_MARK)
        .next()
        .unwrap_or_default();
    let mut shown = String::new();
    let mut zone = false;
    for line in generated.lines() {
        if zone {
            shown.push_str("  (data ... the zone's spans ...)\n");
            zone = false;
            continue;
        }
        zone = line.trim_start().starts_with(";; time zone ");
        shown.push_str(line);
        shown.push('\n');
    }
    shown
}

/// The generated text of a few small policies, so that a change to the generator shows as a
/// reviewable change of what it writes.
#[test]
fn the_generated_text_of_small_policies() {
    for name in [
        "r01_consent_is_required_for_the_channel",
        "r11_paper_complement_for_those_who_need_it",
        "r14_guardians_of_minors_and_reserve_numbers",
        "r19_sender_alias_and_text_with_placeholders",
        "r20_a_late_booking_is_skipped_with_a_reason_or_sent_at_once",
    ] {
        let path = PathBuf::from(format!("tests/engine/{name}.rem"));
        let Some(engine) = engine_of(&[path]) else {
            panic!("{name} does not compile");
        };
        insta::assert_snapshot!(format!("wat_{name}"), generated_text(&engine));
    }
}

/// Each offset of the ABI and the field's name in `docs/wasm.md`.
fn abi_rows() -> Vec<(u32, &'static str)> {
    use rem::wasm::abi::{booking as b, event as e, outcome as o};
    vec![
        (b::START, "start"),
        (b::CREATED, "created"),
        (b::STATUS_AT, "status_at"),
        (b::PREVIOUS_START, "previous_start"),
        (b::BIRTH_DATE, "birth_date"),
        (b::KIND, "kind"),
        (b::SOURCE, "source"),
        (b::STATUS, "status"),
        (b::ID_KIND, "id_kind"),
        (b::CONSENT_SOURCE, "consent_source"),
        (b::FLAGS, "flags"),
        (b::GUARDIANS, "guardians"),
        (b::RECALL, "recall"),
        (b::PATIENT_STATUS, "patient_status"),
        (b::RECALL_BOOKED_AT, "recall_booked_at"),
        (b::ID, "booking_id"),
        (b::PATIENT_ID, "patient_id"),
        (b::CLINIC, "clinic"),
        (b::UNIT, "unit"),
        (b::EXAM, "exam"),
        (b::MOBILE, "mobile"),
        (b::EMAIL, "email"),
        (b::LANGUAGE, "language"),
        (b::GUARDIAN1_MOBILE, "guardian1_mobile"),
        (b::GUARDIAN2_MOBILE, "guardian2_mobile"),
        (b::EVENTS, "events"),
        (b::EVENT_COUNT, "event_count"),
        (e::AT, "at"),
        (e::KEY, "key"),
        (e::HAS_KEY, "has_key"),
        (e::KIND, "event"),
        (e::CHANNEL, "channel"),
        (e::RECIPIENT, "recipient"),
        (e::MESSAGE, "message"),
        (e::REPLY, "reply"),
        (o::TAG, "tag"),
        (o::CHANNEL, "channel"),
        (o::RECIPIENT, "recipient"),
        (o::ADDRESS, "address"),
        (o::ORIGIN, "origin"),
        (o::REASON, "reason"),
        (o::UNLESS_EVENT, "unless_event"),
        (o::POLICY, "policy"),
        (o::MESSAGE, "message"),
        (o::TRIGGER, "trigger"),
        (o::COMPLEMENT, "complement"),
        (o::RULE, "rule"),
        (o::PARAM, "param"),
        (o::SEND_AT, "send_at"),
        (o::SEND_AT_OFFSET, "send_at_offset"),
        (o::UNLESS_BY_OFFSET, "unless_by_offset"),
        (o::UNLESS_BY, "unless_by"),
        (o::KEY, "key"),
        (o::SENDER, "sender"),
        (o::TEXT, "text"),
    ]
}

/// `docs/wasm.md` documents the ABI for hosts in other languages: its tables must say what
/// `src/wasm/abi.rs` and the vocabulary say.
#[test]
fn the_abi_page_says_what_the_abi_is() {
    use rem::schema::{Channel, ConsentSource, EventKind, IdKind, Kind, Source, Status, Who};
    use rem::wasm::abi::{booking as b, event as e, outcome as o};
    let doc = std::fs::read_to_string("docs/wasm.md").expect("docs/wasm.md");
    let row = |offset: u32, field: &str| {
        assert!(
            doc.contains(&format!("| {offset} | `{field}` |")),
            "docs/wasm.md lacks the row `| {offset} | `{field}` |`"
        );
    };
    for (offset, field) in abi_rows() {
        row(offset, field);
    }
    for (size, text) in [
        (b::SIZE, "A header of 144 bytes"),
        (e::SIZE, "48 bytes each"),
        (o::SIZE, "88 bytes each"),
    ] {
        assert!(doc.contains(text), "the size {size}: `{text}`");
        assert!(text.contains(&size.to_string()));
    }
    for (name, words) in [
        ("kind", Kind::WORDS),
        ("source", Source::WORDS),
        ("status", Status::WORDS),
        ("patient_status", rem::schema::PatientStatus::WORDS),
        ("id_kind", IdKind::WORDS),
        ("consent_source", ConsentSource::WORDS),
        ("channel", Channel::WORDS),
        ("who (recipient)", Who::WORDS),
        ("event", EventKind::WORDS),
    ] {
        let listed: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
        let line = format!("| {name} | {} |", listed.join(", "));
        assert!(doc.contains(&line), "docs/wasm.md lacks `{line}`");
    }
    // every reason's number, in the words of the page
    let flowing = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    for number in 0..=29u8 {
        let param = match number {
            19 => 3,
            20 => 5,
            _ => 0,
        };
        let reason = rem::wasm::abi::reason::decode(number, param).expect("a reason");
        let said = match reason.code() {
            Some(code) => format!("{number} `{code}`"),
            None => format!("{number} an exclusion"),
        };
        assert!(flowing.contains(&said), "docs/wasm.md lacks `{said}`");
    }
    assert!(rem::wasm::abi::reason::decode(30, 0).is_none());
    assert!(rem::wasm::abi::reason::decode(20, 0).is_none());
    assert!(doc.contains(&format!(
        "## The ABI (version {})",
        rem::wasm::abi::ABI_VERSION
    )));
}

/// The bookings of `tests/due/bookings.csv`, and copies of them at other times.
fn due_fixture_bookings() -> (Vec<Booking<'static>>, Vec<Booking<'static>>) {
    let csv = std::fs::read("tests/due/bookings.csv").expect("bookings");
    let mut feed = rem::feed::Feed::open(
        rem::feed::Format::Csv,
        csv.as_slice(),
        &rem::feed::ReadOptions::at(chrono::DateTime::UNIX_EPOCH),
    )
    .expect("a feed");
    let mut read = Vec::new();
    while let Some(row) = feed.next_row() {
        if let Ok((_, Ok(booking))) = row {
            read.push(booking.into_owned());
        }
    }
    let mut bookings = Vec::new();
    for (i, days) in [-40i64, -3, 0, 5, 30].into_iter().enumerate() {
        for b in &read {
            let mut copy = b.clone();
            copy.id = format!("{}-{i}", b.id).into();
            copy.start += Duration::days(days);
            copy.created += Duration::days(days.min(0));
            bookings.push(copy);
        }
    }
    (read, bookings)
}

/// Results and therapy events around the DST change, and replies in several forms.
fn notice_events(bookings: &[Booking<'static>]) -> EventIndex {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("time");
    let mut events = EventIndex::default();
    let reply = |text: &str, when: &str| Event {
        key: None,
        message: "dagen före".to_string(),
        channel: Some(rem::schema::Channel::Sms),
        recipient: Some(rem::schema::Who::Patient),
        kind: EventKind::Reply,
        at: at(when),
        reply: rem::events::reply_word(text),
    };
    let about = |kind, when: &str| Event {
        key: None,
        message: String::new(),
        channel: None,
        recipient: None,
        kind,
        at: at(when),
        reply: None,
    };
    for (i, b) in bookings.iter().enumerate() {
        let id = b.id.to_string();
        match i % 5 {
            0 => {
                let results = about(EventKind::ResultsReady, "2026-03-25T21:30:00+01:00");
                events.insert(&id, results);
                let therapy = about(EventKind::TherapyStarted, "2026-03-27T13:00:00+01:00");
                events.insert(&id, therapy);
            }
            1 => events.insert(&id, reply("avboka tack", "2026-03-10T08:00:00+01:00")),
            2 => events.insert(&id, reply("Annulla!", "2026-04-20T08:00:00+02:00")),
            3 => events.insert(&id, reply("nej", "2026-03-10T08:00:00+01:00")),
            _ => events.insert(
                &id,
                about(EventKind::TherapyStarted, "2026-03-15T07:59:00+01:00"),
            ),
        }
    }
    events
}

/// The reasons for what is not sent, and how many repetitions are sent.
fn reasons_and_repetitions(
    engine: &Engine,
    bookings: &[Booking<'static>],
    events: &EventIndex,
) -> (std::collections::BTreeSet<&'static str>, usize) {
    let mut reasons = std::collections::BTreeSet::new();
    let mut repeated = 0;
    let mut out = Vec::new();
    for b in bookings {
        out.clear();
        engine.evaluate(b, events, &modes()[0], &mut out);
        for o in &out {
            match o {
                Outcome::Skip(s) => {
                    reasons.insert(s.reason.code().unwrap_or("excluded"));
                }
                Outcome::Action(a) => {
                    let name = &engine.policy(a.policy).messages[a.message].name;
                    repeated += usize::from(name == "medicin");
                }
            }
        }
    }
    (reasons, repeated)
}

/// Issue 10's constructs (R7, R8, R18): recall records timed from their due dates (one booked
/// by a booking of the feed), notices on events about the booking, a daily alert across the
/// spring DST change, a cancellation on a reply and the reminders it voids — equal in the
/// module and in the engine, keys and skips included.
#[test]
fn recalls_notices_repetitions_and_replies_give_the_same_output_in_wasm() {
    let path = PathBuf::from("tests/due/lab-and-vet.rem");
    let compiled = rem::compile(std::slice::from_ref(&path), |p| std::fs::read(p));
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let engine = Engine::new(compiled.plan).expect("a plan");
    let mut host = host(&engine);
    let (read, mut bookings) = due_fixture_bookings();
    let events = notice_events(&bookings);

    // Recall records of the services feed, marked booked by the bookings.
    let services = std::fs::read("tests/due/services.csv").expect("services");
    let services = rem::feed::services::read(services.as_slice(), true).expect("a services feed");
    let mut booked = rem::recalls::Booked::new(&engine);
    read.iter().for_each(|b| booked.note(b));
    let mut records = services.records;
    for record in &mut records {
        booked.mark(&engine, record);
    }
    assert!(
        records
            .iter()
            .any(|r| r.recall.and_then(|r| r.booked_at).is_some())
    );
    bookings.extend(records);

    // The comparison covers what it is about: each new rule is at work in these bookings.
    let (reasons, repeated) = reasons_and_repetitions(&engine, &bookings, &events);
    for code in [
        "cancelled_by_reply",
        "already_booked",
        "event_not_reported",
        "no_reply",
        "booked_too_late",
    ] {
        assert!(reasons.contains(code), "no `{code}` among {reasons:?}");
    }
    assert!(repeated >= 10, "{repeated} repetitions");
    let compared =
        differences(&engine, &mut host, &bookings, &events).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(compared, 2 * bookings.len());
}
