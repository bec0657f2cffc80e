//! The feed configuration (`--feed-config FILE.toml`): how a server's codes map to the words of
//! the policies. Every key is optional; `docs/feed-format.md` documents each and
//! `examples/feed-config.toml` is a commented example. A mistake is reported at its line and
//! column by [`ConfigError`], before any booking is read.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The built-in identifier systems of Swedish id numbers (the OIDs of the Swedish eHealth
/// Agency and the HL7 Sweden URIs); a configuration adds to them.
pub const PERSONAL_SYSTEMS: &[&str] = &[
    "urn:oid:1.2.752.129.2.1.3.1",
    "http://electronichealth.se/identifier/personnummer",
];
pub const COORDINATION_SYSTEMS: &[&str] = &[
    "urn:oid:1.2.752.129.2.1.3.3",
    "http://electronichealth.se/identifier/samordningsnummer",
];
/// Reserve numbers are regional: the national OID and the regions' own (Stockholm, Västra
/// Götaland, Skåne); any system whose name contains `reserv` is one too.
pub const RESERVE_SYSTEMS: &[&str] = &[
    "urn:oid:1.2.752.129.2.1.3.2",
    "urn:oid:1.2.752.97.3.1.3",
    "urn:oid:1.2.752.113.10.1.2.1",
    "urn:oid:1.2.752.74.9.1",
];
/// HL7 v3 RoleCode relationships that make a related person a guardian. A neighbour
/// (`NBOR`), an emergency contact (`C`, `ECON`) or a friend never is.
pub const GUARDIAN_CODES: &[&str] = &[
    "GUARD", "PRN", "MTH", "FTH", "PRNFOST", "MTHFOST", "FTHFOST", "STPPRN", "STPMTH", "STPFTH",
    "ADOPTP", "ADOPTM", "ADOPTF", "NPRN", "NMTH", "NFTH",
];
/// Coding systems that never name an examination: the encounter class (`AMB`), the v2
/// appointment reasons (`ROUTINE`, `FOLLOWUP`).
pub const NOT_EXAM_SYSTEMS: &[&str] = &[
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "http://terminology.hl7.org/CodeSystem/v2-0276",
];

/// The feed configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The clinic code for appointments whose resources name no clinic.
    pub clinic: Option<String>,
    /// Organization, Location or HealthcareService (a reference such as `Organization/123`
    /// or an identifier `SYSTEM|VALUE`) → clinic code.
    #[serde(default)]
    pub clinics: BTreeMap<String, String>,
    /// The unit code for appointments that name no Location or HealthcareService.
    pub unit: Option<String>,
    /// Location or HealthcareService (a reference, an identifier `SYSTEM|VALUE` or a type
    /// coding `SYSTEM|CODE`) → unit code.
    #[serde(default)]
    pub units: BTreeMap<String, String>,
    /// Which participant is the unit: the HealthcareService when there is one (default), or
    /// the Location.
    #[serde(default)]
    pub unit_from: UnitFrom,
    #[serde(default)]
    pub exam: ExamConfig,
    /// The country of national phone numbers (`070-123 45 03`), e.g. `SE`.
    pub phone_region: Option<Region>,
    #[serde(default)]
    pub identifiers: Identifiers,
    #[serde(default)]
    pub guardians: Guardians,
    #[serde(default)]
    pub consent: ConsentConfig,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitFrom {
    #[default]
    HealthcareService,
    Location,
}

/// Which coding names the examination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamConfig {
    /// The coding systems that name examinations, in order of preference; empty: any system
    /// but the encounter class and the v2 appointment reasons.
    #[serde(default)]
    pub systems: Vec<String>,
    /// The elements searched, in order.
    #[serde(default = "ExamElement::all")]
    pub from: Vec<ExamElement>,
    /// Code (or `SYSTEM|CODE`) → the exam word of the policies; codes not listed are kept
    /// as they are.
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ExamElement {
    #[serde(rename = "serviceType")]
    ServiceType,
    #[serde(rename = "appointmentType")]
    AppointmentType,
    #[serde(rename = "serviceCategory")]
    ServiceCategory,
    #[serde(rename = "specialty")]
    Specialty,
}

impl Default for ExamConfig {
    fn default() -> Self {
        ExamConfig {
            systems: Vec::new(),
            from: ExamElement::all(),
            codes: BTreeMap::new(),
        }
    }
}

impl ExamElement {
    fn all() -> Vec<ExamElement> {
        vec![
            ExamElement::ServiceType,
            ExamElement::AppointmentType,
            ExamElement::ServiceCategory,
        ]
    }
}

/// More identifier systems of each kind of id number.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identifiers {
    #[serde(default)]
    pub personal: Vec<String>,
    #[serde(default)]
    pub coordination: Vec<String>,
    #[serde(default)]
    pub reserve: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guardians {
    /// Relationship codes (any system) that make a RelatedPerson or a Patient.contact a
    /// guardian.
    #[serde(default = "Guardians::default_codes")]
    pub relationships: Vec<String>,
}

