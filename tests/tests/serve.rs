//! `refgen init` and `refgen serve` end to end: a new program from the sample checks clean;
//! the preview server answers the shared table of tracking links exactly as the real web
//! servers do, serves the private pages, and rebuilds when the program changes.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::{Duration, Instant};

use refcenter_tests::http::get;
use refcenter_tests::redirect_cases::CASES;
use refcenter_tests::{private_paths, run, servers};

#[test]
fn init_writes_a_program_that_checks_clean_and_refuses_a_full_folder() {
    let dir = tempfile::tempdir().unwrap();
    let result = run("refgen", &["init", "new-program"], dir.path());
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    let program = dir.path().join("new-program");
    for file in ["partners.toml", "partners/swdf.toml", "content/emails/welcome.md", ".gitignore"] {
        assert!(program.join(file).is_file(), "{file} written");
    }
    let check = run("refgen", &["check"], &program);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains("partners.toml"), "it checks the new program");
    let again = run("refgen", &["init", "new-program"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    // No staging folder is left behind.
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["new-program"]);
}

#[test]
fn serve_answers_the_table_serves_pages_and_rebuilds_on_change() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run("refgen", &["init", "program"], dir.path()).status.code(), Some(0));
    let program = dir.path().join("program");
    let out = dir.path().join("out");
    let server = servers::refgen_serve(&program.join("partners.toml"), &out, dir.path());

    let mut failures = Vec::new();
    for case in CASES {
        let response = get(server.addr, case.path).unwrap();
        if response.status != 302 || response.location.as_deref() != Some(case.location) {
            failures.push(format!("{}: GET {} gave {} {:?}", case.name, case.path, response.status, response.location));
        }
    }
    assert!(failures.is_empty(), "refgen serve:\n{}", failures.join("\n"));

    let page = private_paths(&out).remove(0).1;
    let response = get(server.addr, &page).unwrap();
    assert_eq!(response.status, 200);
    assert!(String::from_utf8_lossy(&response.body).contains("Samantha Jones"));
    let css = get(server.addr, "/assets/style.css").unwrap();
    assert_eq!(css.status, 200);
    assert!(css.headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("text/css")), "{:?}", css.headers);
    assert_eq!(get(server.addr, "/p/not-a-partner/").unwrap().status, 404);
    assert_eq!(get(server.addr, "/../../etc/passwd").unwrap().status, 404);

    // Rename a partner: the page changes without restarting the server.
    let toml = std::fs::read_to_string(program.join("partners.toml")).unwrap();
    std::fs::write(program.join("partners.toml"), toml.replace("Samantha Jones", "Samantha Q. Jones")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let body = get(server.addr, &page).map(|r| String::from_utf8_lossy(&r.body).into_owned()).unwrap_or_default();
        if body.contains("Samantha Q. Jones") {
            break;
        }
        assert!(Instant::now() < deadline, "no rebuild within 15 s of the change");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A broken edit keeps the last good build online.
    std::fs::write(program.join("partners.toml"), "this is not toml [").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(get(server.addr, &page).unwrap().status, 200);
    assert_eq!(get(server.addr, CASES[0].path).unwrap().location.as_deref(), Some(CASES[0].location));
}
