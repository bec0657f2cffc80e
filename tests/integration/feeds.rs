//! Every column of the feed table (`schema::Column`) is read from all three formats:
//! `tests/feed/every_field.{csv,jsonl,fhir.json}` hold one booking whose every field differs
//! from its default, and the three readings must be that same booking.

use rem::booking::Booking;
use rem::feed::{Column, Feed, Format};

fn read(name: &str, format: Format) -> Booking<'static> {
    let path = format!("{}/tests/feed/{name}", env!("CARGO_MANIFEST_DIR"));
    let input = std::io::BufReader::new(std::fs::File::open(&path).expect("fixture"));
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .expect("time")
        .to_utc();
    let mut feed = Feed::open(format, input, &rem::feed::ReadOptions::at(now)).expect("opens");
    let (_, row) = feed.next_row().expect("one row").expect("readable");
    let booking = row.expect("a valid booking").into_owned();
    assert!(feed.next_row().is_none(), "{name} holds one booking");
    booking
}

/// Whether the booking's value of `column` differs from what an empty field gives. A column
/// added to the table must be added here, or this does not compile.
fn given(booking: &Booking<'_>, column: Column) -> bool {
    let p = &booking.patient;
    let guardian = |i: usize| booking.guardians[i].as_ref();
    match column {
        Column::BookingId => !booking.id.is_empty(),
        Column::PatientId => !booking.patient_id.is_empty(),
        Column::Clinic => !booking.clinic.is_empty(),
        Column::Unit => !booking.unit.is_empty(),
        Column::Exam => !booking.exam.is_empty(),
        Column::Kind => booking.kind != rem::booking::Kind::Single,
        Column::SeriesId => booking.series_id.is_some(),
        Column::GroupId => booking.group_id.is_some(),
        Column::Source => booking.source != rem::booking::Source::Staff,
        Column::Status => booking.status != rem::booking::Status::Booked,
        Column::StatusAt => booking.status_at.is_some(),
        Column::Start => booking.start > booking.created,
        Column::Created => booking.created < booking.start,
        Column::Reminder => !booking.reminder,
        Column::BirthDate => p.birth_date.to_string() == "2012-05-04",
        Column::IdKind => p.id_kind != rem::booking::IdKind::Personal,
        Column::Mobile => p.mobile.is_some(),
        Column::Email => p.email.is_some(),
        Column::ConsentSms => p.consent_sms,
        Column::ConsentEmail => p.consent_email,
        Column::ConsentSource => p.consent_source != rem::booking::ConsentSource::None,
        Column::InboxAccount => p.inbox_account,
        Column::InboxNotifications => p.inbox_notifications,
        Column::Interpreter => p.interpreter,
        Column::Language => p.language.is_some(),
        Column::Guardian1Mobile => guardian(0).is_some_and(|g| g.mobile.is_some()),
        Column::Guardian1ConsentSms => guardian(0).is_some_and(|g| g.consent_sms),
        Column::Guardian2Mobile => guardian(1).is_some_and(|g| g.mobile.is_some()),
        Column::Guardian2ConsentSms => guardian(1).is_some_and(|g| g.consent_sms),
        Column::PreviousStart => booking.previous_start.is_some(),
        Column::PatientStatus => p.status != rem::booking::PatientStatus::Active,
    }
}

#[test]
fn every_field_is_read_from_all_three_formats() {
    let csv = read("every_field.csv", Format::Csv);
    let jsonl = read("every_field.jsonl", Format::Jsonl);
    let fhir = read("every_field.fhir.json", Format::Fhir);
    assert_eq!(jsonl, csv, "JSON Lines and CSV read differently");
    assert_eq!(fhir, csv, "FHIR and CSV read differently");
    for column in Column::ALL {
        assert!(
            given(&csv, *column),
            "`{}` was not read (or the fixture leaves it at its default)",
            column.name()
        );
    }
    // The CSV fixture's header is the table's, in the table's order.
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/feed/every_field.csv"
    ))
    .expect("fixture");
    let names: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(header.lines().next(), Some(names.join(",").as_str()));
}
