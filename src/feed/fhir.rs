//! HL7 FHIR R4 as servers serve it: searchset bundles (the pages of a search), transaction and
//! batch bundles, single resources and FHIR Bulk Data NDJSON exports. Each Appointment is a
//! booking of each of its patients; the patient, the guardians (RelatedPersons with a
//! guardian's relationship), the consents (Consent resources), the clinic and the unit
//! (Organization, Location, HealthcareService) are found through references in any form. How a
//! server's codes map to the policies' words is the feed configuration's ([`FeedConfig`]). What
//! FHIR has no element for comes from extensions under [`EXTENSION_BASE`]. The mapping is
//! documented in `docs/feed-format.md`.
//!
//! | module | what |
//! |---|---|
//! | `config` | the feed configuration file |
//! | `resource` | the parts of resources rem reads, and reference keys |
//! | `index` | compact records of every resource an appointment may refer to |
//! | `appointment` | an appointment kept, and the bookings it becomes |
//! | `split` | a bundle cut into its entries as it is read |
//! | `read` | streaming the inputs |

mod appointment;
pub mod config;
mod index;
mod read;
mod resource;
mod split;

pub use config::{ConfigError, FeedConfig};
pub use read::{Report, read, read_one};

/// The extensions of this project: `{EXTENSION_BASE}booking-source` and so on.
pub const EXTENSION_BASE: &str = "https://rem-policies.org/fhir/StructureDefinition/";
/// The standard extension for an interpreter need.
pub const INTERPRETER_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";
