//! Time-zone tables for modules: the spans of a zone, taken from chrono-tz.