impl Guardians {
    fn default_codes() -> Vec<String> {
        GUARDIAN_CODES.iter().map(|c| (*c).to_string()).collect()
    }
}

impl Default for Guardians {
    fn default() -> Self {
        Guardians {
            relationships: Guardians::default_codes(),
        }
    }
}

/// Where consent (R1) comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentConfig {
    #[serde(default)]
    pub from: ConsentFrom,
    /// With `from = "registry"`: the channels the registry's consent covers.
    #[serde(default = "ConsentConfig::default_channels")]
    pub channels: Vec<ConsentChannel>,
    /// With `from = "resources"`: codes (any system, or `SYSTEM|CODE`) in a Consent's
    /// provision that name each channel.
    #[serde(default = "ConsentConfig::default_sms_codes")]
    pub sms_codes: Vec<String>,
    #[serde(default = "ConsentConfig::default_email_codes")]
    pub email_codes: Vec<String>,
}

impl ConsentConfig {
    fn default_channels() -> Vec<ConsentChannel> {
        vec![ConsentChannel::Sms]
    }
    fn default_sms_codes() -> Vec<String> {
        vec!["sms".to_string(), "SMS".to_string()]
    }
    fn default_email_codes() -> Vec<String> {
        ["email", "EMAIL", "e-mail"]
            .map(str::to_string)
            .into_iter()
            .collect()
    }
}

impl Default for ConsentConfig {
    fn default() -> Self {
        ConsentConfig {
            from: ConsentFrom::default(),
            channels: ConsentConfig::default_channels(),
            sms_codes: ConsentConfig::default_sms_codes(),
            email_codes: ConsentConfig::default_email_codes(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentFrom {
    /// `Consent` resources in the input, else this project's extensions.
    #[default]
    Resources,
    /// Only this project's extensions on the Patient.
    Extensions,
    /// A national registry holds the consent (R1): every patient has it for `channels`.
    Registry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChannel {
    Sms,
    Email,
}

/// A country for national phone numbers, checked when the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(pub phonenumber::country::Id);

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .map(Region)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a country code; give the two letters of ISO 3166, such as \"SE\""
                ))
            })
    }
}

/// A configuration file that cannot be used, with where.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the feed configuration cannot be used: {message}")]
#[diagnostic(
    code(rem::E096),
    help("see the keys and their values in docs/feed-format.md, or examples/feed-config.toml")
)]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: miette::NamedSource<String>,
    #[label("here")]
    pub span: Option<miette::SourceSpan>,
}

impl FeedConfig {
    /// Reads a configuration file's text; `name` is its path, for the report.
    pub fn from_toml(name: &str, text: &str) -> Result<FeedConfig, ConfigError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        toml::from_str(text).map_err(|e: toml::de::Error| ConfigError {
            message: e.message().trim().to_string(),
            src: miette::NamedSource::new(name, text.to_string()),
            span: e.span().map(Into::into),
        })
    }

    /// Whether `system` is an identifier system of `kind`.
    pub fn id_kind_of(&self, system: &str) -> Option<crate::booking::IdKind> {
        use crate::booking::IdKind;
        let listed = |built_in: &[&str], extra: &[String]| {
            built_in.contains(&system) || extra.iter().any(|s| s == system)
        };
        if listed(PERSONAL_SYSTEMS, &self.identifiers.personal) {
            Some(IdKind::Personal)
        } else if listed(COORDINATION_SYSTEMS, &self.identifiers.coordination)
            || system.to_ascii_lowercase().contains("samordningsnummer")
        {
            Some(IdKind::Coordination)
        } else if listed(RESERVE_SYSTEMS, &self.identifiers.reserve)
            || system.to_ascii_lowercase().contains("reserv")
        {
            Some(IdKind::Reserve)
        } else {
            None
        }
    }

    /// Whether a relationship code makes a related person a guardian.
    pub fn is_guardian_code(&self, code: &str) -> bool {
        self.guardians.relationships.iter().any(|c| c == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_reads() {
        let text = include_str!("../../../examples/feed-config.toml");
        let config = FeedConfig::from_toml("feed-config.toml", text).expect("reads");
        assert_eq!(
            config.phone_region.map(|r| r.0),
            Some(phonenumber::country::Id::SE)
        );
        assert!(config.is_guardian_code("GUARD"));
        assert!(!config.is_guardian_code("NBOR"));
    }

    #[test]
    fn mistakes_are_placed() {
        let error = FeedConfig::from_toml("c.toml", "clinic = \"A\"\nphone_regoin = \"SE\"\n")
            .expect_err("unknown key");
        assert!(error.message.contains("phone_regoin"), "{}", error.message);
        assert_eq!(error.span.map(|s| s.offset()), Some(13));
        let error =
            FeedConfig::from_toml("c.toml", "phone_region = \"Sverige\"\n").expect_err("country");
        assert!(error.message.contains("ISO 3166"), "{}", error.message);
    }
}
