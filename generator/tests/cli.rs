//! The `refgen` command line itself: exit statuses for usage errors and help, and the schema
//! command.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::Command;

fn refgen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_refgen")).args(args).env("NO_COLOR", "1").output().unwrap()
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let out = refgen(&["chek"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand 'chek'"));
    assert_eq!(refgen(&["check", "--bogus"]).status.code(), Some(2));
    assert_eq!(refgen(&[]).status.code(), Some(2));
    let help = refgen(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("check"));
}

#[test]
fn schema_prints_the_model_schema() {
    let out = refgen(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed, refcenter_model::schema::json_schema());
    let json: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(json["title"], "Referral program file (partners.toml)");
    assert!(json["properties"]["partners"].is_object());
}
