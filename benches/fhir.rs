//! Reading FHIR (issue 11): a searchset bundle of 100,000 appointments with their 100,000
//! Patients and 10,000 RelatedPersons, against the same bookings as JSON Lines. The bundle is
//! written once into a temporary folder (and kept there as `bundle.json` and `bookings.jsonl`
//! for whole-process runs: see BENCHMARKS.md). Run with `cargo bench --bench fhir`.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use rem::feed::fhir::FeedConfig;
use rem::feed::{Feed, Format, ReadOptions};

const APPOINTMENTS: usize = 100_000;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-25T12:00:00Z")
        .unwrap_or_else(|e| panic!("{e}"))
        .to_utc()
}

/// One entry of each kind, as a Swedish regional server writes them.
fn write_bundle(path: &Path) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}"));
    let mut out = std::io::BufWriter::new(file);
    let mut w = |text: String| {
        out.write_all(text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    w(r#"{"resourceType":"Bundle","type":"searchset","entry":["#.to_string());
    for n in 0..APPOINTMENTS {
        let day = 1 + n % 28;
        let hour = 8 + n % 9;
        w(format!(
            r#"{{"fullUrl":"https://fhir.region.example/r4/Appointment/a{n}","resource":{{"resourceType":"Appointment","id":"a{n}","meta":{{"lastUpdated":"2026-03-20T10:00:00+01:00"}},"identifier":[{{"system":"urn:oid:1.2.752.29.4.71","value":"B{n}"}}],"status":"booked","serviceType":[{{"coding":[{{"system":"http://snomed.info/sct","code":"33879002","display":"Vaccination"}}]}}],"start":"2026-04-{day:02}T{hour:02}:30:00+02:00","end":"2026-04-{day:02}T{hour:02}:45:00+02:00","created":"2026-03-10T09:15:00+01:00","participant":[{{"actor":{{"reference":"Patient/p{n}","display":"Patient {n}"}},"required":"required","status":"accepted"}},{{"actor":{{"reference":"Practitioner/d{d}","display":"Doktor {d}"}},"required":"required","status":"accepted"}},{{"actor":{{"reference":"HealthcareService/dsk"}},"status":"accepted"}},{{"actor":{{"reference":"Location/rum-{r}"}},"status":"accepted"}}]}},"search":{{"mode":"match"}}}},"#,
            d = n % 40,
            r = n % 12,
        ));
    }
    for n in 0..APPOINTMENTS {
        let year = 1940 + n % 80;
        w(format!(
            r#"{{"fullUrl":"https://fhir.region.example/r4/Patient/p{n}","resource":{{"resourceType":"Patient","id":"p{n}","meta":{{"lastUpdated":"2026-01-01T10:00:00+01:00"}},"identifier":[{{"system":"urn:oid:1.2.752.129.2.1.3.1","value":"{year}0101{n:04}"}}],"active":true,"name":[{{"use":"official","family":"Andersson","given":["Anna"]}}],"telecom":[{{"system":"phone","value":"070-{a:03} {b:02} {c:02}","use":"mobile","rank":1}},{{"system":"email","value":"p{n}@example.se"}}],"gender":"female","birthDate":"{year}-01-01","address":[{{"line":["Storgatan 1"],"city":"Göteborg","postalCode":"41101"}}],"communication":[{{"language":{{"coding":[{{"system":"urn:ietf:bcp:47","code":"sv-SE"}}]}},"preferred":true}}],"extension":[{{"url":"https://rem-policies.org/fhir/StructureDefinition/consent-sms","valueBoolean":true}}]}},"search":{{"mode":"include"}}}},"#,
            a = 100 + n % 900,
            b = n % 100,
            c = (n / 100) % 100,
        ));
    }
    for n in 0..APPOINTMENTS / 10 {
        let p = n * 10 + 3;
        w(format!(
            r#"{{"fullUrl":"https://fhir.region.example/r4/RelatedPerson/r{n}","resource":{{"resourceType":"RelatedPerson","id":"r{n}","patient":{{"reference":"Patient/p{p}"}},"relationship":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"MTH"}}]}}],"telecom":[{{"system":"phone","value":"+4670{m:07}","use":"mobile"}}],"extension":[{{"url":"https://rem-policies.org/fhir/StructureDefinition/consent-sms","valueBoolean":true}}]}},"search":{{"mode":"include"}}}},"#,
            m = 1_000_000 + n,
        ));
    }
    w(r#"{"fullUrl":"https://fhir.region.example/r4/HealthcareService/dsk","resource":{"resourceType":"HealthcareService","id":"dsk","providedBy":{"reference":"Organization/vc-exempel"}}}]}"#.to_string());
}

fn config() -> FeedConfig {
    let text =
        std::fs::read_to_string("examples/feed-config.toml").unwrap_or_else(|e| panic!("{e}"));
    FeedConfig::from_toml("examples/feed-config.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

/// The bundle's bookings as JSON Lines, read by rem's own FHIR reader.
fn write_jsonl(bundle: &Path, path: &Path, config: &FeedConfig) {
    let mut out = Vec::new();
    let mut line = Vec::new();
    let (_, done) = rem::feed::fhir::read(&[bundle.to_path_buf()], config, now(), &mut |_, row| {
        if let Ok(booking) = row {
            line.clear();
            rem::feed::jsonl::write_booking(&mut line, booking);
            out.extend_from_slice(&line);
        }
        true
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(done);
    std::fs::write(path, out).unwrap_or_else(|e| panic!("{e}"));
}

fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join("rem-bench-fhir");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn reading(c: &mut Criterion) {
    let dir = folder();
    let bundle = dir.join("bundle.json");
    let jsonl = dir.join("bookings.jsonl");
    let config = config();
    write_bundle(&bundle);
    write_jsonl(&bundle, &jsonl, &config);
    let mut group = c.benchmark_group("read 100k appointments");
    group.sample_size(10);
    group.throughput(Throughput::Elements(APPOINTMENTS as u64));
    group.bench_function("FHIR bundle", |b| {
        b.iter(|| {
            let mut rows = 0u64;
            let read = rem::feed::fhir::read(
                std::slice::from_ref(&bundle),
                &config,
                now(),
                &mut |_, row| {
                    rows += u64::from(row.is_ok());
                    true
                },
            );
            assert!(read.is_ok());
            assert_eq!(rows, APPOINTMENTS as u64);
        });
    });
    group.bench_function("the same bookings as JSON Lines", |b| {
        b.iter(|| {
            let file = std::fs::File::open(&jsonl).unwrap_or_else(|e| panic!("{e}"));
            let options = ReadOptions::at(now());
            let mut feed = Feed::open(
                Format::Jsonl,
                BufReader::with_capacity(1 << 20, file),
                &options,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let mut rows = 0u64;
            while let Some(row) = feed.next_row() {
                let (_, row) = row.unwrap_or_else(|e| panic!("{e}"));
                rows += u64::from(row.is_ok());
            }
            assert_eq!(rows, APPOINTMENTS as u64);
        });
    });
    group.finish();
}

criterion_group!(benches, reading);
criterion_main!(benches);
