//! The example GitHub Actions workflows in `examples/github-actions/`: every `refgen` and
//! `refstats` command they run names a real subcommand and only options the binaries accept,
//! so the examples cannot drift from the command lines.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use refcenter_tests::{repo_root, run};

#[test]
fn the_workflows_use_only_real_commands_and_options() {
    let dir = repo_root().join("examples/github-actions");
    let mut commands = 0;
    for name in ["check.yml", "publish.yml", "stats.yml", "payout.yml"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(!text.contains('\t'), "{name}: YAML does not allow tabs");
        assert!(text.contains("\njobs:\n") && text.contains("\non:\n"), "{name}: a workflow");
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') || line.starts_with("command -v") {
                continue;
            }
            let line = line.trim_start_matches("run:").trim();
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some(bin) = words.first().filter(|w| **w == "refgen" || **w == "refstats") else { continue };
            commands += 1;
            let mut help_args = Vec::new();
            if *bin == "refgen" {
                help_args.push(words[1]);
            }
            help_args.push("--help");
            let help = run(bin, &help_args, &repo_root());
            assert_eq!(help.status.code(), Some(0), "{name}: `{line}`");
            let help = String::from_utf8(help.stdout).unwrap();
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                assert!(
                    help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                    "{name}: {bin} has no {flag}"
                );
            }
        }
    }
    assert!(commands >= 4, "the workflows run refgen check, build (twice) and refstats: {commands}");
}

/// The README's test command is the one CI runs, and it installs what the tests need.
#[test]
fn ci_runs_the_readmes_test_command() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(readme.contains("\n./test.sh "), "the README names ./test.sh as its test command");
    assert_eq!(ci.lines().rfind(|l| !l.trim().is_empty()), Some("./test.sh"), "CI ends with it");
    let script = std::fs::read_to_string(repo_root().join("test.sh")).unwrap();
    for package in ["nginx", "apache2", "caddy", "nodejs", "chromium", "chromium-driver"] {
        assert!(script.contains(&format!("need+=({package})")), "test.sh installs {package} when missing");
    }
    assert!(script.contains("cargo test --workspace \"$@\""));
}
