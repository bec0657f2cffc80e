//! Rendered diagnostics for every file under `tests/check/errors/`: the input, then what a
//! policy author sees.

use rem::diagnostic::render;

use super::check_fixture;

#[test]
fn errors() {
    insta::glob!("..", "check/errors/*.rem", |path| {
        let checked = check_fixture(path);
        let program = &checked.program;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(
            !checked.diagnostics.is_empty(),
            "{name} should produce a diagnostic"
        );
        // Files named `warning_*` hold warnings only; every other file holds an error.
        assert_eq!(
            checked.has_errors(),
            !name.starts_with("warning_"),
            "{name}: errors vs warnings"
        );
        let input = std::fs::read_to_string(path).expect("fixture is readable");
        let output = render::human(&checked.diagnostics, program, false);
        insta::assert_snapshot!(format!("{input}\n---\n{output}"));
    });
}

#[test]
fn json_diagnostics_carry_code_place_and_help() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/check/errors/fallback_sms_unopened.rem"
    ));
    let checked = check_fixture(path);
    let json: serde_json::Value = serde_json::from_str(&render::json(
        &checked.diagnostics,
        &checked.silenced,
        &checked.program,
    ))
    .expect("valid JSON");
    assert_eq!(json["errors"], 1);
    let first = &json["diagnostics"][0];
    assert_eq!(first["code"], "rem::E055");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "fallback_sms_unopened.rem");
    assert_eq!(first["line"], 9);
    assert!(
        first["help"]
            .as_str()
            .is_some_and(|h| h.contains("undelivered"))
    );
}

#[test]
fn every_code_is_documented() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md"))
        .expect("docs/errors.md");
    let sources = [
        "src/check/error.rs",
        "src/parser/error.rs",
        "src/fmt/error.rs",
        "src/diagnostic.rs",
        "src/engine.rs",
        "src/feed.rs",
        "src/testing/error.rs",
    ];
    for file in sources {
        let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR")))
            .expect("source");
        for code in text.split("code(rem::").skip(1).map(|rest| &rest[..4]) {
            assert!(
                docs.contains(&format!("`rem::{code}`")),
                "{code} (in {file}) is missing from docs/errors.md"
            );
        }
    }
}

/// Names in one script, with any accents, digits and punctuation, are names like any other:
/// W108 and W109 are about what an author cannot see, not about letters outside ASCII.
#[test]
fn accented_and_single_script_names_do_not_warn() {
    let policy = "use \"defaults.rem\"\n\npolicy \"Vårdcentral Väst – 2\" extends \"Région Sjælland\" {\n    clinics \"Høje-Taastrup\", \"Città di Milano\", \"KF-HÖGLAND\", \"Ærø (øst)\", \"Ελληνικό\"\n    units \"Barn & Ungdom\", \"Öron-Näsa-Hals\"\n    exclude \"perché no\" when booking.exam == \"Röntgen µ 3\"\n\n    reminder \"påminnelse 1\" {\n        send 1 day before at 10:00\n        via sms\n        to patient\n        text \"Hej! Ваш визит завтра. Välkommen 👨‍👩‍👧\"\n    }\n}\n";
    let defaults = "defaults \"Région Sjælland\" {\n    timezone \"Europe/Copenhagen\"\n}\n";
    let compiled = rem::compile(&[std::path::PathBuf::from("p.rem")], |path| {
        Ok(if path.ends_with("defaults.rem") {
            defaults
        } else {
            policy
        }
        .as_bytes()
        .to_vec())
    });
    let (program, diagnostics) = (&compiled.program, &compiled.diagnostics);
    assert!(
        diagnostics.is_empty(),
        "{}",
        render::human(diagnostics, program, false)
    );
}

/// One policy file compiled under the name `p.rem`.
fn compiled(text: &str) -> rem::Compiled {
    rem::compile(&[std::path::PathBuf::from("p.rem")], |p| {
        crate::only_rem(p, text.as_bytes())
    })
}

