//! The GitHub Actions workflows: the release workflow of this repository and the examples in
//! `examples/github-actions/` pass actionlint; every `refgen` and `refstats` command the
//! examples run names a real subcommand and only options the binaries accept, so they cannot
//! drift from the command lines; stats.yml knows the line refstats prints when there is nothing
//! new; they install a pinned release through the install action,
//! which is run here against a local release and refuses archives its checksums do not name.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use refcenter_tests::{repo_root, run};

/// The example workflows.
const WORKFLOWS: [&str; 4] = ["check.yml", "publish.yml", "stats.yml", "payout.yml"];

fn examples() -> PathBuf {
    repo_root().join("examples/github-actions")
}

#[test]
fn the_workflows_use_only_real_commands_and_options() {
    let mut commands = 0;
    for name in WORKFLOWS {
        let text = std::fs::read_to_string(examples().join(name)).unwrap();
        assert!(!text.contains('\t'), "{name}: YAML does not allow tabs");
        assert!(text.contains("\njobs:\n") && text.contains("\non:\n"), "{name}: a workflow");
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') {
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

/// Runs actionlint (./test.sh installs it and names it in REFCENTER_ACTIONLINT) on `file`.
fn actionlint(file: &Path) -> Output {
    let linter = std::env::var("REFCENTER_ACTIONLINT").unwrap_or_else(|_| "actionlint".to_owned());
    let mut words = linter.split_whitespace();
    Command::new(words.next().unwrap())
        .args(words)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run actionlint (`{linter}`): {e}; ./test.sh installs it"))
}

#[test]
fn the_workflows_pass_actionlint() {
    let mut files = vec![repo_root().join(".github/workflows/release.yml")];
    files.extend(WORKFLOWS.map(|name| examples().join(name)));
    for file in files {
        let out = actionlint(&file);
        let report = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}:\n{report}", file.display());
    }
    // The linter finds what it should: a job key that does not exist.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n").unwrap();
    assert!(!actionlint(&bad).status.success(), "actionlint accepts a broken workflow");
}

/// The workspace's version, which a release is tagged with.
fn version() -> String {
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let line = manifest.lines().find(|l| l.starts_with("version = ")).unwrap();
    line.trim_start_matches("version = ").trim_matches('"').to_owned()
}

#[test]
fn the_workflows_install_a_pinned_release() {
    let action = std::fs::read_to_string(examples().join("install-refcenter/action.yml")).unwrap();
    assert!(action.contains(&format!("    default: \"{}\"\n", version())), "the action pins this version");
    for name in WORKFLOWS {
        let text = std::fs::read_to_string(examples().join(name)).unwrap();
        assert!(
            text.contains("- uses: ./.github/actions/install-refcenter\n        with:\n          repository: ${{ vars.REFCENTER_REPO }}\n"),
            "{name} installs through the action from the repository variable"
        );
        assert!(!text.contains("cargo install") && !text.contains("your-org"), "{name}: no build from a placeholder");
    }
}

/// The install action's script, as the runner runs it.
fn install_script() -> String {
    let action = std::fs::read_to_string(examples().join("install-refcenter/action.yml")).unwrap();
    let (_, body) = action.split_once("      run: |\n").unwrap();
    body.lines()
        .take_while(|l| l.is_empty() || l.starts_with("        "))
        .map(|l| l.get(8..).unwrap_or("").to_owned() + "\n")
        .collect()
}

#[test]
fn the_install_action_installs_only_what_the_checksums_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (arch, target) = match std::env::consts::ARCH {
        "aarch64" => ("ARM64", "aarch64-unknown-linux-musl"),
        _ => ("X64", "x86_64-unknown-linux-musl"),
    };
    let version = version();
    let name = format!("refcenter-{version}-{target}");
    let release = root.join(format!("server/owner/refcenter/releases/download/v{version}"));
    let stage = root.join("stage").join(&name);
    std::fs::create_dir_all(&release).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    // Stand-ins for the release's binaries (the debug builds weigh a gigabyte): what is tested
    // here is which archive the action installs, and that it runs what it installed.
    for program in ["refgen", "refstats"] {
        std::fs::write(stage.join(program), format!("#!/bin/sh\necho \"{program} {version} ($0)\"\n")).unwrap();
        Command::new("chmod").arg("+x").arg(stage.join(program)).status().unwrap();
        Command::new("touch").args(["-d", "2024-01-02T03:04:05Z"]).arg(stage.join(program)).status().unwrap();
    }
    let archive = release.join(format!("{name}.tar.gz"));
    let tar = Command::new("tar").arg("-C").arg(root.join("stage")).arg("-czf").arg(&archive).arg(&name).status();
    assert!(tar.unwrap().success());
    let sums = Command::new("sha256sum").arg(format!("{name}.tar.gz")).current_dir(&release).output().unwrap();
    let sum = String::from_utf8(sums.stdout).unwrap();
    std::fs::write(release.join("SHA256SUMS"), format!("{}  other.tar.gz\n{sum}", "0".repeat(64))).unwrap();
    let script = install_script();
    let install = |pinned: &str| {
        let home = root.join("home");
        let _ = std::fs::remove_dir_all(&home);
        let runner = root.join("runner");
        let _ = std::fs::remove_dir_all(&runner);
        std::fs::create_dir_all(&runner).unwrap();
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env("REPOSITORY", "owner/refcenter")
            .env("VERSION", &version)
            .env("PINNED", pinned)
            .env("SERVER", format!("file://{}", root.join("server").display()))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TEMP", &runner)
            .env("HOME", &home)
            .env("GITHUB_PATH", root.join("github_path"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text, home.join(".local/bin/refstats").is_file())
    };
    let (ok, text, installed) = install("");
    assert!(ok && installed, "{text}");
    let installed_bin = root.join("home/.local/bin");
    assert!(text.contains(&format!("refstats {version} ({}/refstats)", installed_bin.display())), "{text}");
    let path = std::fs::read_to_string(root.join("github_path")).unwrap();
    assert_eq!(path, format!("{}\n", installed_bin.display()));
    // Installed with the release's times, the same on every runner: refstats names its build by
    // size and time in a store report's digest.
    let time = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    assert_eq!(time(&installed_bin.join("refstats")), time(&stage.join("refstats")));
    // Pinned as well: the right hash passes, another fails.
    let (ok, text, _) = install(sum.split_whitespace().next().unwrap());
    assert!(ok, "{text}");
    let (ok, text, installed) = install(&"ab".repeat(32));
    assert!(!ok && !installed && text.contains("FAILED"), "{text}");
    // An archive that is not the one the checksums name installs nothing.
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.push(0);
    std::fs::write(&archive, bytes).unwrap();
    let (ok, text, installed) = install("");
    assert!(!ok && !installed && text.contains("FAILED"), "{text}");
    // A release that does not list the archive.
    std::fs::write(release.join("SHA256SUMS"), "").unwrap();
    let (ok, text, installed) = install("");
    assert!(!ok && !installed && text.contains("does not list"), "{text}");
}

/// stats.yml publishes nothing when refstats says the store's report is up to date: the line it
/// looks for is the one a real run with nothing new prints.
#[test]
fn the_stats_workflow_knows_the_line_of_a_run_with_nothing_new() {
    let text = std::fs::read_to_string(examples().join("stats.yml")).unwrap();
    let phrase = text.split("grep -q \"").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = refcenter_tests::fixtures().join("logs/cloudfront.log");
    let config = repo_root().join("partners.toml");
    let config = config.to_str().unwrap();
    let args =
        ["--config", config, "--store", "stats", "--as-of", "2024-05-03", "--no-progress", log.to_str().unwrap()];
    let first = run("refstats", &args, dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(!String::from_utf8_lossy(&first.stdout).contains(phrase), "a run that counted is not up to date");
    let again = run("refstats", &args, dir.path());
    assert!(String::from_utf8_lossy(&again.stdout).contains(phrase), "`{phrase}` in {again:?}");
}
