//! The parts of FHIR R4 resources that rem reads, as one lenient type: every resource of an
//! input is read into a [`Resource`], whatever its `resourceType`, and what rem does not read
//! is skipped by serde without being held. Elements whose shape differs between resource types
//! (`identifier`, `relationship`, `location`, `type` are lists in some and single in others)
//! accept either.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub resource_type: Option<String>,
    pub id: Option<String>,
    pub meta: Option<Meta>,
    #[serde(default)]
    pub contained: Vec<Resource>,
    #[serde(default)]
    pub extension: Vec<Extension>,
    #[serde(default)]
    pub identifier: OneOrMany<Identifier>,
    pub status: Option<String>,
    pub active: Option<bool>,
    // Appointment
    pub start: Option<String>,
    pub created: Option<String>,
    #[serde(default)]
    pub participant: Vec<Participant>,
    pub appointment_type: Option<CodeableConcept>,
    #[serde(default)]
    pub service_type: OneOrMany<CodeableConcept>,
    #[serde(default)]
    pub service_category: OneOrMany<CodeableConcept>,
    #[serde(default)]
    pub specialty: OneOrMany<CodeableConcept>,
    // Patient, RelatedPerson
    pub birth_date: Option<String>,
    pub deceased_boolean: Option<bool>,
    pub deceased_date_time: Option<String>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
    #[serde(default)]
    pub communication: Vec<Communication>,
    #[serde(default)]
    pub contact: Vec<Contact>,
    pub patient: Option<Reference>,
    #[serde(default)]
    pub relationship: OneOrMany<CodeableConcept>,
    pub period: Option<Period>,
    // Location, HealthcareService
    pub managing_organization: Option<Reference>,
    pub provided_by: Option<Reference>,
    #[serde(default, rename = "type")]
    pub kind: OneOrMany<CodeableConcept>,
    // Consent
    pub date_time: Option<String>,
    pub provision: Option<Provision>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub last_updated: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Extension {
    pub url: Option<String>,
    #[serde(rename = "valueCode")]
    pub value_code: Option<String>,
    #[serde(rename = "valueString")]
    pub value_string: Option<String>,
    #[serde(rename = "valueDateTime")]
    pub value_date_time: Option<String>,
    #[serde(rename = "valueDate")]
    pub value_date: Option<String>,
    #[serde(rename = "valueBoolean")]
    pub value_boolean: Option<bool>,
}

impl Extension {
    /// The value as text, whatever its type.
    pub fn text(&self) -> Option<&str> {
        self.value_code
            .as_deref()
            .or(self.value_string.as_deref())
            .or(self.value_date_time.as_deref())
            .or(self.value_date.as_deref())
            .or(self.value_boolean.map(|b| if b { "true" } else { "false" }))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference {
    pub reference: Option<String>,
    pub identifier: Option<Identifier>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Participant {
    pub actor: Option<Reference>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactPoint {
    pub system: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "use")]
    pub usage: Option<String>,
    pub rank: Option<u32>,
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Period {
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Communication {
    pub language: Option<CodeableConcept>,
    pub preferred: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Contact {
    #[serde(default)]
    pub relationship: OneOrMany<CodeableConcept>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
    #[serde(default)]
    pub extension: Vec<Extension>,
    pub period: Option<Period>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Provision {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub period: Option<Period>,
    #[serde(default)]
    pub code: OneOrMany<CodeableConcept>,
    #[serde(default)]
    pub action: OneOrMany<CodeableConcept>,
    #[serde(default)]
    pub purpose: OneOrMany<Coding>,
    #[serde(default)]
    pub provision: Vec<Provision>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Link {
    pub relation: Option<String>,
    pub url: Option<String>,
}

/// An element that is a list in some resources and a single value in others.
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> std::ops::Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Either<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object or a list of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrMany(vec![t]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        d.deserialize_any(Either(std::marker::PhantomData))
    }
}

impl CodeableConcept {
    /// Its codings as `(system, code)`, the system empty when not given.
    pub fn codes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.coding
            .iter()
            .filter_map(|c| Some((c.system.as_deref().unwrap_or(""), c.code.as_deref()?)))
    }
}

/// The canonical name of a reference: `Type/id` for relative and absolute URLs (without
/// `/_history/N`), the URN itself for `urn:uuid:` and `urn:oid:`, `#id` for a contained one.
pub fn reference_key(reference: &str) -> Option<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return None;
    }
    if reference.starts_with('#') || reference.starts_with("urn:") {
        return Some(reference.to_string());
    }
    let path = reference.split(['?', '#']).next().unwrap_or(reference);
    let path = match path.find("/_history/") {
        Some(at) => &path[..at],
        None => path,
    };
    let mut parts = path.trim_end_matches('/').rsplit('/');
    let id = parts.next()?;
    let kind = parts.next()?;
    let typed = kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.bytes().all(|b| b.is_ascii_alphanumeric());
    typed.then(|| format!("{kind}/{id}"))
}

/// The resource type a reference key names (`Patient` of `Patient/12`); `None` for a URN or a
/// contained reference, whose type is the resource's own.
pub fn key_type(key: &str) -> Option<&str> {
    if key.starts_with('#') || key.starts_with("urn:") {
        return None;
    }
    key.split_once('/').map(|(kind, _)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_in_every_form_have_one_key() {
        for reference in [
            "Patient/123",
            "Patient/123/_history/4",
            "https://fhir.example.se/r4/Patient/123",
            "https://fhir.example.se/r4/Patient/123/_history/4",
            "http://hapi.fhir.org/baseR4/Patient/123/",
        ] {
            assert_eq!(
                reference_key(reference).as_deref(),
                Some("Patient/123"),
                "{reference}"
            );
        }
        assert_eq!(
            reference_key("urn:uuid:5b4a7c3e-0000-4000-8000-000000000001").as_deref(),
            Some("urn:uuid:5b4a7c3e-0000-4000-8000-000000000001")
        );
        assert_eq!(reference_key("#p1").as_deref(), Some("#p1"));
        assert_eq!(reference_key("123"), None);
        assert_eq!(reference_key(""), None);
    }

    #[test]
    fn lists_and_single_values_both_read() {
        let one: Resource =
            serde_json::from_str(r#"{"identifier":{"system":"s","value":"v"},"relationship":{"coding":[{"code":"MTH"}]}}"#)
                .expect("reads");
        assert_eq!(one.identifier.len(), 1);
        assert_eq!(one.relationship.len(), 1);
        let many: Resource =
            serde_json::from_str(r#"{"identifier":[{"value":"a"},{"value":"b"}]}"#).expect("reads");
        assert_eq!(many.identifier.len(), 2);
    }
}
