//! The redirect rules `refgen build` emits for nginx, Apache and Caddy, loaded into the real
//! servers on loopback, answer every request of the shared table with a 302 to the expected
//! place.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use refcenter_tests::http::get;
use refcenter_tests::redirect_cases::CASES;
use refcenter_tests::servers::{self, Server};
use refcenter_tests::{build, private_paths, repo_root};

fn check_table(server: &Server, name: &str, out: &std::path::Path) {
    let mut failures = Vec::new();
    for case in CASES {
        let response = get(server.addr, case.path).unwrap();
        if response.status != 302 || response.location.as_deref() != Some(case.location) {
            failures.push(format!(
                "{}: GET {} gave {} {:?}, expected 302 {}",
                case.name, case.path, response.status, response.location, case.location
            ));
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
    // The rest of the site is still served as files.
    let robots = get(server.addr, "/robots.txt").unwrap();
    assert_eq!(robots.status, 200, "{name} serves the site");
    assert_eq!(String::from_utf8_lossy(&robots.body), "User-agent: *\nDisallow: /go/\nDisallow: /p/\n");
    // And a partner's private page, at the path the admin's list gives.
    let (_, path) = &private_paths(out)[0];
    let page = get(server.addr, path).unwrap();
    assert_eq!(page.status, 200, "{name} serves {path}");
    assert!(String::from_utf8_lossy(&page.body).contains("Generate Link"), "{name} serves the partner page");
}

fn built_sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    build(&repo_root().join("partners.toml"), &dir.path().join("output"));
    dir
}

#[test]
fn nginx_answers_the_table() {
    let dir = built_sample();
    let work = dir.path().join("nginx");
    std::fs::create_dir(&work).unwrap();
    let server = servers::nginx(&dir.path().join("output"), &work, "");
    check_table(&server, "nginx", &dir.path().join("output"));
}

#[test]
fn apache_answers_the_table() {
    let dir = built_sample();
    let work = dir.path().join("apache");
    std::fs::create_dir(&work).unwrap();
    let server = servers::apache(&dir.path().join("output"), &work);
    check_table(&server, "apache", &dir.path().join("output"));
}

#[test]
fn caddy_answers_the_table() {
    let dir = built_sample();
    let work = dir.path().join("caddy");
    std::fs::create_dir(&work).unwrap();
    let server = servers::caddy(&dir.path().join("output"), &work);
    check_table(&server, "caddy", &dir.path().join("output"));
}