/// The codes of diagnostics, in order.
fn codes_of(diagnostics: &[rem::diagnostic::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(rem::diagnostic::Diagnostic::code)
        .collect()
}

/// Issue 13 (E067): two messages of one policy are the same message twice only when nothing
/// tells them apart. Different conditions on the recipient (one text for minors, another for
/// adults), different send times, different channels or kinds are separate messages.
#[test]
fn messages_told_apart_are_not_the_same_message_twice() {
    let message = |name: &str, send: &str, via: &str, to: &str| {
        format!(
            "    reminder \"{name}\" {{\n        send {send}\n        via {via}\n        to {to}\n        template \"t\"\n    }}\n"
        )
    };
    let policy = |messages: &[String]| {
        format!(
            "policy \"p\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n{}}}\n",
            messages.concat()
        )
    };
    let codes = |text: String| codes_of(&compiled(&text).diagnostics);
    let day_before = "1 day before at 10:00";
    for apart in [
        [
            message("vuxna", day_before, "sms", "patient when not patient.minor"),
            message("barn", day_before, "sms", "patient when patient.minor"),
        ],
        [
            message("a", day_before, "sms", "patient"),
            message("b", "2 days before at 10:00", "sms", "patient"),
        ],
        [
            message("a", day_before, "sms", "patient"),
            message("b", day_before, "email", "patient"),
        ],
    ] {
        let text = policy(&apart);
        assert!(
            !codes(text.clone()).contains(&"rem::E067".to_string()),
            "{text}"
        );
    }
    let twice = policy(&[
        message("a", day_before, "sms", "patient"),
        message("b", day_before, "sms", "patient"),
    ]);
    assert!(
        codes(twice.clone()).contains(&"rem::E067".to_string()),
        "{twice}"
    );
}

/// Issue 13 (E068): the senders every SMS gateway takes pass; the others are named.
#[test]
fn sender_aliases_are_what_sms_gateways_take() {
    for good in [
        "ASLRoma1",
        "VC Exempel",
        "Djurklinik",
        "A&B-Vard_1",
        "+46701234567",
        "72445",
    ] {
        assert_eq!(rem::check::sender_problem(good), None, "{good}");
    }
    for (bad, problem) in [
        ("Vårdcentralen", "13 characters"),
        ("VC Alingsås", "`å`"),
        ("VC.Öst", "`.`"),
        ("1234567890123456", "16 digits"),
        (" VC", "no space at its start"),
        ("12-34", "needs a letter"),
    ] {
        let found = rem::check::sender_problem(bad).unwrap_or_default();
        assert!(found.contains(problem), "{bad}: {found}");
    }
}

/// Issue 13: `// rem: allow CODE` silences a warning the author means, on its line or for the
/// block whose first line it is on; other warnings and every error still count, and
/// `--format json` lists what was silenced.
#[test]
fn an_allow_comment_silences_the_warnings_it_names() {
    let policy = |allow_line: &str, allow_block: &str| {
        format!(
            "policy \"p\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    reminder \"vuxna\" {{{allow_block}\n        send 2 days before at 10:00\n        via sms\n        to patient when not patient.minor{allow_line}\n        template \"t\"\n    }}\n}}\n"
        )
    };
    let checked = |text: String| compiled(&text);
    let codes = codes_of;
    let plain = checked(policy("", ""));
    assert_eq!(codes(&plain.diagnostics), ["rem::W107"]);
    for allowed in [
        policy(" // rem: allow W107", ""),
        policy("", " // rem: allow rem::W107, W105"),
    ] {
        let compiled = checked(allowed.clone());
        assert!(compiled.diagnostics.is_empty(), "{allowed}");
        assert_eq!(codes(&compiled.silenced), ["rem::W107"], "{allowed}");
        let json: serde_json::Value = serde_json::from_str(&render::json(
            &compiled.diagnostics,
            &compiled.silenced,
            &compiled.program,
        ))
        .expect("JSON");
        assert_eq!(json["warnings"], 0);
        assert_eq!(json["silenced"][0]["code"], "rem::W107");
        assert_eq!(json["silenced"][0]["line"], 8);
    }
    let other = checked(policy(" // rem: allow W105", ""));
    assert_eq!(codes(&other.diagnostics), ["rem::W107"]);
}

/// Issue 13 (W111): a condition is judged with every minor age the policy has, its units'
/// included; one that some age lets through is not reported.
#[test]
fn conditions_are_judged_with_every_minor_age_of_the_policy() {
    let policy = |unit: &str, condition: &str| {
        format!(
            "policy \"p\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    minor_age 16\n{unit}\n    reminder \"r\" {{\n        send 1 day before at 10:00\n        via sms\n        to patient\n        to guardians when {condition}\n        template \"t\"\n    }}\n}}\n"
        )
    };
    let codes = |text: String| codes_of(&compiled(&text).diagnostics);
    let minor_at_16 = "patient.minor and patient.age >= 16";
    assert_eq!(codes(policy("", minor_at_16)), ["rem::W111"]);
    let unit = "    unit \"BVC\" {\n        minor_age 18\n    }\n";
    assert!(codes(policy(unit, minor_at_16)).is_empty());
    assert_eq!(codes(policy("", "patient.age >= 0")), ["rem::W111"]);
    assert!(codes(policy("", "patient.minor and patient.age >= 12")).is_empty());
}
