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

/// A program of `partners` partners with 64-character codes, three ads each, on two links (the
/// second restricted to the group of every third partner), with every other partner inactive
/// among the last ten.
fn large_program(dir: &std::path::Path, partners: usize, target: &str) -> std::path::PathBuf {
    use std::fmt::Write as _;
    let mut toml = String::from(
        "[program]\nname = \"Large\"\nbase_url = \"https://go.example.com\"\nfallback_url = \"https://example.com/\"\n\
         [redirects]\ntargets = [\"TARGET\"]\n\
         [[links]]\ncode = \"open\"\nname = \"Open\"\ndestination = \"https://example.com/open?x=1\"\n\
         [[links]]\ncode = \"members\"\nname = \"Members\"\ndestination = \"https://example.com/members\"\n\
         groups = [\"gold\"]\n",
    );
    for p in 0..partners {
        let code = format!("{p:0>64}");
        let _ = write!(toml, "[[partners]]\ncode = \"{code}\"\nname = \"P\"\n");
        if p % 3 == 0 {
            toml.push_str("groups = [\"gold\"]\n");
        }
        if p + 10 >= partners && p % 2 == 1 {
            toml.push_str("active = false\n");
        }
        for a in 0..3 {
            let _ = write!(
                toml,
                "[[partners.ads]]\ncode = \"{:a>60}{p:04}\"\nname = \"A\"\nmedia = \"web\"\nstart = 2024-01-01\n",
                a
            );
        }
    }
    std::fs::write(dir.join("partners.toml"), toml.replace("TARGET", target)).unwrap();
    dir.join("partners.toml")
}

/// The server `start` starts on the build of a large program for `target` answers as the
/// model does.
fn check_large(target: &str, start: fn(&std::path::Path, &std::path::Path) -> Server) {
    let dir = tempfile::tempdir().unwrap();
    let config = large_program(dir.path(), 3000, target);
    build(&config, &dir.path().join("output"));
    let program = refcenter_model::load_path(&config).unwrap().program;
    let work = dir.path().join(target);
    std::fs::create_dir(&work).unwrap();
    let server = start(&dir.path().join("output"), &work);
    // The expected places come from the model itself, not from the emitted rules.
    let mut failures = Vec::new();
    for p in [0, 1, 2, 3, 1500, 2997, 2998, 2999] {
        let partner = &program.partners()[p];
        for link in program.links() {
            let allowed = partner.active && program.may_use(partner, link);
            let ad = &partner.ads[p % 3];
            let cases = [
                (format!("/go/{}/{}", link.code, partner.code), if allowed { Some(None) } else { None }),
                (
                    format!("/go/{}/{}/{}", link.code, partner.code, ad.code),
                    if allowed { Some(Some(ad)) } else { None },
                ),
                (format!("/go/{}/{}/{}x", link.code, partner.code, ad.code), if allowed { Some(None) } else { None }),
            ];
            for (path, credit) in cases {
                let expected = match credit {
                    Some(ad) => program.destination_url(link, Some(partner), ad),
                    None => program.destination_url(link, None, None),
                };
                let response = get(server.addr, &path).unwrap();
                if response.location.as_deref() != Some(expected.as_str()) {
                    failures.push(format!("{path}: {:?}, expected {expected}", response.location));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{target}:\n{}", failures.join("\n"));
}

#[test]
fn nginx_starts_with_a_large_program_and_answers_it() {
    check_large("nginx", |output, work| servers::nginx(output, work, ""));
}

#[test]
fn caddy_starts_with_a_large_program_and_answers_it() {
    check_large("caddy", servers::caddy);
}

#[test]
fn apache_starts_with_a_large_program_and_answers_it() {
    check_large("apache", servers::apache);
}
