//! The JSON Schema printed by `refgen schema` accepts the sample program's files and rejects
//! broken ones, checked with a real JSON Schema validator.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;

use refcenter_model::schema::json_schema;
use serde_json::Value as Json;

/// A TOML document as the JSON an editor's schema check sees (dates become strings).
fn to_json(value: toml::Value) -> Json {
    match value {
        toml::Value::String(s) => Json::String(s),
        toml::Value::Integer(i) => Json::from(i),
        toml::Value::Float(f) => Json::from(f),
        toml::Value::Boolean(b) => Json::Bool(b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.into_iter().map(to_json).collect()),
        toml::Value::Table(t) => Json::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
    }
}

fn parse(text: &str) -> Json {
    to_json(toml::Value::Table(toml::from_str(text).unwrap()))
}

fn validator() -> jsonschema::Validator {
    let schema: Json = serde_json::from_str(&json_schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn the_sample_program_files_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let validator = validator();
    let mut files = vec![root.join("partners.toml")];
    files.extend(std::fs::read_dir(root.join("partners")).unwrap().map(|e| e.unwrap().path()));
    for file in files {
        let doc = parse(&std::fs::read_to_string(&file).unwrap());
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
}

#[test]
fn broken_programs_are_rejected() {
    let validator = validator();
    let base =
        "[program]\nname = \"P\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n";
    assert!(validator.is_valid(&parse(base)), "the base document is valid");
    for broken in [
        "colour = \"red\"\n",
        "[[partners]]\ncode = \"sam\"\nname = \"S\"\nparnet = \"x\"\n",
        "[[partners]]\ncode = \"Sam Smith\"\nname = \"S\"\n",
        "[[partners]]\ncode = \"sam\"\n",
        "[[partners]]\ncode = \"sam\"\nname = \"S\"\n[[partners.ads]]\ncode = \"a\"\nname = \"A\"\nmedia = \"tv\"\nstart = 2024-01-01\n",
        "[[links]]\ncode = \"x\"\nname = 5\ndestination = \"https://example.com/\"\n",
        "[[partners]]\ncode = \"sam\"\nname = \"S\"\nactive = \"yes\"\n",
    ] {
        let doc = parse(&format!("{base}{broken}"));
        assert!(!validator.is_valid(&doc), "accepted:\n{broken}");
    }
    let status = parse(&base.replace("[program]\n", "[program]\nstatus = 301\n"));
    assert!(!validator.is_valid(&status), "a permanent status is refused");
}
