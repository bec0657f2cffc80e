//! The parts of FHIR R4 resources that rem reads, as one lenient type: every resource of an
//! input is read into a [`Resource`], whatever its `resourceType`, and what rem does not read
//! is skipped by serde without being held. Elements whose shape differs between resource types
//! (`identifier`, `relationship`, `location`, `type` are lists in some and single in others)
//! accept either.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource<'a> {
    #[serde(borrow)]
    pub resource_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub meta: Option<Meta<'a>>,
    #[serde(borrow, default)]
    pub contained: Vec<Resource<'a>>,
    #[serde(borrow, default)]
    pub extension: Vec<Extension<'a>>,
    #[serde(borrow, default)]
    pub identifier: OneOrMany<Identifier<'a>>,
    #[serde(borrow)]
    pub status: Option<Cow<'a, str>>,
    pub active: Option<bool>,
    // Appointment
    #[serde(borrow)]
    pub start: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub created: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub participant: Vec<Participant<'a>>,
    #[serde(borrow)]
    pub appointment_type: Option<CodeableConcept<'a>>,
    #[serde(borrow, default)]
    pub service_type: OneOrMany<CodeableConcept<'a>>,
    #[serde(borrow, default)]
    pub service_category: OneOrMany<CodeableConcept<'a>>,
    #[serde(borrow, default)]
    pub specialty: OneOrMany<CodeableConcept<'a>>,
    // Patient, RelatedPerson
    #[serde(borrow)]
    pub birth_date: Option<Cow<'a, str>>,
    pub deceased_boolean: Option<bool>,
    #[serde(borrow)]
    pub deceased_date_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub telecom: Vec<ContactPoint<'a>>,
    #[serde(borrow, default)]
    pub communication: Vec<Communication<'a>>,
    #[serde(borrow, default)]
    pub contact: Vec<Contact<'a>>,
    #[serde(borrow)]
    pub patient: Option<Reference<'a>>,
    #[serde(borrow, default)]
    pub relationship: OneOrMany<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub period: Option<Period<'a>>,
    // Location, HealthcareService
    #[serde(borrow)]
    pub managing_organization: Option<Reference<'a>>,
    #[serde(borrow)]
    pub provided_by: Option<Reference<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub kind: OneOrMany<CodeableConcept<'a>>,
    // Consent
    #[serde(borrow)]
    pub date_time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub provision: Option<Provision<'a>>,
    // Bundle
    #[serde(borrow, default)]
    pub link: Vec<Link<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta<'a> {
    #[serde(borrow)]
    pub last_updated: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Extension<'a> {
    #[serde(borrow)]
    pub url: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "valueCode")]
    pub value_code: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "valueString")]
    pub value_string: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "valueDateTime")]
    pub value_date_time: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "valueDate")]
    pub value_date: Option<Cow<'a, str>>,
    #[serde(rename = "valueBoolean")]
    pub value_boolean: Option<bool>,
}

impl Extension<'_> {
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
pub struct Identifier<'a> {
    #[serde(borrow)]
    pub system: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub value: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    pub kind: Option<CodeableConcept<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference<'a> {
    #[serde(borrow)]
    pub reference: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub identifier: Option<Identifier<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Participant<'a> {
    #[serde(borrow)]
    pub actor: Option<Reference<'a>>,
    #[serde(borrow)]
    pub status: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeableConcept<'a> {
    #[serde(borrow, default)]
    pub coding: Vec<Coding<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Coding<'a> {
    #[serde(borrow)]
    pub system: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub code: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactPoint<'a> {
    #[serde(borrow)]
    pub system: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub value: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "use")]
    pub usage: Option<Cow<'a, str>>,
    pub rank: Option<u32>,
    #[serde(borrow)]
    pub period: Option<Period<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Period<'a> {
    #[serde(borrow)]
    pub end: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Communication<'a> {
    #[serde(borrow)]
    pub language: Option<CodeableConcept<'a>>,
    pub preferred: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Contact<'a> {
    #[serde(borrow, default)]
    pub relationship: OneOrMany<CodeableConcept<'a>>,
    #[serde(borrow, default)]
    pub telecom: Vec<ContactPoint<'a>>,
    #[serde(borrow, default)]
    pub extension: Vec<Extension<'a>>,
    #[serde(borrow)]
    pub period: Option<Period<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Provision<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub period: Option<Period<'a>>,
    #[serde(borrow, default)]
    pub code: OneOrMany<CodeableConcept<'a>>,
    #[serde(borrow, default)]
    pub action: OneOrMany<CodeableConcept<'a>>,
    #[serde(borrow, default)]
    pub purpose: OneOrMany<Coding<'a>>,
    #[serde(borrow, default)]
    pub provision: Vec<Provision<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Link<'a> {
    #[serde(borrow)]
    pub relation: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub url: Option<Cow<'a, str>>,
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
            // An element of another shape in another resource (`Bundle.type` is a code): none
            // of what rem reads.
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        d.deserialize_any(Either(std::marker::PhantomData))
    }
}

impl CodeableConcept<'_> {
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
        let bundle: Resource =
            serde_json::from_str(r#"{"resourceType":"Bundle","type":"searchset","total":2}"#)
                .expect("a code where a CodeableConcept may be");
        assert!(bundle.kind.is_empty());
    }
}
